"""The domain core stays Qt-free and hardware-free: nothing under clerk/ imports PySide6, ui,
devices or printing — checked on the source (static imports, including lazy ones inside
functions) and at run time (importing every clerk module loads none of them)."""
from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import clerk

FORBIDDEN = ("PySide6", "ui", "devices", "printing", "shiboken6")
ROOT = Path(clerk.__file__).parent


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
            found.append((node.lineno, str(node.args[0].value)))
    return found


def test_no_forbidden_import_in_clerk_sources():
    offenders = []
    for path in ROOT.rglob("*.py"):
        for line, name in _imports(path):
            if name.split(".")[0] in FORBIDDEN:
                offenders.append(f"{path.relative_to(ROOT.parent)}:{line} imports {name}")
    assert offenders == []


def test_the_check_itself_catches_an_offender(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from PySide6 import QtCore\n    import devices.worker\n", encoding="utf-8")
    assert [n for _, n in _imports(bad)] == ["PySide6", "devices.worker"]


def test_importing_every_clerk_module_loads_no_qt_or_devices():
    names = [m.name for m in pkgutil.walk_packages(clerk.__path__, "clerk.") if ".migrations" not in m.name]
    code = ("import importlib, sys\n"
            f"for n in {names!r}: importlib.import_module(n)\n"
            f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}]\n"
            "print(bad); raise SystemExit(1 if bad else 0)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ui_talks_to_services_not_to_the_orm():
    """Views get plain dataclasses from clerk services: no SQLAlchemy, no clerk.models in ui/."""
    ui_root = ROOT.parent / "ui"
    offenders = [f"{path.relative_to(ROOT.parent)}:{line} imports {name}"
                 for path in ui_root.rglob("*.py") for line, name in _imports(path)
                 if name.split(".")[0] == "sqlalchemy" or name.startswith("clerk.models")]
    assert offenders == []
