"""Faults between the desk and the back office: the server's own fault plan (500 before/after
commit, timeout after commit, 429 + Retry-After, a 200 HTML page, 413) and a proxy of our own
(delay, reset, blackhole, truncated reply, truncated request). After each fault the desk tries
again with the same key, and the server ends with every case exactly once."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from clerk import cases, sync
from clerk.auth import service_account
from clerk.errors import PermissionDenied
from clerk.models import AuditEntry, OutboxEntry
from tests.casefixtures import clerk_user
from tests.sync.desk import accept_matter
from tests.sync.faultproxy import FaultProxy
from tests.sync.support import decide, fast_options, run, server_cases


def _entries(db, kind="case.accept"):
    with db.uow() as s:
        return list(s.scalars(select(OutboxEntry).where(OutboxEntry.kind == kind).order_by(OutboxEntry.id)))


def _once_each(backoffice, token, *uuids):
    held = [c["uuid"] for c in server_cases(backoffice, token)]
    for u in uuids:
        assert held.count(u) == 1, u


@pytest.mark.parametrize("kind, committed", [("error_before", False), ("error_after", True), ("html", False)])
def test_a_failed_reply_is_retried_with_the_same_request(linked, backoffice, token, kind, committed):
    """500 before the commit, 500 after it, a captive portal's 200 HTML page: not done; the next
    round sends the same frozen body and the server has the case once."""
    a = accept_matter(linked.db, linked.files, 1)
    backoffice.set_faults([{"method": "PUT", "path": "^/api/v1/cases/", "kind": kind, "count": 1}])
    rep = run(linked.db, linked.files)
    assert backoffice.fired() == 1
    assert rep.sent == 0 and rep.retried == 1
    [e] = _entries(linked.db)
    assert e.state == "pending" and e.attempts == 1 and e.next_attempt_at is not None
    if kind == "html":
        assert "网络登录页" in e.last_error
    frozen = dict(e.request)
    held = [c["uuid"] for c in server_cases(backoffice, token)]
    assert (a.uuid in held) == committed
    with linked.db.uow() as s:  # due now
        s.get(OutboxEntry, e.id).next_attempt_at = None
    rep = run(linked.db, linked.files)
    assert rep.sent == 1
    [e] = _entries(linked.db)
    assert e.state == "sent" and e.request == frozen
    _once_each(backoffice, token, a.uuid)


def test_timeout_after_the_server_committed_is_resent_and_replayed(linked, backoffice, token):
    a = accept_matter(linked.db, linked.files, 2)
    backoffice.set_faults([{"method": "PUT", "path": "^/api/v1/cases/", "kind": "delay_after", "delay": 4}])
    rep = run(linked.db, linked.files, opts=fast_options(timeout=(2.0, 1.5)))
    assert rep.sent == 0 and rep.retried == 1
    assert "超时" in _entries(linked.db)[0].last_error
    _once_each(backoffice, token, a.uuid)  # it did arrive; the desk does not know yet
    with linked.db.uow() as s:
        for e in s.scalars(select(OutboxEntry)):
            e.next_attempt_at = None
    assert run(linked.db, linked.files).sent == 1
    assert '"number"' in _entries(linked.db)[0].reply
    _once_each(backoffice, token, a.uuid)


def test_429_waits_at_least_retry_after_and_does_not_count_as_a_failure(linked, backoffice):
    accept_matter(linked.db, linked.files, 3)
    backoffice.set_faults([{"method": "PUT", "path": "^/api/v1/cases/", "kind": "throttle", "retry_after": 120}])
    before = dt.datetime.now().replace(microsecond=0)
    rep = run(linked.db, linked.files)
    assert rep.retried == 1
    [e] = _entries(linked.db)
    assert e.attempts == 0 and e.state == "pending"
    assert e.next_attempt_at >= before + dt.timedelta(seconds=119)
    assert run(linked.db, linked.files).sent == 0  # not due yet: nothing is sent
    assert backoffice.fired() == 1


def test_413_goes_dead_at_once_with_the_servers_message_and_resend_works(linked, backoffice, token):
    a = accept_matter(linked.db, linked.files, 4)
    backoffice.set_faults([{"method": "PUT", "path": "^/api/v1/cases/", "kind": "too_large"}])
    rep = run(linked.db, linked.files)
    assert rep.dead == 1
    [e] = _entries(linked.db)
    assert e.state == "dead" and "请求过大" in e.last_error
    st = sync.status(linked.db)
    assert st["dead"] == 1
    assert [i["number"] for i in sync.items(linked.db)] == [a.number]
    assert run(linked.db, linked.files).sent == 0  # dead is never retried by itself
    kiosk = service_account("kiosk", "K01")
    with pytest.raises(PermissionDenied):  # a kiosk account cannot resend anything
        sync.retry(linked.db, e.id, user=kiosk)
    assert sync.retry(linked.db, e.id, user=clerk_user(linked.db), workstation="W01") == 1  # 重新发送
    with linked.db.uow() as s:
        [entry] = s.scalars(select(AuditEntry).where(AuditEntry.action == "sync.retry"))
        assert (entry.username, entry.workstation, entry.entity_id) == ("clerk", "W01", str(e.id))
    assert run(linked.db, linked.files).sent == 1
    _once_each(backoffice, token, a.uuid)


def test_a_refused_transition_is_dead_with_the_chinese_reason_and_holds_back_only_its_case(linked, backoffice, token):
    """The applicant withdraws at the window while the department has already approved: the
    server refuses (409 illegal_transition) — the entry is dead with the server's Chinese message
    and shown to the clerk; the evaluation behind it in the same case waits; another case goes on."""
    user = clerk_user(linked.db)
    a = accept_matter(linked.db, linked.files, 5)
    run(linked.db, linked.files)
    decide(backoffice, a.number, "review")
    decide(backoffice, a.number, "approve")
    cases.advance(linked.db, user, a.id, "withdraw", reason="申请人不再办理")
    cases.evaluate(linked.db, a.id, 4)
    b = accept_matter(linked.db, linked.files, 6)
    rep = run(linked.db, linked.files)
    assert rep.dead == 1 and rep.sent == 1 and rep.blocked == 1
    items = sync.items(linked.db)
    [dead] = [i for i in items if i["state"] == "dead"]
    assert dead["kind"] == "case.withdraw" and dead["number"] == a.number and "不能撤回" in dead["last_error"]
    assert [i["kind"] for i in items if i["state"] == "pending"] == ["evaluation"]
    _once_each(backoffice, token, a.uuid, b.uuid)
    assert {c["uuid"]: c["state"] for c in server_cases(backoffice, token)}[a.uuid] == "approved"
    assert cases.get_case(linked.db, a.id).state == "withdrawn"  # a status never moves backwards
    rows = {r["number"]: r["sync"] for r in sync.case_rows(linked.db)}
    assert rows[a.number] == "dead" and rows[b.number] == "synced"


def test_after_n_failures_an_item_is_dead_and_others_still_go(linked, backoffice, token):
    a = accept_matter(linked.db, linked.files, 7)
    b = accept_matter(linked.db, linked.files, 8)
    backoffice.set_faults([{"method": "PUT", "path": f"^/api/v1/cases/{a.uuid}", "kind": "error_before",
                            "count": None}])
    opts = fast_options(max_failures=3)
    for _ in range(3):
        with linked.db.uow() as s:
            for e in s.scalars(select(OutboxEntry)):
                e.next_attempt_at = None
        run(linked.db, linked.files, opts=opts)
    by_uuid = {e.entity_uuid: e for e in _entries(linked.db)}
    assert by_uuid[a.uuid].state == "dead" and by_uuid[a.uuid].attempts == 3
    assert "已重试 3 次" in by_uuid[a.uuid].last_error
    assert by_uuid[b.uuid].state == "sent"
    _once_each(backoffice, token, b.uuid)


def test_offline_is_not_an_item_failure(linked, backoffice):
    accept_matter(linked.db, linked.files, 9)
    backoffice.stop()
    rep = run(linked.db, linked.files)
    assert not rep.online and "离线" in rep.error
    [e] = _entries(linked.db)
    assert e.state == "pending" and e.attempts == 0
    st = sync.status(linked.db)
    assert st["online"] is False and st["pending"] == 1 and "离线" in st["last_error"]


@pytest.mark.parametrize("mode, reaches", [
    ("reset", False), ("reset_after", True), ("blackhole", False), ("truncate_reply", True),
    ("truncate_request", False), ("delay", True)])
def test_proxy_faults_end_with_the_case_on_the_server_once(linked, backoffice, token, mode, reaches):
    proxy = FaultProxy(backoffice.port)
    try:
        a = accept_matter(linked.db, linked.files, 10)
        proxy.set(mode, count=1, delay=0.5)
        rep = run(linked.db, linked.files, server=proxy.url, opts=fast_options(timeout=(2.0, 2.0)))
        assert proxy.hits == {mode: 1}
        held = [c["uuid"] for c in server_cases(backoffice, token)]
        assert (a.uuid in held) == reaches or mode == "delay"
        if mode == "delay":  # slow, not broken
            assert rep.sent == 1
        else:
            assert rep.sent == 0 and rep.retried == 1
            [e] = _entries(linked.db)
            assert e.state == "pending" and e.attempts == 1
            with linked.db.uow() as s:
                s.get(OutboxEntry, e.id).next_attempt_at = None
            assert run(linked.db, linked.files, server=proxy.url).sent == 1
        _once_each(backoffice, token, a.uuid)
    finally:
        proxy.close()
