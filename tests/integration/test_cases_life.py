"""A case's life after acceptance on a real database: visits counted for every trip to the window,
a case continuing a one-time notice, 补正 recorded both ways, bundles withdrawn and handed over in
part, 即办 finished right after acceptance."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from clerk import cases
from clerk.errors import IllegalTransition, ValidationError
from clerk.models import AuditEntry, OutboxEntry
from tests.casefixtures import ZHANG, clerk_user, make_catalog, zhang

MON = dt.datetime(2026, 11, 23, 9, 30)  # a Monday
TUE = MON + dt.timedelta(days=1, hours=5)
WED = MON + dt.timedelta(days=2)


@pytest.fixture
def setup(db):
    make_catalog(db)
    return db, clerk_user(db)


def _present_all(db, user, case, skip=()):
    for c in case.checks:
        if c.key not in skip:
            case = cases.check_material(db, user, case.id, c.key, "presented", today=MON.date())
    return case


def _bundle_with_two_deferred(db, user):
    case = cases.start_case(db, user, zhang(), bundle_code="B-BIRTH", answers={"M-HUJI": {"who": ["self"]}})
    case = _present_all(db, user, case, skip=("photo", "hukou"))
    for key in ("photo", "hukou"):
        cases.check_material(db, user, case.id, key, "deferred", due_date=dt.date(2026, 11, 25), today=MON.date())
    return cases.accept_case(db, user, case.id, now=MON)


def _actions(db, uuid):
    with db.uow() as s:
        return [(e.action, e.detail) for e in s.scalars(select(AuditEntry).where(AuditEntry.entity_id == uuid)
                                                        .order_by(AuditEntry.id))]


# --------------------------------------------------------------------------- visits

def test_bringing_deferred_materials_is_a_visit_once_per_day(setup):
    db, user = setup
    done = _bundle_with_two_deferred(db, user)
    assert done.visits == 1
    after = cases.supply_deferred(db, user, done.id, "photo", now=TUE)
    assert after.visits == 2
    after = cases.supply_deferred(db, user, done.id, "hukou", now=TUE + dt.timedelta(minutes=3))
    assert after.visits == 2  # both brought on the same trip
    visits = [d for a, d in _actions(db, done.uuid) if a == "case.visit"]
    assert [(d["day"], d["why"], d["visits"]) for d in visits] == [("2026-11-24", "supply_deferred", 2)]


def test_deferred_material_sent_in_another_way_is_no_visit(setup):
    db, user = setup
    done = _bundle_with_two_deferred(db, user)
    assert cases.supply_deferred(db, user, done.id, "photo", in_person=False, now=TUE).visits == 1


def test_collecting_on_the_day_of_a_supply_is_the_same_trip_and_another_day_is_one_more(setup):
    db, user = setup
    done = _bundle_with_two_deferred(db, user)
    cases.supply_deferred(db, user, done.id, "photo", now=TUE)
    first, second = done.children
    for action in ("approve", "result_ready"):
        cases.advance(db, user, first.id, action)
    handed = cases.hand_over(db, user, done.id, identity_number=ZHANG, now=TUE)
    assert handed.visits == 2
    for action in ("approve", "result_ready"):
        cases.advance(db, user, second.id, action)
    handed = cases.hand_over(db, user, done.id, identity_number=ZHANG, now=WED)
    assert handed.state == "delivered" and handed.visits == 3


def test_supplement_is_recorded_printed_data_kept_and_bringing_it_is_a_visit(setup):
    db, user = setup
    case = _present_all(db, user, cases.start_case(db, user, zhang(), matter_code="M-YIBAO"))
    case = cases.accept_case(db, user, case.id, now=MON)
    with pytest.raises(ValidationError, match="需补正的材料或补正说明"):
        cases.request_supplement(db, user, case.id, items=[" "], text="")
    asked = cases.request_supplement(db, user, case.id, items=["hukou", "户籍证明"],
                                     text="户口簿复印件不清晰，请提供原件及清晰复印件",
                                     due_date=dt.date(2026, 11, 30), now=MON)
    assert asked.state == "supplement"
    sup = asked.open_supplement
    assert sup is not None and sup.items == ("户口簿", "户籍证明")
    assert sup.requirements[0].startswith("原件及复印件") and sup.requirements[1] == ""
    assert (sup.text, sup.due_date, sup.requested_by) == ("户口簿复印件不清晰，请提供原件及清晰复印件",
                                                         dt.date(2026, 11, 30), "王晓丽")
    assert asked.situation == {}  # the 补正 round is the case's detail, not a situation answer
    back = cases.supply_supplement(db, user, case.id, supplied=["户口簿"], note="原件已核", now=TUE)
    assert (back.state, back.visits, back.open_supplement) == ("in_review", 2, None)
    assert (back.supplements[0].supplied_items, back.supplements[0].supplied_note) == (("户口簿",), "原件已核")
    log = _actions(db, case.uuid)
    requested = next(d for a, d in log if a == "case.request_supplement")
    assert requested["items"] == ["户口簿", "户籍证明"] and requested["due_date"] == "2026-11-30"
    assert next(d for a, d in log if a == "case.supply_supplement")["supplied"] == ["户口簿"]
    with db.uow() as s:
        payload = s.scalar(select(OutboxEntry.payload).where(OutboxEntry.kind == "case.request_supplement"))
        assert payload["items"] == ["户口簿", "户籍证明"]


def test_supplement_through_advance_keeps_working_and_online_supply_is_no_visit(setup):
    db, user = setup
    case = _present_all(db, user, cases.start_case(db, user, zhang(), matter_code="M-YIBAO"))
    case = cases.accept_case(db, user, case.id, now=MON)
    asked = cases.advance(db, user, case.id, "request_supplement", reason="户口簿复印件不清晰")
    assert asked.open_supplement.text == "户口簿复印件不清晰" and asked.reason == "户口簿复印件不清晰"
    back = cases.advance(db, None, case.id, "supply_supplement")  # reported by the back office: came online
    assert (back.state, back.visits) == ("in_review", 1)


def test_a_case_started_after_a_notice_continues_it(setup):
    db, user = setup
    first = cases.start_case(db, user, zhang(), matter_code="M-HUJI", answers={"who": ["self"]})
    cases.check_material(db, user, first.id, "id_card", "presented")
    notice = cases.issue_one_time_notice(db, user, first.id, now=MON)
    assert notice.visits == 1 and notice.follows_number is None
    other = cases.start_case(db, user, zhang(), matter_code="M-YIBAO")
    assert other.follows_number is None and other.visits == 0  # another matter: a new start
    again = cases.start_case(db, user, zhang(), matter_code="M-HUJI", answers={"who": ["self"]})
    assert again.follows_number == notice.number and again.visits == 2
    again = cases.set_answers(db, user, again.id, {"who": ["self"]})
    assert again.follows_number == notice.number and again.situation == {"who": ["self"]}
    done = cases.accept_case(db, user, _present_all(db, user, again).id, now=TUE)
    assert (done.follows_number, done.visits) == (notice.number, 2)
    accepted = next(d for a, d in _actions(db, done.uuid) if a == "case.accept")
    assert accepted["follows"] == notice.number and accepted["visits"] == 2
    later = cases.start_case(db, user, zhang(), matter_code="M-HUJI", answers={"who": ["self"]})
    assert later.follows_number is None  # the notice was answered by the accepted case


# --------------------------------------------------------------------------- bundles

def _accepted_bundle(db, user):
    case = cases.start_case(db, user, zhang(), bundle_code="B-BIRTH", answers={"M-HUJI": {"who": ["self"]}})
    return cases.accept_case(db, user, _present_all(db, user, case).id, now=MON)


def test_a_bundle_with_a_decided_matter_is_not_withdrawn_in_part(setup):
    db, user = setup
    bundle = _accepted_bundle(db, user)
    huji, yibao = bundle.children
    cases.advance(db, user, huji.id, "approve")
    cases.advance(db, user, yibao.id, "start_review")
    with pytest.raises(IllegalTransition) as err:
        cases.advance(db, user, bundle.id, "withdraw", reason="申请人不再办理")
    assert "不能整件撤回" in err.value.message and "出生登记（准予许可）" in err.value.message
    after = cases.get_case(db, bundle.id)
    assert after.state == "in_review" and [c.state for c in after.children] == ["approved", "in_review"]
    assert not [a for a, _ in _actions(db, bundle.uuid) if a == "case.withdraw"]
    # the applicant withdraws the open matter only; the bundle follows the other one to handover
    assert cases.advance(db, user, yibao.id, "withdraw", reason="申请人不再办理医保").state == "withdrawn"
    cases.advance(db, user, huji.id, "result_ready")
    assert cases.get_case(db, bundle.id).state == "result_ready"
    assert cases.hand_over(db, user, bundle.id, identity_number=ZHANG).state == "delivered"


def test_withdrawing_a_bundle_withdraws_every_matter_and_stays_withdrawn(setup):
    db, user = setup
    bundle = _accepted_bundle(db, user)
    cases.advance(db, user, bundle.children[0].id, "start_review")
    gone = cases.advance(db, user, bundle.id, "withdraw", reason="申请人撤回申请")
    assert gone.state == "withdrawn" and [c.state for c in gone.children] == ["withdrawn", "withdrawn"]
    assert gone.reason == "申请人撤回申请" and "withdraw" not in gone.allowed_actions
    log = [(a, d.get("after")) for a, d in _actions(db, bundle.uuid)]
    assert ("case.withdraw", "withdrawn") in log and ("case.bundle_follow", "in_review") in log
    assert log[-1] == ("case.withdraw", "withdrawn")  # nothing moved it after the withdrawal


def test_matters_withdrawn_one_by_one_leave_the_bundle_withdrawn_not_ready(setup):
    db, user = setup
    bundle = _accepted_bundle(db, user)
    for child in bundle.children:
        cases.advance(db, user, child.id, "withdraw", reason="申请人撤回")
    assert cases.get_case(db, bundle.id).state == "withdrawn"


def test_ready_matters_of_a_bundle_are_handed_over_while_the_others_go_on(setup):
    db, user = setup
    bundle = _accepted_bundle(db, user)
    huji, yibao = bundle.children
    assert "hand_over" not in cases.get_case(db, bundle.id).allowed_actions
    for action in ("approve", "result_ready"):
        cases.advance(db, user, huji.id, action)
    cases.advance(db, user, yibao.id, "start_review")
    ready = cases.get_case(db, bundle.id)
    assert ready.state == "in_review" and ready.allowed_actions[0] == "hand_over"
    assert "approve" not in ready.allowed_actions  # a bundle is decided through its matters
    part = cases.hand_over(db, user, bundle.id, identity_number=ZHANG, now=TUE)
    assert [c.state for c in part.children] == ["delivered", "in_review"] and part.state == "in_review"
    with pytest.raises(IllegalTransition, match="暂无可领取的结果.*城乡居民医保参保登记（审批中）"):
        cases.hand_over(db, user, bundle.id, identity_number=ZHANG, now=TUE)
    for action in ("approve", "result_ready"):
        cases.advance(db, user, yibao.id, action)
    # the receipt of the matter case works too
    last = cases.hand_over(db, user, cases.find_case(db, yibao.number).id, identity_number=ZHANG, now=WED)
    assert last.state == "delivered" and last.visits == 2  # accepted Monday, collected Wednesday
    whole = cases.get_case(db, bundle.id)
    assert whole.state == "delivered" and whole.visits == 3  # Monday, Tuesday, Wednesday


# --------------------------------------------------------------------------- 即办

def test_immediate_matter_is_finished_right_after_acceptance(setup):
    db, user = setup
    case = _present_all(db, user, cases.start_case(db, user, zhang(), matter_code="M-SBK"))
    accepted = cases.accept_case(db, user, case.id, now=MON)
    done = cases.finish_on_the_spot(db, user, accepted.id, now=MON)
    assert (done.state, done.visits) == ("delivered", 1)
    assert [a for a, _ in _actions(db, done.uuid)][-1] == "case.finish_on_the_spot"
    yb = _present_all(db, user, cases.start_case(db, user, zhang(), matter_code="M-YIBAO"))
    yb = cases.accept_case(db, user, yb.id, now=MON)
    with pytest.raises(IllegalTransition, match="承诺件"):
        cases.finish_on_the_spot(db, user, yb.id)
    bundle = _accepted_bundle(db, user)
    with pytest.raises(IllegalTransition, match="没有可当场办结"):
        cases.finish_on_the_spot(db, user, bundle.id)
