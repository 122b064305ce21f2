"""The yearly archive on a real database (SQLite and PostgreSQL): finished cases and audit
entries older than N years go to a file and leave the database; open and recent ones stay;
a dry run changes nothing; only a manager may confirm; the archive is audited."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update

from clerk import archive, cases
from clerk.errors import PermissionDenied, ValidationError
from clerk.models import AuditEntry, Case, MaterialCheck
from tests.casefixtures import clerk_user, make_catalog, zhang

NOW = dt.datetime(2026, 12, 2, 10, 0)


def _finished(db, user) -> int:
    c = cases.start_case(db, user, zhang(), matter_code="M-SBK")
    for ch in c.checks:
        cases.check_material(db, user, c.id, ch.key, "presented")
    c = cases.accept_case(db, user, c.id)
    return cases.finish_on_the_spot(db, user, c.id).id


@pytest.fixture
def setup(any_db):
    make_catalog(any_db)
    db = any_db
    user = clerk_user(db)
    old, recent = _finished(db, user), _finished(db, user)
    c = cases.start_case(db, user, zhang(), matter_code="M-YIBAO")  # a draft: never archived
    with db.uow() as s:
        long_ago = NOW - dt.timedelta(days=3 * 365)
        s.execute(update(Case).where(Case.id.in_([old, c.id])).values(finished_at=long_ago, created_at=long_ago))
        s.execute(update(AuditEntry).where(AuditEntry.entity_id == s.get(Case, old).uuid).values(at=long_ago))
    return db, old, recent, c.id


def _count(db, model, *where) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_dry_run_counts_and_changes_nothing(setup, tmp_path):
    db, old, _recent, _draft = setup
    report = archive.archive(db, tmp_path / "a.jsonl.gz", 2, now=NOW)
    assert (report.cases, report.done) == (1, False) and report.audit_entries >= 3
    assert not (tmp_path / "a.jsonl.gz").exists() and _count(db, Case, Case.id == old) == 1


def test_confirmed_archive_exports_then_removes_only_old_finished_cases(setup, tmp_path):
    db, old, recent, draft = setup
    manager = clerk_user(db, "manager")
    out = tmp_path / "2023.jsonl.gz"
    report = archive.archive(db, out, 2, user=manager, confirm=True, now=NOW)
    records = archive.read_archive(out)
    tables = [r["table"] for r in records]
    assert report.done and report.cases == 1 and report.rows == len(records)
    assert [r["row"]["id"] for r in records if r["table"] == "case_file"] == [old]
    assert tables.count("material_check") >= 1 and tables.count("audit_entry") == report.audit_entries
    assert _count(db, Case, Case.id == old) == 0 and _count(db, MaterialCheck, MaterialCheck.case_id == old) == 0
    assert _count(db, Case, Case.id.in_([recent, draft])) == 2
    assert _count(db, AuditEntry, AuditEntry.at < NOW - dt.timedelta(days=2 * 365)) == 0
    assert _count(db, AuditEntry, AuditEntry.action == "data.archive", AuditEntry.username == "manager") == 1
    with pytest.raises(ValidationError, match="已存在"):
        archive.archive(db, out, 2, user=manager, confirm=True, now=NOW)


def test_a_clerk_may_not_archive(setup, tmp_path):
    db, old, _recent, _draft = setup
    with pytest.raises(PermissionDenied):
        archive.archive(db, tmp_path / "x.jsonl.gz", 2, user=clerk_user(db), confirm=True, now=NOW)
    assert _count(db, Case, Case.id == old) == 1
