"""Attachments by content (tus-like): HEAD the offset held, POST to start, PATCH chunks at the
offset, the sha256 checked on the last byte; GET for the pages and checks.

One rule: bytes live in the database (``bo_blob_chunk``), so any worker or host continues an
upload another one began; a blob is complete only once its sha256 is verified.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from .core import ApiError, Reply, Store, Who, _caller, _lock, _need_token, not_found, now
from .models import Blob, BlobChunk, Case, CaseBlob

MAX_BLOB = 64 * 1024 * 1024
MAX_CHUNK = 4 * 1024 * 1024
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


def _check_sha(sha256: str) -> str:
    if not SHA256_RE.match(sha256 or ""):
        raise ApiError(400, "bad_sha256", "附件摘要应为64位小写十六进制", "sha256 must be 64 lowercase hex digits")
    return sha256


def blob_headers(blob: Blob) -> dict[str, str]:
    return {"Upload-Offset": str(blob.offset), "Upload-Length": str(blob.length),
            "Blob-Complete": "true" if blob.complete else "false"}


def head_blob(store: Store, who: Who, sha256: str) -> dict[str, str]:
    _need_token(who)
    with store.read() as s:
        _caller(s, who)
        _check_sha(sha256)
        blob = s.get(Blob, sha256)
        if blob is None:
            raise not_found("附件")
        return blob_headers(blob)


def create_blob(store: Store, who: Who, sha256: str, length: int | None, max_blob: int = MAX_BLOB) -> Reply:
    _need_token(who)
    _check_sha(sha256)
    if length is None or length < 0:
        raise ApiError(400, "bad_request", "缺少或错误的 Upload-Length 请求头", "Upload-Length header required")
    if length > max_blob:
        raise ApiError(413, "too_large", f"附件过大（{length} 字节，上限 {max_blob} 字节）",
                       f"blob of {length} bytes exceeds the limit of {max_blob}")

    def fn(s: Session) -> Reply:
        _caller(s, who)
        blob = s.scalar(_lock(s, select(Blob).where(Blob.sha256 == sha256), store.is_pg))
        if blob is not None:
            if not blob.complete and blob.length != length:  # a wrong earlier start: begin again
                s.query(BlobChunk).filter(BlobChunk.sha256 == sha256).delete()
                blob.length, blob.offset = length, 0
            return Reply(200, {}, headers=blob_headers(blob))
        blob = Blob(sha256=sha256, length=length, offset=0, complete=False, created_at=now())
        s.add(blob)
        s.flush()
        if length == 0:
            _finish(s, blob)
        return Reply(201, {}, headers=blob_headers(blob))

    try:
        return store.run(fn)
    except _ChecksumMismatch:
        raise ApiError(422, "checksum_mismatch", "空附件的摘要不符", "an empty blob has another sha256") from None


def _finish(s: Session, blob: Blob) -> None:
    digest = hashlib.sha256()
    for (data,) in s.execute(select(BlobChunk.data).where(BlobChunk.sha256 == blob.sha256).order_by(BlobChunk.offset)):
        digest.update(data)
    if digest.hexdigest() != blob.sha256:
        s.query(BlobChunk).filter(BlobChunk.sha256 == blob.sha256).delete()
        blob.offset = 0
        raise _ChecksumMismatch()
    blob.complete, blob.completed_at = True, now()


class _ChecksumMismatch(Exception):
    pass


def patch_blob(store: Store, who: Who, sha256: str, offset: int | None, data: bytes) -> Reply:
    _need_token(who)
    _check_sha(sha256)
    if offset is None or offset < 0:
        raise ApiError(400, "bad_request", "缺少或错误的 Upload-Offset 请求头", "Upload-Offset header required")
    if len(data) > MAX_CHUNK:
        raise ApiError(413, "too_large", f"单次上传不能超过 {MAX_CHUNK // 1024 // 1024} MiB",
                       f"a chunk may not exceed {MAX_CHUNK} bytes")

    def fn(s: Session) -> Reply:
        _caller(s, who)
        blob = s.scalar(_lock(s, select(Blob).where(Blob.sha256 == sha256), store.is_pg))
        if blob is None:
            raise not_found("附件")
        if blob.complete:  # a retried last chunk whose reply was lost: the bytes are here, verified
            return Reply(204, {}, headers=blob_headers(blob))
        if offset != blob.offset:
            raise ApiError(409, "offset_mismatch", f"上传位置不一致：服务器已有 {blob.offset} 字节",
                           f"offset {offset} differs from the {blob.offset} bytes held", blob_headers(blob))
        if offset + len(data) > blob.length:
            raise ApiError(422, "length_exceeded", "上传内容超过声明的长度", "chunk goes past Upload-Length")
        if data:
            s.add(BlobChunk(sha256=sha256, offset=offset, data=data))
            s.flush()
            moved = s.execute(update(Blob).where(Blob.sha256 == sha256, Blob.offset == offset)
                              .values(offset=offset + len(data)).execution_options(synchronize_session=False))
            if moved.rowcount != 1:
                raise IntegrityError("offset moved", None, Exception("offset moved"))
            s.refresh(blob)
        if blob.offset == blob.length:
            _finish(s, blob)
        return Reply(204, {}, headers=blob_headers(blob))

    try:
        return store.run(fn)
    except _ChecksumMismatch:
        # discard the partial data in its own transaction: the client starts again from 0
        def reset(s: Session) -> None:
            s.query(BlobChunk).filter(BlobChunk.sha256 == sha256).delete()
            s.execute(update(Blob).where(Blob.sha256 == sha256, Blob.complete.is_(False)).values(offset=0))

        store.run(reset)
        raise ApiError(422, "checksum_mismatch", "附件校验失败（内容与摘要不符），已丢弃，请重新上传",
                       "sha256 of the uploaded bytes differs: discarded, upload again",
                       {"Upload-Offset": "0"}) from None


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


def read_blob(store: Store, sha256: str) -> Iterator[bytes]:
    """The bytes of a complete blob, chunk by chunk (one short transaction per chunk)."""
    _check_sha(sha256)
    with store.read() as s:
        blob = s.get(Blob, sha256)
        if blob is None or not blob.complete:
            raise not_found("附件")
        offsets = list(s.scalars(select(BlobChunk.offset).where(BlobChunk.sha256 == sha256).order_by(BlobChunk.offset)))

    def gen() -> Iterator[bytes]:
        for off in offsets:
            with store.read() as s:
                yield s.scalar(select(BlobChunk.data).where(BlobChunk.sha256 == sha256, BlobChunk.offset == off))

    return gen()

