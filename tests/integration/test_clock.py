"""One clock for stored times (clerk/clock.py): local, naive. Run under a time zone eight hours
away from UTC, so a UTC default anywhere shows up as an eight-hour gap — and as a case missing
from 今日办件 for the first eight hours of every day."""
from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import select

from clerk import cases, clock, queue
from clerk.bootstrap import ensure_hall
from clerk.models import Applicant, AuditEntry, Case, OutboxEntry
from tests.casefixtures import clerk_user, make_catalog, zhang

CLOSE = dt.timedelta(minutes=2)


@pytest.fixture
def shanghai(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    assert abs(dt.datetime.now() - dt.datetime.utcnow()) > dt.timedelta(hours=7)  # noqa: DTZ003 (the point)
    yield
    monkeypatch.undo()
    time.tzset()


def test_every_stored_time_of_a_case_is_local(shanghai, any_db):
    db = any_db
    make_catalog(db)
    user = clerk_user(db)
    draft = cases.start_case(db, user, zhang(), matter_code="M-YIBAO")
    for c in draft.checks:
        cases.check_material(db, user, draft.id, c.key, "presented")
    cases.accept_case(db, user, draft.id)
    now = clock.now()
    with db.uow() as s:
        case = s.get(Case, draft.id)
        stamps = {"case.created_at": case.created_at, "case.accepted_at": case.accepted_at,
                  "applicant.created_at": s.scalar(select(Applicant.created_at)),
                  "audit.at": s.scalar(select(AuditEntry.at).order_by(AuditEntry.id.desc()).limit(1)),
                  "outbox.created_at": s.scalar(select(OutboxEntry.created_at).order_by(OutboxEntry.id.desc()).limit(1))}
    far = {k: v for k, v in stamps.items() if v is None or abs(v - now) > CLOSE}
    assert far == {}, f"not on the local clock: {far} (now {now})"
    assert [c.id for c in cases.list_cases(db, "today")] == [draft.id]


def test_a_ticket_is_issued_on_the_local_clock(shanghai, db):
    with db.uow() as s:
        ensure_hall(s)
    ticket = queue.take_ticket(db, "33022501", "ZH")
    assert abs(ticket.issued_at - clock.now()) < CLOSE
