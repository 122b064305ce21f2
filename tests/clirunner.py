"""The real ``clerk`` entry function on a temporary data folder, for command-line tests: no
signed-in user or database URL leaks in from the environment, no prompt (stdin is not a
terminal), and only the command groups a test names are registered as entry points."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from clerk.cli import main


class _EntryPoint:
    def __init__(self, name: str, register: Callable[..., Any]) -> None:
        self.name, self._register = name, register

    def load(self) -> Callable[..., Any]:
        return self._register


def make_cli(monkeypatch: Any, tmp_path: Path, capsys: Any,
             commands: Mapping[str, Callable[..., Any]] | None = None) -> Callable[..., tuple[int, str, str]]:
    """``run(*argv) -> (rc, stdout, stderr)``; ``run.data`` is the data folder."""
    groups = [_EntryPoint(name, register) for name, register in (commands or {}).items()]
    monkeypatch.setattr("clerk.cli.entry_points", lambda group: groups if group == "clerk.commands" else [])
    for name in ("CLERK_USER", "CLERK_PASSWORD", "CLERK_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False, raising=False)
    data = tmp_path / "data"

    def run(*argv: str) -> tuple[int, str, str]:
        rc = main(["--data-dir", str(data), *argv])
        out = capsys.readouterr()
        return rc, out.out, out.err

    run.data = data  # type: ignore[attr-defined]
    return run
