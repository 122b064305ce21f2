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


def write_atomic(path: str | os.PathLike[str], data: bytes, *, mode: int = 0o644) -> Path:
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    try:
        os.chmod(tmp, mode)  # mkstemp's 0600 would hide the file from the hall's file share
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
