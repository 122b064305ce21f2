"""交接单 through the back office (C16): a village agent's laptop (its own SQLite) accepts cases,
makes a list and syncs; the centre's desk (another SQLite, registered to the same real back office
on loopback) receives the list by its number. Nothing is stubbed: two desks, one server process."""
from __future__ import annotations

import datetime as dt

import pytest
import requests
from sqlalchemy import select, update

from clerk import cases, handover, sync
from clerk.db import Database
from clerk.errors import ClerkError, NotFound
from clerk.migrate import upgrade
from clerk.models import AuditEntry, HandoverList, OutboxEntry
from clerk.sync import state as sync_state
from tests.casefixtures import clerk_user, make_catalog, zhang
from tests.sync.support import ENROL, fast_options


def _accept(db, user, matter):
    case = cases.start_case(db, user, zhang(), matter_code=matter)
    for c in case.checks:
        case = cases.check_material(db, user, case.id, c.key, "presented")
    return cases.accept_case(db, user, case.id)


def _desk(tmp_path, name, backoffice, workstation):
    url = f"sqlite:///{(tmp_path / f'{name}.sqlite3').as_posix()}"
    upgrade(url)
    db = Database(url)
    make_catalog(db)
    sync.enrol(db, backoffice.url, ENROL, name, workstation=workstation)
    files = tmp_path / f"{name}-files"
    files.mkdir()
    return db, files


@pytest.fixture
def desks(tmp_path, backoffice):  # noqa: F811
    agent_db, agent_files = _desk(tmp_path, "village", backoffice, "V01")
    centre_db, centre_files = _desk(tmp_path, "centre", backoffice, "W01")
    yield agent_db, agent_files, centre_db, centre_files
    agent_db.dispose()
    centre_db.dispose()


def _audit(db, action):
    with db.read() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def _server_list(backoffice, token, number):
    return requests.get(f"{backoffice.url}/api/v1/handover-lists/{number}", headers=backoffice.auth(token), timeout=10)


def test_a_list_made_on_the_agents_laptop_is_received_at_the_centre_by_number(desks, backoffice):  # noqa: F811
    """Given an agent desk that accepted 2 cases, made a list and synced, when the centre (its own
    database, without those cases) scans the number, then both cases are received (masked
    applicants, papers as listed), audited at the centre; a second scan says by whom and when;
    replaying the agent's push changes nothing; the agent's desk learns of the receipt by pull."""
    agent_db, agent_files, centre_db, _ = desks
    agent, clerk = clerk_user(agent_db, "agent"), clerk_user(centre_db, "clerk")
    a, b = _accept(agent_db, agent, "M-YIBAO"), _accept(agent_db, agent, "M-SBK")
    made = handover.make_list(agent_db, agent, workstation="V01")
    rep = sync.run_once(agent_db, agent_files, opts=fast_options())
    assert rep.online and rep.dead == 0 and rep.blocked == 0, rep
    with agent_db.read() as s:
        entries = list(s.scalars(select(OutboxEntry).order_by(OutboxEntry.id)))
    assert entries[-1].kind == "handover.list" and entries[-1].state == "sent"
    assert {e.state for e in entries} <= {"sent", "covered"}

    token = backoffice.register("W09")
    held = _server_list(backoffice, token, made.number).json()
    assert [c["number"] for c in held["cases"]] == [a.number, b.number] and held["received_at"] is None
    assert held["cases"][0]["applicant"] == "张*" and "张三" not in str(held)

    with pytest.raises(NotFound):  # the centre's own database has no such list or cases
        handover.get_list(centre_db, made.number)
    first = handover.receive_list(centre_db, clerk, made.number, workstation="W01")
    assert first.first and [x.case_number for x in first.handover.lines] == [a.number, b.number]
    assert first.handover.agent_name == "陈阿姨" and first.handover.received_by == "clerk"
    assert [(x.originals, x.copies) for x in first.handover.lines] == [(x.originals, x.copies) for x in made.lines]
    assert first.handover.lines[0].applicant == "张*"
    assert {e.entity_id for e in _audit(centre_db, "case.received")} == {a.uuid, b.uuid}
    assert "已接收" in handover.received_message(first)

    again = handover.receive_list(centre_db, clerk, made.number, workstation="W02")
    assert not again.first and again.handover.received_by == "clerk"
    assert again.handover.received_workstation == "W01"
    assert again.handover.received_at == first.handover.received_at
    assert "无需重复接收" in handover.received_message(again)
    assert len(_audit(centre_db, "case.received")) == 2 and len(_audit(centre_db, "handover.rescan")) == 1

    # the agent's push replayed (reply lost, say): same key, same body → the stored reply, one list
    with agent_db.uow() as s:
        s.execute(update(OutboxEntry).where(OutboxEntry.kind == "handover.list").values(state="pending", sent_at=None))
    rep = sync.run_once(agent_db, agent_files, opts=fast_options())
    assert rep.sent == 1 and rep.dead == 0
    after = _server_list(backoffice, token, made.number).json()
    assert after["received_by"] == "clerk" and len(after["cases"]) == 2
    # the pull of that round told the agent's desk its list arrived
    with agent_db.read() as s:
        row = s.scalar(select(HandoverList).where(HandoverList.number == made.number))
        assert row.received_by == "clerk" and row.received_workstation == "W01" and row.received_at is not None
    assert {e.entity_id for e in _audit(agent_db, "case.received")} == {a.uuid, b.uuid}
    sync.run_once(agent_db, agent_files, opts=fast_options())  # the feed again: no second audit
    assert len(_audit(agent_db, "case.received")) == 2

    # same number, other content → refused (a list is not changed after it was sent)
    body = dict(entries[-1].request["body"], agent="别人")
    r = requests.put(f"{backoffice.url}/api/v1/handover-lists/{made.number}", json=body,
                     headers=backoffice.auth(token), timeout=10)
    assert r.status_code == 409 and r.json()["error"]["code"] == "conflict"


def test_the_list_waits_behind_its_cases_and_a_list_of_unknown_cases_is_refused_in_chinese(desks, backoffice):  # noqa: F811
    """A case whose PUT fails once holds its list back (no 'unknown case' death): the next round
    sends both in order. A list naming a case the server never got is refused with a Chinese 422."""
    agent_db, agent_files, _, _ = desks
    agent = clerk_user(agent_db, "agent")
    _accept(agent_db, agent, "M-YIBAO")
    made = handover.make_list(agent_db, agent, workstation="V01")
    backoffice.set_faults([{"method": "PUT", "path": "^/api/v1/cases/", "kind": "error_before", "count": 1}])
    rep = sync.run_once(agent_db, agent_files, opts=fast_options())
    assert rep.retried == 1 and rep.dead == 0 and rep.blocked >= 1
    with agent_db.read() as s:
        listed = s.scalar(select(OutboxEntry).where(OutboxEntry.kind == "handover.list"))
        assert listed.state == "pending" and listed.attempts == 0
    with agent_db.uow() as s:  # the case's retry is due now
        s.execute(update(OutboxEntry).values(next_attempt_at=None))
    rep = sync.run_once(agent_db, agent_files, opts=fast_options())
    with agent_db.read() as s:
        assert {e.state for e in s.scalars(select(OutboxEntry))} <= {"sent", "covered"}, rep

    token = backoffice.register("W09")
    body = {"schema": 1, "number": made.number.replace("001", "002"), "agent": "陈阿姨", "workstation": "V01",
            "made_at": dt.datetime.now().replace(microsecond=0).isoformat(),
            "cases": [{"uuid": "0" * 8 + "-0000-0000-0000-" + "0" * 12, "number": "X", "originals": 1}]}
    r = requests.put(f"{backoffice.url}/api/v1/handover-lists/{body['number']}", json=body,
                     headers=backoffice.auth(token), timeout=10)
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_case"
    assert "尚未收到" in r.json()["error"]["message"]
    assert _server_list(backoffice, token, body["number"]).status_code == 404


def test_back_office_down_the_centre_gets_a_chinese_message_and_nothing_is_recorded(desks, backoffice):  # noqa: F811
    agent_db, agent_files, centre_db, _ = desks
    agent, clerk = clerk_user(agent_db, "agent"), clerk_user(centre_db, "clerk")
    _accept(agent_db, agent, "M-YIBAO")
    made = handover.make_list(agent_db, agent, workstation="V01")
    sync.run_once(agent_db, agent_files, opts=fast_options())
    backoffice.set_faults([{"path": "/receive$", "kind": "error_before", "count": 1}])
    with pytest.raises(ClerkError) as err:
        handover.receive_list(centre_db, clerk, made.number, workstation="W01")
    assert err.value.message == "无法连接后台，交接单未接收，请稍后再扫"
    backoffice.stop()
    try:
        with pytest.raises(ClerkError) as err:
            handover.receive_list(centre_db, clerk, made.number, workstation="W01")
        assert err.value.message == "无法连接后台，交接单未接收，请稍后再扫"
        assert _audit(centre_db, "case.received") == [] and _audit(centre_db, "handover.receive") == []
    finally:
        backoffice.start()
    sync_state.link(centre_db, backoffice.url)  # the restarted server listens on another port
    token = backoffice.register("W09")
    assert _server_list(backoffice, token, made.number).json()["received_at"] is None
    assert handover.receive_list(centre_db, clerk, made.number, workstation="W01").first
    with pytest.raises(NotFound) as missing:  # a number the back office does not hold either
        handover.receive_list(centre_db, clerk, made.number[:-3] + "999", workstation="W01")
    assert "后台没有交接单" in missing.value.message
