"""Static checks as part of the suite: ruff on every package (rules in pyproject.toml), and the
vocabulary tables that must exist once."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("clerk", "ui", "printing", "devices", "backoffice")


def test_ruff_finds_nothing():
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", *PACKAGES],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def test_mypy_finds_nothing_in_clerk():
    """clerk/ type-checks (settings and the modules still excluded: pyproject.toml [tool.mypy]);
    a ``type: ignore`` that is no longer needed is an error too."""
    proc = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(ROOT / ".mypy_cache")],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def test_form_labels_are_defined_once():
    defined = [p.relative_to(ROOT).as_posix() for pkg in (*PACKAGES, "backoffice") for p in (ROOT / pkg).rglob("*.py")
               if re.search(r"^FORM_LABELS\s*=", p.read_text(encoding="utf-8"), re.M)]
    assert defined == ["clerk/dto.py"]
