"""Cases made at the desk through the real services, for the sync tests and benchmarks."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from clerk import attachments, cases
from clerk.db import Database
from clerk.dto import ProxyInput
from tests.casefixtures import LI, clerk_user, make_catalog, zhang

PDF = b"%PDF-1.4\n% test scan\n"


def scan(n: int, size: int = 2048) -> bytes:
    """A distinct small 'PDF' (the desk sniffs the magic bytes only)."""
    body = (f"scan {n} ".encode() * (size // 8 + 1))[:size]
    return PDF + body


def setup_desk(db: Database) -> None:
    make_catalog(db)


def accept_matter(db: Database, files: Path | None = None, n: int = 0, *, with_scan: bool = False,
                  deferred_photo: bool = False) -> cases.CaseInfo:
    """出生登记 for 张三: ID shared, birth certificate presented (optionally scanned), accepted."""
    user = clerk_user(db)
    c = cases.start_case(db, user, zhang(), matter_code="M-HUJI", answers={"who": ["self"]})
    cases.check_material(db, user, c.id, "id_card", "shared", share_reference=f"GA-{n:06d}")
    cases.check_material(db, user, c.id, "birth_cert", "presented")
    if deferred_photo:
        cases.check_material(db, user, c.id, "photo", "deferred", due_date=dt.date.today() + dt.timedelta(days=1))
    else:
        cases.check_material(db, user, c.id, "photo", "presented")
    if with_scan and files is not None:
        attachments.attach(db, user, files, c.id, "birth_cert", f"birth-{n}.pdf", scan(n))
    return cases.accept_case(db, user, c.id)


def accept_bundle(db: Database, files: Path | None = None, n: int = 0) -> cases.CaseInfo:
    user = clerk_user(db)
    c = cases.start_case(db, user, zhang(), bundle_code="B-BIRTH",
                         answers={"M-HUJI": {"who": ["proxy"]}, "M-YIBAO": {}},
                         proxy=ProxyInput(name="李四", id_number=LI, phone="13900001111", authorisation="委托书 001"))
    for key, status in (("id_card", "shared"), ("birth_cert", "presented"), ("photo", "presented"),
                        ("power_of_attorney", "presented"), ("hukou", "presented")):
        cases.check_material(db, user, c.id, key, status, share_reference="GA-1" if status == "shared" else "")
    if files is not None:
        attachments.attach(db, user, files, c.id, "hukou", f"hukou-{n}.pdf", scan(10_000 + n))
    return cases.accept_case(db, user, c.id)
