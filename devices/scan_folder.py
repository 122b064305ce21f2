"""``FolderScanner``: a "scanner" that is a folder the vendor's scan software writes into
(images or PDFs). A job takes every file there, in the order they were written, and moves
them to ``done/`` once read.

The one rule: a half-written file is never taken. A file counts as ready only when its size and
mtime have not changed for ``settle`` seconds AND it decodes completely; while any file is still
being written the job waits, so a multi-page batch is not split in two.
"""
from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageSequence, UnidentifiedImageError

from .errors import DeviceError, DeviceNotFound, DeviceTimeout
from .scan_base import Page, PdfPages, ScanSettings
from .worker import runs_on_device_thread

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp"}
PDF_SUFFIXES = {".pdf"}
DONE = "done"


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    since: float        # clock time when this (size, mtime) was first seen


def _decode(path: Path, data: bytes) -> list[Page] | None:
    """The pages in ``data``, or None when it is not (yet) a complete file."""
    if path.suffix.lower() in PDF_SUFFIXES:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
        # A PDF is complete once its trailer has arrived; pypdf then finds every page.
        if b"%%EOF" not in data[-1024:]:
            return None
        try:
            count = len(PdfReader(io.BytesIO(data)).pages)
        except (PdfReadError, ValueError, KeyError, OSError):
            return None
        return [PdfPages(data, path.name, count)] if count else None
    # Explicit end markers too: Pillow may be set (by other code) to accept truncated images.
    suffix = path.suffix.lower()
    if (suffix in (".jpg", ".jpeg") and b"\xff\xd9" not in data[-64:]) or (
            suffix == ".png" and b"IEND" not in data[-64:]):
        return None
    try:
        with Image.open(io.BytesIO(data)) as img:
            frames = []
            for frame in ImageSequence.Iterator(img):   # multi-page TIFF → several pages
                frame.load()
                page = frame.copy()
                page.info.setdefault("dpi", img.info.get("dpi"))
                frames.append(page)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None   # truncated: Pillow cannot decode the last bytes yet
    return frames or None


class FolderScanner:
    def __init__(self, folder: str | os.PathLike[str], *, settle: float = 1.0, poll: float = 0.25,
                 timeout: float = 120.0, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.folder = Path(folder)
        self.url = f"folder:{self.folder}"
        self.settle = settle        # seconds a file must stay unchanged before it is trusted
        self.poll_every = poll
        self.timeout = timeout      # how long a job waits for the first file
        self._clock, self._sleep = clock, sleep
        self._seen: dict[Path, _Seen] = {}

    def _candidates(self) -> list[Path]:
        if not self.folder.is_dir():
            raise DeviceNotFound(f"扫描文件夹不存在：{self.folder}", f"no such folder {self.folder}")
        try:
            entries = list(self.folder.iterdir())
        except OSError as exc:
            raise DeviceNotFound(f"无法读取扫描文件夹：{self.folder}", f"cannot list {self.folder}: {exc}") from exc
        return [p for p in entries if p.is_file() and not p.name.startswith(".")
                and p.suffix.lower() in IMAGE_SUFFIXES | PDF_SUFFIXES]

    def poll(self) -> tuple[list[tuple[Path, list[Page]]], int]:
        """One look at the folder: (ready files with their pages, oldest first; files still
        being written). Reads nothing twice and moves nothing."""
        now = self._clock()
        ready: list[tuple[float, str, Path, list[Page]]] = []
        pending = 0
        current = set()
        for path in self._candidates():
            try:
                st = path.stat()
            except FileNotFoundError:
                continue   # renamed away by the writer between listing and stat
            current.add(path)
            seen = self._seen.get(path)
            if seen is None or (seen.size, seen.mtime_ns) != (st.st_size, st.st_mtime_ns):
                self._seen[path] = _Seen(st.st_size, st.st_mtime_ns, now)
                pending += 1
                continue
            if now - seen.since < self.settle or st.st_size == 0:
                pending += 1
                continue
            try:
                pages = _decode(path, path.read_bytes())
            except OSError:
                pages = None
            if pages is None:
                pending += 1   # stable but incomplete: the writer paused; keep waiting
                continue
            ready.append((st.st_mtime_ns, path.name, path, pages))
        for gone in set(self._seen) - current:
            del self._seen[gone]
        ready.sort(key=lambda r: (r[0], r[1]))
        return [(path, pages) for _, _, path, pages in ready], pending

    def take(self, files: list[tuple[Path, list[Page]]]) -> list[Page]:
        """Move the files to ``done/`` and return their pages in order."""
        done = self.folder / DONE
        try:
            done.mkdir(exist_ok=True)
        except OSError as exc:
            raise DeviceError(f"无法在扫描文件夹中创建 {DONE} 子文件夹", f"cannot create {done}: {exc}") from exc
        pages: list[Page] = []
        for path, file_pages in files:
            target = done / path.name
            n = 1
            while target.exists():     # the same name scanned twice: keep both
                target = done / f"{path.stem}-{n}{path.suffix}"
                n += 1
            try:
                os.replace(path, target)
            except OSError as exc:
                raise DeviceError(f"无法移动已取走的扫描文件：{path.name}", f"cannot move {path}: {exc}") from exc
            self._seen.pop(path, None)
            pages.extend(file_pages)
        return pages

    @runs_on_device_thread
    def scan(self, settings: ScanSettings) -> list[Page]:
        """Wait for files, then take them all once nothing is still being written."""
        deadline = self._clock() + self.timeout
        while True:
            ready, pending = self.poll()
            if ready and not pending:
                return self.take(ready)
            if self._clock() >= deadline:
                if ready:   # something keeps writing; take what is complete rather than nothing
                    return self.take(ready)
                raise DeviceTimeout(f"扫描文件夹中没有新的扫描文件：{self.folder}",
                                    f"no scanned file appeared in {self.folder} within {self.timeout}s")
            self._sleep(self.poll_every)
