"""Atomic file writes: the one place that writes a file so readers never see half of it.

Write beside the target, flush and fsync, then rename over it: a crash or a full disk leaves the
old file (or none), never a torn one. Errors are the plain ``OSError``; callers turn them into
the Chinese message that fits what they were saving.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomic(path: str | os.PathLike[str], data: bytes, *, mode: int = 0o600) -> Path:
    """Owner-only (0600) unless ``mode`` says otherwise: most of what the app writes carries
    personal data. A folder it has to create is owner-only too."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    _mkdirs_private(folder)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    try:
        os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target


def _mkdirs_private(folder: Path) -> None:
    """``mkdir -p`` where every folder it creates (not the existing ones) is owner-only."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for d in reversed(missing):
        d.mkdir(mode=0o700, exist_ok=True)
