"""交接单 (C16): a village agent's list of the cases taken since the last list, with the papers
carried; the centre receives all of them by the list's number. Real SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from clerk import cases, handover
from clerk.errors import NotFound, PermissionDenied, ValidationError
from clerk.models import AuditEntry
from tests.casefixtures import clerk_user, make_catalog, zhang

MON = dt.datetime(2026, 11, 30, 9, 30)


@pytest.fixture
def setup(any_db):
    make_catalog(any_db)
    return any_db, clerk_user(any_db, "agent"), clerk_user(any_db, "clerk")


def _accept(db, user, *, matter=None, bundle=None, deferred=(), at=MON):
    kw = {"matter_code": matter} if matter else {"bundle_code": bundle, "answers": {"M-HUJI": {"who": ["self"]}}}
    case = cases.start_case(db, user, zhang(), **kw)
    for c in case.checks:
        if c.key in deferred:
            cases.check_material(db, user, case.id, c.key, "deferred", due_date=at.date() + dt.timedelta(days=1),
                                 today=at.date())
        else:
            case = cases.check_material(db, user, case.id, c.key, "presented", today=at.date())
    return cases.accept_case(db, user, case.id, now=at)


def _audit(db, action):
    with db.read() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def test_the_list_carries_the_agents_cases_since_the_last_list_with_their_papers(setup):
    """Given an agent who took a bundle (one material deferred) and a single matter, and a clerk
    who took a case at a window, when the agent makes a list, then it holds the agent's two cases
    (the bundle once), the applicant masked, originals/copies counted from the checks; a second
    list right after is refused in Chinese; a later case goes on the next list only."""
    db, agent, clerk = setup
    bundle = _accept(db, agent, bundle="B-BIRTH", deferred=("photo",))
    single = _accept(db, agent, matter="M-YIBAO", at=MON + dt.timedelta(minutes=20))
    _accept(db, clerk, matter="M-SBK")  # a window's case is not the agent's to carry
    assert [x.case_number for x in handover.pending_cases(db, agent)] == [bundle.number, single.number]

    made = handover.make_list(db, agent, workstation="V01", now=MON + dt.timedelta(hours=3))
    assert made.number == "JJ33022501V0120261130001" and handover.is_handover_number(made.number)
    assert made.agent_name == "陈阿姨" and made.received_at is None
    first, second = made.lines
    assert first.case_number == bundle.number and first.matter_name == "出生一件事"
    assert first.applicant == "张*" and "*" in first.id_number_masked and "张三" not in first.applicant
    # bundle: 身份证 original 1, 出生医学证明 original 1, 户口簿 (both) 1+1; the photo was deferred
    assert (first.originals, first.copies) == (3, 1)
    assert "户口簿 原件及复印件1份" in first.papers and not any("照片" in p for p in first.papers)
    assert (second.originals, second.copies) == (2, 1)  # 居民身份证 1 + 户口簿 both 1
    assert (made.originals, made.copies) == (5, 2)

    with pytest.raises(ValidationError, match="没有新受理的办件"):
        handover.make_list(db, agent, workstation="V01", now=MON + dt.timedelta(hours=3))
    later = _accept(db, agent, matter="M-SBK", at=MON + dt.timedelta(days=1))
    nxt = handover.make_list(db, agent, workstation="V01", now=MON + dt.timedelta(days=1, hours=1))
    assert [x.case_number for x in nxt.lines] == [later.number]
    assert nxt.number == "JJ33022501V0120261201001"
    assert [e.entity_id for e in _audit(db, "handover.make")] == [made.number, nxt.number]


def test_the_centre_receives_all_cases_at_once_and_a_second_scan_says_by_whom(setup):
    db, agent, clerk = setup
    a = _accept(db, agent, matter="M-YIBAO")
    b = _accept(db, agent, matter="M-SBK")
    made = handover.make_list(db, agent, workstation="V01", now=MON + dt.timedelta(hours=1))

    got = handover.receive_list(db, clerk, made.number.lower(), workstation="W03", now=MON + dt.timedelta(hours=5))
    assert got.first and got.handover.received_by == "clerk" and got.handover.received_workstation == "W03"
    assert handover.received_message(got).startswith(f"交接单 {made.number} 已接收：代办员 陈阿姨 的 2 件办件")
    received = _audit(db, "case.received")
    assert sorted(e.detail["number"] for e in received) == sorted([a.number, b.number])
    assert {(e.username, e.workstation, e.detail["handover"]) for e in received} == {("clerk", "W03", made.number)}
    assert {e.entity_id for e in received} == {a.uuid, b.uuid}

    manager = clerk_user(db, "manager")
    again = handover.receive_list(db, manager, made.number, workstation="W09", now=MON + dt.timedelta(hours=6))
    assert not again.first and again.handover.received_by == "clerk"
    assert again.handover.received_at == MON + dt.timedelta(hours=5)
    msg = handover.received_message(again)
    assert "已于 2026年11月30日 14:30" in msg and "无需重复接收" in msg and "W03" in msg
    assert len(_audit(db, "case.received")) == 2  # nothing received twice
    assert handover.get_list(db, made.number).received_name == clerk.display_name


def test_unknown_numbers_and_wrong_roles_are_refused_in_chinese(setup):
    db, agent, clerk = setup
    with pytest.raises(NotFound, match="找不到交接单 JJ33022501V0120261130009"):
        handover.receive_list(db, clerk, "JJ33022501V0120261130009")
    with pytest.raises(NotFound, match="不是交接单编号"):
        handover.receive_list(db, clerk, "hello")
    _accept(db, agent, matter="M-SBK")
    with pytest.raises(PermissionDenied, match="代办员"):
        handover.make_list(db, clerk)
    made = handover.make_list(db, agent)
    with pytest.raises(PermissionDenied):
        handover.receive_list(db, agent, made.number)
    assert handover.get_list(db, made.number).received_at is None


def test_a_case_is_never_on_two_lists(setup):
    """The unique case on handover_item is the last line of defence behind "on no list yet": a
    second list naming an already listed case does not commit."""
    from sqlalchemy.exc import IntegrityError

    from clerk.models import HandoverItem, HandoverList

    db, agent, _clerk = setup
    _accept(db, agent, matter="M-SBK")
    first = handover.make_list(db, agent)
    with db.read() as s:
        case_id = s.scalar(select(HandoverItem.case_id))
    with pytest.raises(IntegrityError):
        with db.uow() as s:
            s.add(HandoverList(number="JJ33022501W0120261130099", agent_name="x",
                               items=[HandoverItem(case_id=case_id)]))
    assert [h.number for h in handover.recent_lists(db, agent)] == [first.number]


def test_two_windows_scanning_the_same_list_at_once_receive_it_once(setup):
    """Two centre windows scan the same list at the same moment: one receives it, the other is
    told it was received (the row is locked on PostgreSQL; SQLite writers take turns)."""
    import threading

    db, agent, clerk = setup
    _accept(db, agent, matter="M-SBK")
    made = handover.make_list(db, agent)
    manager = clerk_user(db, "manager")
    start, outcomes, errors = threading.Barrier(2), [], []

    def scan(user, ws):
        start.wait()
        try:
            outcomes.append(handover.receive_list(db, user, made.number, workstation=ws))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=scan, args=(clerk, "W03")), threading.Thread(target=scan, args=(manager, "W09"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(o.first for o in outcomes) == [False, True]
    first = next(o for o in outcomes if o.first)
    assert len(_audit(db, "case.received")) == 1
    assert handover.get_list(db, made.number).received_by == first.handover.received_by
