"""Push and pull end to end over real HTTP with the real back office: accept at the desk → on the
server; decide on the server → the desk's case moves through its own state machine."""
from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from clerk import cases, sync
from clerk.errors import IllegalTransition
from clerk.models import AuditEntry, OutboxEntry
from tests.casefixtures import ZHANG, clerk_user
from tests.sync.desk import accept_bundle, accept_matter, scan
from tests.sync.support import blob, decide, publish, run, server_cases


def test_accepted_cases_and_scans_reach_the_server_once(linked, backoffice, token):
    """Given a matter case with a scan and a bundle accepted at the desk, when the desk syncs
    twice, then the server holds each case (the bundle with its two matter cases) exactly once,
    the scans byte-equal, and the second round sends nothing."""
    a = accept_matter(linked.db, linked.files, 1, with_scan=True)
    b = accept_bundle(linked.db, linked.files, 2)
    rep = run(linked.db, linked.files)
    assert rep.online and rep.dead == 0 and rep.sent == 4  # 2 blobs + 2 PUTs
    held = server_cases(backoffice, token)
    numbers = sorted(c["number"] for c in held)
    assert numbers == sorted([a.number, b.number, *(k.number for k in b.children)])
    assert {c["uuid"] for c in held} >= {a.uuid, b.uuid}
    children = [c for c in held if c["parent_uuid"] == b.uuid]
    assert sorted(c["uuid"] for c in children) == sorted(k.uuid for k in b.children)
    shas = {x["sha256"] for c in held for x in c["attachments"]}
    assert len(shas) == 2
    for sha in shas:
        assert hashlib.sha256(blob(backoffice, token, sha)).hexdigest() == sha
    assert blob(backoffice, token, hashlib.sha256(scan(1)).hexdigest()) == scan(1)
    again = run(linked.db, linked.files)
    assert again.sent == 0 and again.online
    assert len(server_cases(backoffice, token)) == len(held)
    st = sync.status(linked.db)
    assert st["pending"] == 0 and st["dead"] == 0 and st["last_sync"] and st["online"]
    rows = {r["number"]: r for r in sync.case_rows(linked.db)}
    assert rows[a.number]["sync"] == "synced" and rows[a.number]["state"] == "accepted"


def test_decisions_on_the_server_reach_the_desk_and_the_handover_goes_back(linked, backoffice, token):
    """Review → 补正 (with its items) → supplied at the desk → approved → ready → handed over by
    the receipt's number: the desk follows each step with its audit, the server sees the desk's
    supplement and handover."""
    a = accept_matter(linked.db, linked.files, 3)
    run(linked.db, linked.files)
    decide(backoffice, a.number, "review")
    decide(backoffice, a.number, "supplement", items=["birth_cert"], reason="出生医学证明复印件不清晰")
    rep = run(linked.db, linked.files)
    assert rep.applied >= 1
    c = cases.get_case(linked.db, a.id)
    assert c.state == "supplement"
    assert c.supplements[-1].items == ("出生医学证明",) and "不清晰" in c.supplements[-1].text
    with linked.db.uow() as s:
        actions = [e.action for e in s.scalars(select(AuditEntry).where(AuditEntry.entity_id == a.uuid))]
        moved = s.scalars(select(OutboxEntry).where(OutboxEntry.entity_uuid == a.uuid,
                                                    OutboxEntry.kind == "case.request_supplement")).all()
    assert "case.start_review" in actions and "case.request_supplement" in actions
    assert [e.state for e in moved] == ["covered"]  # a status that came from the server is not sent back

    user = clerk_user(linked.db)
    cases.supply_supplement(linked.db, user, a.id, note="已重新复印")
    run(linked.db, linked.files)
    assert {c["uuid"]: c["state"] for c in server_cases(backoffice, token)}[a.uuid] == "in_review"

    decide(backoffice, a.number, "approve")
    decide(backoffice, a.number, "ready")
    run(linked.db, linked.files)
    found = cases.find_case(linked.db, a.number)  # the receipt barcode
    assert found.state == "result_ready" and "hand_over" in found.allowed_actions
    cases.hand_over(linked.db, user, found.id, by="window", identity_number=ZHANG)
    run(linked.db, linked.files)
    assert {c["uuid"]: c["state"] for c in server_cases(backoffice, token)}[a.uuid] == "delivered"
    assert cases.get_case(linked.db, a.id).state == "delivered"
    assert sync.status(linked.db)["pending"] == 0


def test_department_decisions_are_refused_at_a_desk_with_a_back_office(linked):
    a = accept_matter(linked.db, linked.files, 4)
    user = clerk_user(linked.db)
    assert sync.backoffice_configured(linked.db)
    assert not set(cases.get_case(linked.db, a.id).allowed_actions) & set(sync.DEPARTMENT_ACTIONS)
    with pytest.raises(IllegalTransition, match="部门后台"):
        cases.advance(linked.db, user, a.id, "approve")
    with pytest.raises(IllegalTransition, match="部门后台"):
        cases.request_supplement(linked.db, user, a.id, ["birth_cert"], "不清晰")
    sync.forget(linked.db)  # a desk without a back office decides locally, as before
    assert cases.advance(linked.db, user, a.id, "start_review").state == "in_review"


def test_bundle_matters_follow_one_by_one_and_the_bundle_follows_them(linked, backoffice):
    b = accept_bundle(linked.db, linked.files, 5)
    run(linked.db, linked.files)
    first, second = b.children
    for action in ("review", "approve", "ready"):
        decide(backoffice, first.number, action)
    run(linked.db, linked.files)
    got = cases.get_case(linked.db, b.id)
    states = {k.number: k.state for k in got.children}
    assert states == {first.number: "result_ready", second.number: "accepted"}
    assert got.state == "in_review"  # the bundle follows its matters by the desk's own rule
    decide(backoffice, second.number, "reject", reason="不符合参保条件")
    decide(backoffice, second.number, "ready")
    run(linked.db, linked.files)
    got = cases.get_case(linked.db, b.id)
    assert got.state == "result_ready"
    assert {k.number: k.reason for k in got.children}[second.number] == "不符合参保条件"


def test_replayed_and_stale_changes_never_move_a_case_back(linked, backoffice):
    """A change not newer than what the desk applied is skipped; the cursor lost (410) means a
    full resync from the start of the feed, which changes nothing."""
    a = accept_matter(linked.db, linked.files, 6)
    run(linked.db, linked.files)
    decide(backoffice, a.number, "review")
    decide(backoffice, a.number, "approve")
    run(linked.db, linked.files)
    assert cases.get_case(linked.db, a.id).state == "approved"
    from clerk.models import SyncState

    with linked.db.uow() as s:
        s.get(SyncState, 1).cursor = "bm90LWEtY3Vyc29y"  # not this server's: 410 cursor_expired
    rep = run(linked.db, linked.files)
    assert rep.online and not rep.error and rep.pulled >= 2 and rep.applied == 0
    assert cases.get_case(linked.db, a.id).state == "approved"


def test_calendar_days_and_catalog_versions_arrive(linked, backoffice):
    import datetime as dt

    from clerk.calendar import due_after
    from clerk.models import CalendarDay

    publish(backoffice, "calendar.day", {"day": "2031-03-04", "is_workday": False, "name": "县庆"})
    publish(backoffice, "catalog.version", {"version": "2026.12", "url": ""})
    run(linked.db, linked.files)
    with linked.db.uow() as s:
        day = s.get(CalendarDay, dt.date(2031, 3, 4))
        assert day is not None and not day.is_workday and day.name == "县庆"
    assert sync.status(linked.db)["catalog_version"] == "2026.12"
    assert due_after(linked.db, dt.date(2031, 3, 3), 1).date == dt.date(2031, 3, 5)


def test_sent_entries_are_pruned_after_the_retention_period_but_never_pending_or_dead(linked):
    import datetime as dt

    from clerk.models import Setting

    accept_matter(linked.db, linked.files, 7)
    run(linked.db, linked.files)
    accept_matter(linked.db, linked.files, 8)  # still pending
    with linked.db.uow() as s:
        s.add(Setting(key="sync.retention_days", value="10"))
    later = dt.datetime.now() + dt.timedelta(days=11)
    assert sync.prune(linked.db, now=later) == 1
    assert sync.prune(linked.db, now=later) == 0
    with linked.db.uow() as s:
        assert [e.state for e in s.scalars(select(OutboxEntry))] == ["pending"]
