"""Owner-only files: the data folder holds every citizen's ID number and scans.

One rule: what the app creates in the data folder is readable by the signed-in OS account only —
folders 0700 and files 0600 on POSIX, an ACL granting only the owner (and SYSTEM/Administrators,
which can read anything anyway) on Windows. ``permission_problems`` lists what is wider, for
``clerk doctor``.
"""
from __future__ import annotations

import getpass
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
IS_WINDOWS = sys.platform == "win32"

Runner = Callable[..., Any]  # subprocess.run's shape: runner(argv, capture_output=True, text=True, ...)


def private_umask() -> None:
    """New files and folders of this process are owner-only (POSIX). Called by ``clerk`` at start,
    so the SQLite journal, PDFs, the spool and backups are covered wherever they are written."""
    if not IS_WINDOWS:
        os.umask(0o077)


def make_private(path: str | os.PathLike[str], *, runner: Runner | None = None) -> None:
    """Restrict one file or folder to its owner. Never raises: a file system without modes
    (a FAT stick) keeps what it has, and ``permission_problems`` reports it."""
    p = Path(path)
    try:
        if IS_WINDOWS or runner is not None:
            windows_owner_only(p, runner=runner)
        else:
            os.chmod(p, PRIVATE_DIR if p.is_dir() else PRIVATE_FILE)
    except (OSError, subprocess.SubprocessError):
        pass


def private_dir(path: str | os.PathLike[str]) -> Path:
    """``mkdir -p`` then owner-only."""
    p = Path(path)
    p.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    make_private(p)
    return p


def create_private_file(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` empty and owner-only if it does not exist yet (e.g. before SQLite opens
    it: SQLite gives its -wal and -shm files the mode of the database file)."""
    p = Path(path)
    if not p.exists():
        if not p.parent.is_dir():
            return p  # a missing folder is the caller's error to report (SQLite says it)
        os.close(os.open(p, os.O_CREAT | os.O_WRONLY | getattr(os, "O_BINARY", 0), PRIVATE_FILE))
        make_private(p)
    elif not IS_WINDOWS and p.stat().st_mode & 0o077:
        make_private(p)  # a database made by an earlier release
    return p


def windows_owner_only(path: Path, *, user: str | None = None, runner: Runner | None = None) -> None:
    """``icacls PATH /inheritance:r /grant:r USER:(OI)(CI)F /grant:r *S-1-5-18:(OI)(CI)F``: drop
    inherited entries (Users, Everyone), grant full control to the owner and SYSTEM only."""
    run = runner or subprocess.run
    who = user or os.environ.get("USERNAME") or getpass.getuser()
    inherit = "(OI)(CI)" if path.is_dir() else ""
    argv = ["icacls", str(path), "/inheritance:r", "/grant:r", f"{who}:{inherit}F",
            "/grant:r", f"*S-1-5-18:{inherit}F"]
    result = run(argv, capture_output=True, text=True, timeout=30)
    if getattr(result, "returncode", 0) != 0:
        raise OSError(f"icacls failed: {getattr(result, 'stderr', '') or getattr(result, 'stdout', '')}".strip())


# Windows: an ACL entry for one of these means "anyone on this PC" (icacls output, English or Chinese).
_WIDE_PRINCIPALS = ("Everyone", "BUILTIN\\Users", "Authenticated Users", "NT AUTHORITY\\Authenticated Users",
                    "*S-1-1-0", "*S-1-5-32-545", "*S-1-5-11", "BUILTIN\\用户", "所有人")


def permission_problems(data_dir: str | os.PathLike[str], *, runner: Runner | None = None,
                        limit: int = 20) -> list[str]:
    """Chinese warnings for every folder or file in the data folder that others can read or
    write (at most ``limit``, then a count); empty when all is owner-only."""
    root = Path(data_dir)
    if not root.exists():
        return []
    if IS_WINDOWS or runner is not None:
        return _windows_problems(root, runner=runner or subprocess.run)
    wide: list[Path] = []
    for p in [root, *sorted(root.rglob("*"))]:
        try:
            mode = p.lstat().st_mode
        except OSError:
            continue
        if stat.S_ISLNK(mode):
            continue
        if mode & 0o077:
            wide.append(p)
    out = [f"{p} 的权限为 {stat.filemode(p.lstat().st_mode)}，其他用户可读取；应为仅本人可访问"
           f"（{'0700' if p.is_dir() else '0600'}）。运行 chmod -R go-rwx \"{root}\" 修正"
           for p in wide[:limit]]
    if len(wide) > limit:
        out.append(f"另有 {len(wide) - limit} 个文件权限过宽")
    return out


def _windows_problems(root: Path, *, runner: Runner) -> list[str]:
    result = runner(["icacls", str(root)], capture_output=True, text=True, timeout=30)
    text = getattr(result, "stdout", "") or ""
    found = [p for p in _WIDE_PRINCIPALS if p.lower() in text.lower()]
    if not found:
        return []
    return [f"{root} 的访问权限包含 {'、'.join(found)}，本机其他账户可读取群众资料；"
            f"请以本人账户运行 clerk doctor --fix 或 icacls \"{root}\" /inheritance:r /grant:r %USERNAME%:(OI)(CI)F"]


def secure_tree(data_dir: str | os.PathLike[str], *, runner: Runner | None = None) -> int:
    """Make the data folder and everything in it owner-only (an existing installation moving to
    this release, or ``doctor --fix``); returns how many entries were changed."""
    root = Path(data_dir)
    if IS_WINDOWS or runner is not None:
        make_private(root, runner=runner)  # (OI)(CI) and /inheritance:r reach the whole tree
        return 1
    changed = 0
    for p in [root, *root.rglob("*")]:
        try:
            mode = p.lstat().st_mode
        except OSError:
            continue
        if not stat.S_ISLNK(mode) and mode & 0o077:
            make_private(p)
            changed += 1
    return changed


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///…`` URL (None for memory or other databases)."""
    if not url.startswith("sqlite") or ":memory:" in url:
        return None
    rest = url.split("///", 1)[1] if "///" in url else ""
    rest = rest.split("?", 1)[0]
    return Path(rest) if rest else None

