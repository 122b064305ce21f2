"""Scanned or uploaded files attached to a case material.

Files are stored by content (sha256) under the data folder's ``files/`` — written to a temp
file, fsynced and renamed before the row is inserted, so a crash leaves either nothing or a
complete file (an orphan file is harmless; a row without its file never happens).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from . import audit
from .auth import COUNTER_ROLES, require_role
from .db import Database
from .dto import UserInfo
from .fileio import write_atomic
from .errors import NotFound, StorageError, ValidationError
from .models import Attachment, Case, MaterialCheck, OutboxEntry
from .sync.crash import crash_point

MAX_BYTES = 50 * 1024 * 1024
ALLOWED = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    uuid: str
    filename: str
    mime: str
    sha256: str
    size: int
    pages: int
    material_key: str


def _sniff(data: bytes) -> str:
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    raise ValidationError("只能附加 PDF、JPEG 或 PNG 文件", "only PDF, JPEG or PNG files can be attached")


def blob_path(files_dir: Path, sha256: str) -> Path:
    return files_dir / sha256[:2] / sha256


def store_blob(files_dir: Path, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    final = blob_path(files_dir, digest)
    if final.exists() and final.stat().st_size == len(data):
        return digest
    try:
        write_atomic(final, data)
    except OSError as exc:
        raise StorageError(f"扫描件无法保存（{exc.strerror or exc}），请检查磁盘空间后重试；原文件未丢失",
                           f"cannot store attachment: {exc}") from exc
    return digest


def attach(db: Database, user: UserInfo, files_dir: Path, case_id: int, material_key: str, filename: str,
           data: bytes, pages: int = 1) -> AttachmentInfo:
    """Attach ``data`` (PDF/JPEG/PNG) to the material ``material_key`` of a case."""
    require_role(user, COUNTER_ROLES, "附加扫描件")
    if not data:
        raise ValidationError("文件为空，请重新扫描", "empty file")
    if len(data) > MAX_BYTES:
        raise ValidationError("文件超过 50 MB，请降低扫描分辨率", "file larger than 50 MB")
    mime = _sniff(data)
    digest = store_blob(files_dir, data)
    crash_point("attach.after_blob")  # chaos tests: the file is there, its row not yet
    with db.uow() as s:
        case = s.get(Case, case_id)
        if case is None:
            raise NotFound(f"找不到办件（编号 {case_id}）", f"case {case_id} not found")
        check = s.scalar(select(MaterialCheck).where(MaterialCheck.case_id == case_id,
                                                     MaterialCheck.material_key == material_key))
        if check is None:
            raise NotFound(f"本办件没有材料“{material_key}”", f"no material {material_key}")
        row = Attachment(case_id=case_id, check_id=check.id, filename=filename[:200] or f"{material_key}.pdf",
                         mime=mime, sha256=digest, size=len(data), pages=max(1, pages))
        s.add(row)
        s.flush()
        audit.record(s, "attachment.add", username=user.username, entity="case", entity_id=case.uuid,
                     key=material_key, sha256=digest, size=len(data))
        s.add(OutboxEntry(kind="attachment", entity_uuid=row.uuid,
                          payload={"case": case.uuid, "key": material_key, "sha256": digest, "size": len(data),
                                   "mime": mime, "pages": row.pages}))
        return AttachmentInfo(row.id, row.uuid, row.filename, mime, digest, len(data), row.pages, material_key)


def list_attachments(db: Database, case_id: int) -> list[AttachmentInfo]:
    with db.uow() as s:
        rows = s.execute(select(Attachment, MaterialCheck.material_key)
                         .join(MaterialCheck, Attachment.check_id == MaterialCheck.id, isouter=True)
                         .where(Attachment.case_id == case_id).order_by(Attachment.id))
        return [AttachmentInfo(a.id, a.uuid, a.filename, a.mime, a.sha256, a.size, a.pages, key or "")
                for a, key in rows]


def read_attachment(db: Database, files_dir: Path, attachment_id: int) -> bytes:
    with db.uow() as s:
        a = s.get(Attachment, attachment_id)
        if a is None:
            raise NotFound("找不到该扫描件", "attachment not found")
        digest = a.sha256
    path = blob_path(files_dir, digest)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise StorageError("扫描件文件缺失，请重新扫描", f"attachment file missing: {path}") from exc
    if hashlib.sha256(data).hexdigest() != digest:
        raise StorageError("扫描件文件已损坏，请重新扫描", "attachment checksum mismatch")
    return data
