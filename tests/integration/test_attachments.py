"""Scanned pages attach to a case material: stored by hash, byte-equal on read, refused
clearly when the file is not a document or the disk cannot take it."""
from __future__ import annotations

import pytest

from clerk import attachments, cases
from clerk.errors import StorageError, ValidationError
from tests.casefixtures import clerk_user, make_catalog, zhang

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def case(db):
    make_catalog(db)
    user = clerk_user(db)
    return db, user, cases.start_case(db, user, zhang(), matter_code="M-YIBAO")


def test_attach_and_read_back_byte_equal(case, tmp_path):
    db, user, c = case
    info = attachments.attach(db, user, tmp_path / "files", c.id, "hukou", "户口簿.pdf", PDF, pages=2)
    again = attachments.attach(db, user, tmp_path / "files", c.id, "hukou", "户口簿.pdf", PDF)
    assert info.sha256 == again.sha256 and info.mime == "application/pdf"
    assert attachments.read_attachment(db, tmp_path / "files", info.id) == PDF
    assert [a.material_key for a in attachments.list_attachments(db, c.id)] == ["hukou", "hukou"]
    assert len(list((tmp_path / "files").rglob("*"))) == 2  # one folder, one blob: stored once


def test_not_a_document_and_unknown_material_are_refused(case, tmp_path):
    db, user, c = case
    with pytest.raises(ValidationError, match="只能附加"):
        attachments.attach(db, user, tmp_path, c.id, "hukou", "x.exe", b"MZ\x90\x00")
    with pytest.raises(Exception, match="没有材料"):
        attachments.attach(db, user, tmp_path, c.id, "nope", "x.pdf", PDF)
    assert attachments.list_attachments(db, c.id) == []


def test_a_corrupted_file_is_detected(case, tmp_path):
    db, user, c = case
    info = attachments.attach(db, user, tmp_path, c.id, "hukou", "a.pdf", PDF)
    attachments.blob_path(tmp_path, info.sha256).write_bytes(PDF + b"x")
    with pytest.raises(StorageError, match="损坏"):
        attachments.read_attachment(db, tmp_path, info.id)


def test_unwritable_folder_gives_a_chinese_message_and_no_row(case, tmp_path):
    db, user, c = case
    blocker = tmp_path / "files"
    blocker.write_text("not a folder")
    with pytest.raises(StorageError, match="扫描件无法保存"):
        attachments.attach(db, user, blocker, c.id, "hukou", "a.pdf", PDF)
    assert attachments.list_attachments(db, c.id) == []
