"""Audit entries are compact but say everything (issue 15 item 5), on a real database (SQLite
and PostgreSQL): an acceptance's checklist is stored grouped by status and reads back as the
case's checks, ``None`` details are left out, JSON is stored without blanks and with Chinese as
itself, and the ID number stays masked."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select, text

from clerk import audit, cases
from clerk.models import AuditEntry
from tests.casefixtures import ZHANG, clerk_user, make_catalog, zhang

MON = dt.datetime(2026, 11, 23, 9, 30)  # a Monday


def test_an_acceptance_is_audited_compactly_and_completely(any_db):
    db = any_db
    make_catalog(db)
    user = clerk_user(db)
    case = cases.start_case(db, user, zhang(), matter_code="M-HUJI", answers={"who": ["self"]})
    for c in case.checks:
        status = "deferred" if c.key == "photo" else "presented"
        case = cases.check_material(db, user, case.id, c.key, status, today=MON.date(),
                                    due_date=MON.date() + dt.timedelta(days=2) if status == "deferred" else None)
    done = cases.accept_case(db, user, case.id, now=MON)
    with db.read() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "case.accept"))
        stored = s.execute(text("SELECT CAST(detail AS TEXT) FROM audit_entry WHERE id = :i"), {"i": entry.id}).scalar()
        start = s.scalar(select(AuditEntry).where(AuditEntry.action == "case.start"))
    detail = entry.detail
    assert detail["checks"] == {"presented": ["id_card", "birth_cert"], "deferred": ["photo"]}
    assert audit.expand_checks(detail["checks"]) == {c.key: c.status for c in done.checks}
    assert (detail["number"], detail["before"], detail["after"]) == (done.number, "draft", "accepted")
    assert detail["promised_date"] == done.promised_date.isoformat()
    assert None not in detail.values() and "bundle" not in detail  # a single matter: no bundle key
    assert ", " not in stored and '": ' not in stored and "\\u" not in stored  # compact, UTF-8
    assert start.detail["id_number"] == ZHANG[:4] + "*" * 10 + ZHANG[-4:] and ZHANG not in str(start.detail)


def test_compact_keeps_false_zero_and_empty_and_masks_nested_values():
    kept = audit.compact({"in_person": False, "visits": 0, "text": "", "gone": None,
                          "old": {"phone": "13812345678", "note": None}, "checks": {"a": "presented"}})
    assert kept == {"in_person": False, "visits": 0, "text": "", "old": {"phone": "138****5678", "note": None},
                    "checks": {"presented": ["a"]}}
