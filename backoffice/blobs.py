"""Attachments by content (tus-like): HEAD the offset held, POST to start, PATCH chunks at the
offset, the sha256 checked on the last byte; GET for the pages and checks.

One rule: the bytes are files in the blob folder (``<data-dir>/blobs`` unless ``--blob-dir``),
named by their sha256; the database keeps only what a blob is (sha256, length, complete). An
upload grows ``<sha[:2]>/<sha>.part`` (its size *is* the offset held, so a restart resumes where
the bytes end); on the last byte the sha256 is checked, the file fsynced and renamed to
``<sha[:2]>/<sha>`` in the same folder (atomic), the folder fsynced, and only then the row says
complete. So a blob is visible (GET, a case naming it) only whole and verified; a wrong checksum
deletes the partial file. Folders are 0700 and files 0600, like the desk's data folder.

Writers of one blob take an exclusive ``flock`` on its ``.part`` file, so workers (and hosts
sharing the folder) never interleave.

A blob's pages are not kept in the page cache (Linux): each piece's writeback starts as it is
written, and once the writer is ``DROP_LAG`` bytes further on, the pages behind are waited for and
dropped (``POSIX_FADV_DONTNEED``), the rest after the commit's fsync. Scans are read rarely; kept
cached they would push the database out of memory, and an upload would have to take a fresh page
for every 4 KiB (here ~12 µs each on a host with free memory never used: 32 MiB written ~100 ms
instead of ~15 ms with the same few MiB of pages recycled). For the same reason a serving process
keeps the heap it freed (``keep_freed_memory``).

The sha256 of what a worker wrote is kept in its memory between chunks (checked against the file's inode, size and mtime); after a restart or on another
worker it is computed again from the file.
"""
from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import datetime as dt
import hashlib
import os
import re
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from clerk.secure import PRIVATE_DIR, PRIVATE_FILE, private_dir

from .core import ApiError, Reply, Store, Who, _caller, _lock, _need_token, not_found, now
from .models import Blob, Case, CaseBlob

try:
    import fcntl
except ImportError:  # Windows: one worker process, serialised by the in-process lock below
    fcntl = None  # type: ignore[assignment]

MAX_BLOB = 64 * 1024 * 1024
MAX_CHUNK = MAX_BLOB  # a PATCH may carry the rest of a blob: its body is written as it arrives
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
READ_BLOCK = 1024 * 1024
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
LOCK_WAIT = 10.0  # seconds a request waits for another upload of the same blob
PART_MAX_AGE_DAYS = 7.0  # an upload nobody wrote for this long is abandoned: swept (a desk resends from 0)


def _check_sha(sha256: str) -> str:
    if not SHA256_RE.match(sha256 or ""):
        raise ApiError(400, "bad_sha256", "附件摘要应为64位小写十六进制", "sha256 must be 64 lowercase hex digits")
    return sha256


def _libc(name: str, argtypes: list[Any]) -> Any:
    """A Linux libc call (ctypes releases the GIL while it runs); None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = getattr(libc, name)
    except (OSError, AttributeError):
        return None
    fn.argtypes = argtypes
    fn.restype = ctypes.c_int
    return fn


_FALLOCATE = _libc("fallocate", [ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64])
_SYNC_FILE_RANGE = _libc("sync_file_range", [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint])
_MALLOPT = _libc("mallopt", [ctypes.c_int, ctypes.c_int])  # glibc only (musl has none)
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
KEEP_FREED_HEAP = 64 * 1024 * 1024
MMAP_ABOVE = 16 * 1024 * 1024
FALLOC_FL_KEEP_SIZE = 1
SYNC_FILE_RANGE_WAIT_BEFORE = 1
SYNC_FILE_RANGE_WRITE = 2
SYNC_FILE_RANGE_WAIT_AFTER = 4
DROP_LAG = 4 * 1024 * 1024  # bytes of a blob being written that stay cached behind the writer
PAGE = 4096


def _start_writeback(fd: int, offset: int, size: int) -> None:
    """Start writing a piece to disk now (Linux ``sync_file_range``, not waiting): the fsync after
    the last byte then has almost nothing left to do. A hint only: the fsync is what counts."""
    if _SYNC_FILE_RANGE is not None and size > 0:
        _SYNC_FILE_RANGE(fd, offset, size, SYNC_FILE_RANGE_WRITE)


def keep_freed_memory() -> bool:
    """glibc hands freed memory back to the kernel eagerly (the heap's top beyond a threshold
    that starts at 128 KiB, and every block above the mmap threshold), so a streamed upload's
    ~1 MiB batches of body pieces keep taking fresh pages: some 3,000 page faults and ~15 ms of
    CPU per 32 MiB here. A serving process keeps up to 64 MiB of freed heap for reuse instead
    (``mallopt``; blocks of 16 MiB and more are still mapped apart). True when glibc took it;
    elsewhere nothing changes."""
    if _MALLOPT is None:
        return False
    return bool(_MALLOPT(M_TRIM_THRESHOLD, KEEP_FREED_HEAP)) and bool(_MALLOPT(M_MMAP_THRESHOLD, MMAP_ABOVE))


def _drop(fd: int, offset: int, size: int) -> None:
    """Drop clean cached pages of a file (``size`` 0: to its end). A hint only."""
    if hasattr(os, "posix_fadvise"):
        with contextlib.suppress(OSError):
            os.posix_fadvise(fd, offset, size, os.POSIX_FADV_DONTNEED)


def _drop_behind(fd: int, offset: int, size: int) -> None:
    """After writing ``size`` bytes at ``offset``: the pages more than ``DROP_LAG`` bytes behind
    the new end, not dropped by an earlier call, are written out (waited for) and dropped. The
    ranges of successive appends tile: each call takes [offset − lag, offset + size − lag)."""
    if _SYNC_FILE_RANGE is None or not hasattr(os, "posix_fadvise"):
        return
    lo = max(0, offset - DROP_LAG) // PAGE * PAGE
    hi = max(0, offset + size - DROP_LAG) // PAGE * PAGE
    if hi > lo:
        _SYNC_FILE_RANGE(fd, lo, hi - lo,
                         SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER)
        _drop(fd, lo, hi - lo)


def _reserve(fd: int, length: int) -> None:
    """Reserve the blocks of the whole blob beyond the end of the part file, its size unchanged
    (Linux ``FALLOC_FL_KEEP_SIZE``): appending then costs a page copy, not a block allocation
    per page (about 10× faster on ext4 here). Elsewhere, or if refused, nothing happens."""
    if _FALLOCATE is not None and length > 0:
        _FALLOCATE(fd, FALLOC_FL_KEEP_SIZE, 0, length)


def _pieces(data: bytes | list[bytes]) -> list[bytes]:
    return data if isinstance(data, list) else [data]


def _write_all(fd: int, pieces: list[bytes], offset: int) -> None:
    """All of ``pieces`` at ``offset``: one ``pwritev`` where there is one, short writes continued."""
    views = [memoryview(p) for p in pieces if len(p)]
    while views:
        if hasattr(os, "pwritev"):
            n = os.pwritev(fd, views[:1024], offset)  # IOV_MAX
        else:
            n = os.pwrite(fd, views[0], offset)
        offset += n
        while views and n >= len(views[0]):
            n -= len(views[0])
            views.pop(0)
        if n:
            views[0] = views[0][n:]


def chunk_too_large() -> ApiError:
    mib = MAX_CHUNK // 1024 // 1024
    return ApiError(413, "too_large", f"单次上传不能超过 {mib} MiB", f"a chunk may not exceed {mib} MiB")


def _busy() -> ApiError:
    return ApiError(503, "upload_busy", "该附件正由另一连接上传，稍后自动重试",
                    "another upload of this blob holds it: retry later", {"Retry-After": "2"})


def _flock(fd: int, deadline: float) -> None:
    """An exclusive ``flock`` on ``fd``, waiting until ``deadline`` (monotonic) at most."""
    if fcntl is None:
        return
    pause = 0.002
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise _busy() from None
            time.sleep(pause)
            pause = min(pause * 2, 0.05)


def _fsync_dir(path: Path) -> None:
    if os.name == "nt":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BlobFiles:
    """The blob folder: ``final(sha)`` complete and verified, ``part(sha)`` while uploading."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self._hashes: OrderedDict[str, tuple[tuple[int, int, int], Any]] = OrderedDict()
        self._mutex = threading.Lock()
        self._local_locks: dict[str, threading.Lock] = {}
        self.lock_wait = LOCK_WAIT

    def folder(self, sha256: str) -> Path:
        return self.root / sha256[:2]

    def final(self, sha256: str) -> Path:
        return self.folder(sha256) / sha256

    def part(self, sha256: str) -> Path:
        return self.folder(sha256) / f"{sha256}.part"

    def held(self, sha256: str) -> int:
        """Bytes of an upload in progress (0 when none has begun or it was discarded)."""
        try:
            return self.part(sha256).stat().st_size
        except FileNotFoundError:
            return 0

    def open(self, sha256: str) -> Any:
        """The complete blob, opened for reading."""
        return self.final(sha256).open("rb")

    @contextlib.contextmanager
    def writing(self, sha256: str, wait: float | None = None) -> Iterator[int]:
        """The ``.part`` file's descriptor (created empty, 0600, if missing), locked exclusively;
        always the file now at that path (a writer before us may have renamed or deleted it).
        Another upload of the same blob holding it longer than ``wait`` seconds → 503
        ``upload_busy`` with ``Retry-After`` (the desk waits, not counted as a failure)."""
        folder = self.folder(sha256)
        if not folder.is_dir():
            private_dir(self.root)
            private_dir(folder)
        path = self.part(sha256)
        wait = self.lock_wait if wait is None else wait
        deadline = time.monotonic() + wait
        local = self._local_lock(sha256)
        if not local.acquire(timeout=wait):
            raise _busy()
        try:
            while True:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
                try:
                    _flock(fd, deadline)
                    try:
                        same = os.fstat(fd).st_ino == os.stat(path).st_ino
                    except FileNotFoundError:
                        same = False
                except BaseException:
                    os.close(fd)
                    raise
                if same:
                    break
                os.close(fd)  # renamed or deleted while we waited: take the path's new file
            try:
                if os.fstat(fd).st_mode & 0o777 != PRIVATE_FILE:
                    os.fchmod(fd, PRIVATE_FILE)
                yield fd
            finally:
                os.close(fd)  # releases the flock
        finally:
            local.release()

    def _local_lock(self, sha256: str) -> threading.Lock:
        with self._mutex:
            lock = self._local_locks.get(sha256)
            if lock is None:
                if len(self._local_locks) > 1024:
                    self._local_locks = {k: v for k, v in self._local_locks.items() if v.locked()}
                lock = self._local_locks[sha256] = threading.Lock()
            return lock

    # the running sha256 of a part file, kept between chunks by this process
    def _hasher(self, sha256: str, fd: int) -> Any:
        st = os.fstat(fd)
        key = (st.st_ino, st.st_size, st.st_mtime_ns)
        with self._mutex:
            kept = self._hashes.pop(sha256, None)
        if kept is not None and kept[0] == key:
            return kept[1]
        h = hashlib.sha256()  # another worker wrote, or this process restarted: read what is held
        pos = 0
        while pos < st.st_size:
            block = os.pread(fd, min(READ_BLOCK, st.st_size - pos), pos)
            if not block:
                break
            h.update(block)
            pos += len(block)
        return h

    def _keep(self, sha256: str, fd: int, h: Any) -> None:
        st = os.fstat(fd)
        with self._mutex:
            self._hashes[sha256] = ((st.st_ino, st.st_size, st.st_mtime_ns), h)
            while len(self._hashes) > 256:
                self._hashes.popitem(last=False)

    def _forget(self, sha256: str) -> None:
        with self._mutex:
            self._hashes.pop(sha256, None)

    def write_at(self, fd: int, offset: int, data: bytes | list[bytes]) -> int:
        """Write ``data`` (bytes, or pieces one after the other) at ``offset`` — the file's bytes
        only (the caller hashes them); the pages behind go to disk and out of the cache."""
        pieces = _pieces(data)
        size = sum(len(p) for p in pieces)
        if size:
            _write_all(fd, pieces, offset)
            _start_writeback(fd, offset, size)
            _drop_behind(fd, offset, size)
        return size

    def append(self, sha256: str, fd: int, offset: int, data: bytes | list[bytes], length: int) -> Any:
        """Write ``data`` at ``offset`` (= the file's size) of a blob of ``length`` bytes and
        return the sha256 so far."""
        h = self._hasher(sha256, fd)
        _reserve(fd, length)
        if self.write_at(fd, offset, data):
            for piece in _pieces(data):
                h.update(piece)
            self._keep(sha256, fd, h)
        return h

    def discard(self, sha256: str, fd: int) -> None:
        """Drop a partial upload (under its lock): the next one starts from 0."""
        self._forget(sha256)
        os.ftruncate(fd, 0)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.part(sha256))

    def commit(self, sha256: str, fd: int) -> None:
        """The verified part file becomes the blob: fsync, rename in its folder, fsync the folder."""
        self._forget(sha256)
        os.fsync(fd)
        _drop(fd, 0, 0)
        os.replace(self.part(sha256), self.final(sha256))
        _fsync_dir(self.folder(sha256))

    def verified(self, sha256: str, length: int) -> bool:
        """A complete file of this length and content is in the folder (a blob written before a
        crash could mark its row, or before the database was restored)."""
        path = self.final(sha256)
        try:
            if path.stat().st_size != length:
                return False
            h = hashlib.sha256()
            with path.open("rb") as f:
                for block in iter(lambda: f.read(READ_BLOCK), b""):
                    h.update(block)
            return h.hexdigest() == sha256
        except FileNotFoundError:
            return False


def blob_headers(length: int, offset: int, complete: bool) -> dict[str, str]:
    return {"Upload-Offset": str(length if complete else offset), "Upload-Length": str(length),
            "Blob-Complete": "true" if complete else "false"}


def _mark_complete(store: Store, sha256: str) -> None:
    with store.tx() as s:
        s.execute(update(Blob).where(Blob.sha256 == sha256, Blob.complete.is_(False))
                  .values(complete=True, completed_at=now()))


def _repair(store: Store, files: BlobFiles, blob: Blob) -> bool:
    """An incomplete row whose verified file is there (killed between the rename and the
    commit): complete it now. True when the blob is complete."""
    if blob.complete:
        return True
    if files.final(blob.sha256).exists() and files.verified(blob.sha256, blob.length):
        _mark_complete(store, blob.sha256)
        blob.complete = True
        return True
    return False


def head_blob(store: Store, files: BlobFiles, who: Who, sha256: str) -> dict[str, str]:
    _need_token(who)
    with store.read() as s:
        _caller(s, who)
        _check_sha(sha256)
        blob = s.get(Blob, sha256)
    if blob is None:
        raise not_found("附件")
    complete = _repair(store, files, blob)
    return blob_headers(blob.length, 0 if complete else files.held(sha256), complete)


def create_blob(store: Store, files: BlobFiles, who: Who, sha256: str, length: int | None,
                max_blob: int = MAX_BLOB) -> Reply:
    _need_token(who)
    _check_sha(sha256)
    if length is None or length < 0:
        raise ApiError(400, "bad_request", "缺少或错误的 Upload-Length 请求头", "Upload-Length header required")
    if length > max_blob:
        raise ApiError(413, "too_large", f"附件过大（{length} 字节，上限 {max_blob} 字节）",
                       f"blob of {length} bytes exceeds the limit of {max_blob}")
    if length == 0 and sha256 != EMPTY_SHA256:
        raise ApiError(422, "checksum_mismatch", "空附件的摘要不符", "an empty blob has another sha256")
    with store.read() as s:
        _caller(s, who)
        blob = s.get(Blob, sha256)
    if blob is not None and _repair(store, files, blob):
        return Reply(200, {}, headers=blob_headers(blob.length, 0, True))
    with files.writing(sha256) as fd:
        def fn(s: Session) -> tuple[int, int, bool]:
            row = s.scalar(_lock(s, select(Blob).where(Blob.sha256 == sha256), store.is_pg))
            if row is None:
                s.add(Blob(sha256=sha256, length=length, complete=False, created_at=now()))
                s.flush()
                return 201, length, False
            if not row.complete and row.length != length:  # a wrong earlier start: begin again
                files.discard(sha256, fd)
                row.length = length
            return 200, row.length, row.complete

        status, held_length, complete = store.run(fn)
        if complete or files.verified(sha256, held_length):  # the bytes are here already
            files.discard(sha256, fd)
            if not complete:
                _mark_complete(store, sha256)
            complete = True
        elif not complete and held_length == 0:  # the empty blob: nothing to upload
            files.commit(sha256, fd)
            _mark_complete(store, sha256)
            complete = True
        offset = held_length if complete else os.fstat(fd).st_size
    return Reply(status, {}, headers=blob_headers(held_length, offset, complete))


def patch_blob(store: Store, files: BlobFiles, who: Who, sha256: str, offset: int | None, data: bytes) -> Reply:
    """One chunk at ``offset`` (the whole body in hand): ``begin_patch``, ``write``, ``finish``."""
    if len(data) > MAX_CHUNK:
        raise chunk_too_large()
    up = begin_patch(store, files, who, sha256, offset, len(data))
    if isinstance(up, Reply):
        return up
    try:
        up.write(data)
        return up.finish()
    finally:
        up.close()


def begin_patch(store: Store, files: BlobFiles, who: Who, sha256: str, offset: int | None,
                size: int | None) -> Upload | Reply:
    """Check a PATCH before its body is read: the caller, the blob, the offset (= the bytes held)
    and that ``size`` bytes (when known) fit. An ``Upload`` holds the part file's lock until
    closed; a ``Reply`` says the blob is complete already (a retried last chunk whose reply was
    lost, or the same bytes finished by another desk)."""
    _need_token(who)
    _check_sha(sha256)
    if offset is None or offset < 0:
        raise ApiError(400, "bad_request", "缺少或错误的 Upload-Offset 请求头", "Upload-Offset header required")
    with store.read() as s:
        _caller(s, who)
        blob = s.get(Blob, sha256)
    if blob is None:
        raise not_found("附件")
    if _repair(store, files, blob):
        return Reply(204, {}, headers=blob_headers(blob.length, 0, True))
    stack = contextlib.ExitStack()
    try:
        fd = stack.enter_context(files.writing(sha256))
        with store.read() as s:  # what the row says now that we hold the lock (a POST may have restarted it)
            blob = s.get(Blob, sha256)
        if blob is None:
            raise not_found("附件")
        if blob.complete or files.final(sha256).exists():
            if _repair(store, files, blob):
                files.discard(sha256, fd)
                stack.close()
                return Reply(204, {}, headers=blob_headers(blob.length, 0, True))
        held = os.fstat(fd).st_size
        if offset != held:
            raise ApiError(409, "offset_mismatch", f"上传位置不一致：服务器已有 {held} 字节",
                           f"offset {offset} differs from the {held} bytes held",
                           blob_headers(blob.length, held, False))
        if size is not None and offset + size > blob.length:
            raise ApiError(422, "length_exceeded", "上传内容超过声明的长度", "chunk goes past Upload-Length")
        return Upload(store, files, sha256, blob.length, offset, fd, stack)
    except BaseException:
        stack.close()
        raise


class Upload:
    """A PATCH under way: the body as it arrives goes to ``write_file`` and ``hash`` — each fed in
    order by one thread, the two side by side (``write`` does both, one thread) —, ``finish``
    after the last piece, ``close`` always. Bytes written before the client went away stay: they
    are the blob's bytes at their offsets, and HEAD names the new offset."""

    def __init__(self, store: Store, files: BlobFiles, sha256: str, length: int, offset: int, fd: int,
                 stack: contextlib.ExitStack) -> None:
        self.store, self.files, self.sha256, self.length = store, files, sha256, length
        self.pos, self.fd, self._stack = offset, fd, stack
        _reserve(fd, length)
        self._hash = files._hasher(sha256, fd)  # of the bytes held: kept by this worker, or read
        self.hashed = offset
        self._mutex = threading.Lock()  # the file: write_file, finish, close
        self._hash_mutex = threading.Lock()
        self._closed = self._ended = False

    def write(self, data: bytes | list[bytes]) -> None:
        """The next bytes (one piece, or pieces in order): written, then hashed."""
        self.write_file(data)
        self.hash(data)

    def write_file(self, data: bytes | list[bytes]) -> None:
        size = sum(len(p) for p in _pieces(data))
        with self._mutex:
            if self._closed:
                raise RuntimeError("upload closed")
            if self.pos + size > self.length:
                raise ApiError(422, "length_exceeded", "上传内容超过声明的长度", "chunk goes past Upload-Length")
            self.files.write_at(self.fd, self.pos, data)
            self.pos += size

    def hash(self, data: bytes | list[bytes]) -> None:
        with self._hash_mutex:
            for piece in _pieces(data):
                self._hash.update(piece)
                self.hashed += len(piece)

    def finish(self) -> Reply:
        with self._mutex, self._hash_mutex:
            if self.pos < self.length:
                return Reply(204, {}, headers=blob_headers(self.length, self.pos, False))
            # what was hashed is what was written — else (a write refused midway) from the file
            h = self._hash if self.hashed == self.pos else self.files._hasher(self.sha256, self.fd)
            self._ended = True
            if h.hexdigest() != self.sha256:
                self.files.discard(self.sha256, self.fd)
                raise ApiError(422, "checksum_mismatch", "附件校验失败（内容与摘要不符），已丢弃，请重新上传",
                               "sha256 of the uploaded bytes differs: discarded, upload again",
                               blob_headers(self.length, 0, False))
            self.files.commit(self.sha256, self.fd)
            _mark_complete(self.store, self.sha256)
            return Reply(204, {}, headers=blob_headers(self.length, 0, True))

    def close(self) -> None:
        with self._mutex, self._hash_mutex:  # waits for a write still running on a worker thread
            if not self._closed:
                self._closed = True
                if not self._ended and self.hashed == self.pos:
                    self.files._keep(self.sha256, self.fd, self._hash)  # the next chunk goes on from it
                self._stack.close()


@dataclass
class Swept:
    """What ``sweep`` found: abandoned part files deleted (and their bytes), incomplete rows with
    no bytes left dropped, rows healed (their verified file was in place), part files left because
    an upload holds them."""
    parts: int = 0
    part_bytes: int = 0
    rows: int = 0
    healed: int = 0
    busy: int = 0

    def line(self, days: float, dry_run: bool = False) -> str:
        mb = self.part_bytes / 1e6
        verb = "将清理" if dry_run else "已清理"
        return (f"{verb} {self.parts} 个超过 {days:g} 天未续传的附件上传（{mb:.1f} MB）、{self.rows} 条未完成记录；"
                f"修复 {self.healed} 个；{self.busy} 个正在上传未动 — {'would sweep' if dry_run else 'swept'} "
                f"{self.parts} abandoned upload(s) ({mb:.1f} MB), {self.rows} incomplete row(s); healed {self.healed}; "
                f"{self.busy} busy left alone")


def sweep(store: Store, files: BlobFiles, max_age_days: float = PART_MAX_AGE_DAYS, *,
          now_ts: float | None = None, dry_run: bool = False) -> Swept:
    """Abandoned uploads: a ``.part`` file nobody wrote for ``max_age_days`` is deleted under its
    lock (one an upload holds is left alone, as is any newer one); an incomplete row older than
    that with no bytes left is dropped, or completed when its verified file is in place (killed
    between the rename and the commit). A desk that comes back starts that scan from 0 — its own
    copy is still on the desk. Any worker or host may run it at any time."""
    report = Swept()
    cutoff = (time.time() if now_ts is None else now_ts) - max_age_days * 86400
    for part in sorted(files.root.glob("??/*.part")):
        sha256 = part.name[: -len(".part")]
        if not SHA256_RE.match(sha256):
            continue
        try:
            if part.stat().st_mtime >= cutoff:
                continue
            fd = os.open(part, os.O_RDWR)
        except FileNotFoundError:
            continue
        try:
            if fcntl is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    report.busy += 1
                    continue
            st = os.fstat(fd)
            try:
                same = os.stat(part).st_ino == st.st_ino
            except FileNotFoundError:
                same = False
            if not same or st.st_mtime >= cutoff:  # replaced, or written, while we looked
                continue
            report.parts += 1
            report.part_bytes += st.st_size
            if not dry_run:
                files._forget(sha256)
                os.unlink(part)
        finally:
            os.close(fd)  # releases the flock
    before = dt.datetime.fromtimestamp(cutoff).replace(microsecond=0)
    with store.read() as s:
        stale = list(s.scalars(select(Blob).where(Blob.complete.is_(False), Blob.created_at < before)))
    for blob in stale:
        try:
            old_part: bool | None = files.part(blob.sha256).stat().st_mtime < cutoff
        except FileNotFoundError:
            old_part = None  # no bytes held
        if old_part is False or (old_part and not dry_run):
            continue  # written to recently, or held by an upload (left above)
        if files.verified(blob.sha256, blob.length):  # killed between the rename and the commit
            if not dry_run:
                _mark_complete(store, blob.sha256)
            report.healed += 1
            continue
        report.rows += 1
        if not dry_run:
            with store.tx() as s:
                s.execute(delete(Blob).where(Blob.sha256 == blob.sha256, Blob.complete.is_(False)))
    return report


def blob_visible(store: Store, sha256: str, hall_code: str | None = None, department: str | None = None) -> bool:
    """A hall reads the blobs its cases name; a department those of its matter cases."""
    with store.read() as s:
        q = select(func.count()).select_from(CaseBlob).join(Case, Case.uuid == CaseBlob.case_uuid) \
            .where(CaseBlob.sha256 == sha256)
        if hall_code is not None:
            q = q.where(Case.hall_code == hall_code)
        if department is not None:
            kid = aliased(Case)
            child = select(kid.uuid).where(kid.parent_uuid == CaseBlob.case_uuid, kid.department == department)
            q = q.where(or_(Case.department == department, child.exists()))
        return bool(s.scalar(q))


def read_blob(store: Store, files: BlobFiles, sha256: str) -> Iterator[bytes]:
    """The bytes of a complete blob, block by block from its file."""
    _check_sha(sha256)
    with store.read() as s:
        blob = s.get(Blob, sha256)
    if blob is None or not blob.complete:
        raise not_found("附件")
    try:
        f = files.open(sha256)
    except FileNotFoundError:
        raise ApiError(410, "blob_lost", "服务器上的附件文件已丢失，请让窗口重新上传",
                       "the blob's file is missing from the blob folder") from None

    def gen() -> Iterator[bytes]:
        with f:
            yield from iter(lambda: f.read(READ_BLOCK), b"")

    return gen()


def private_root(root: str | os.PathLike[str]) -> Path:
    """The blob folder, created owner-only (0700)."""
    p = private_dir(root)
    if os.name != "nt" and p.stat().st_mode & 0o777 != PRIVATE_DIR:
        os.chmod(p, PRIVATE_DIR)
    return p
