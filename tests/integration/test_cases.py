"""Intake and case life on a real database: what the clerk does, what the rules refuse."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from clerk import cases
from clerk.dto import ProxyInput
from clerk.errors import IllegalTransition, PermissionDenied, ValidationError
from clerk.models import AuditEntry, OutboxEntry
from tests.casefixtures import LI, ZHANG, clerk_user, make_catalog, zhang

MON = dt.datetime(2026, 11, 23, 9, 30)  # a Monday


@pytest.fixture
def setup(any_db):
    make_catalog(any_db)
    return any_db, clerk_user(any_db)


def _present_all(db, user, case):
    for c in case.checks:
        case = cases.check_material(db, user, case.id, c.key, "presented", today=MON.date())
    return case


def test_single_matter_acceptance_gives_number_promised_date_and_audit(setup):
    db, user = setup
    case = cases.start_case(db, user, zhang(), matter_code="M-HUJI", answers={"who": ["self"]}, window_number=1)
    assert [c.key for c in case.checks] == ["id_card", "birth_cert", "photo"]  # no 委托书 for 本人
    assert case.applicant.id_number_masked == ZHANG[:4] + "*" * 10 + ZHANG[-4:]
    case = _present_all(db, user, case)
    done = cases.accept_case(db, user, case.id, now=MON)
    assert done.state == "accepted" and done.state_label == "已受理"
    assert done.number == "33022501W01202611230001"
    assert done.promised_date == dt.date(2026, 11, 26)  # 3 working days after Monday
    assert done.window_number == 1 and done.clerk_name == "王晓丽"
    with db.uow() as s:
        actions = s.scalars(select(AuditEntry.action)).all()
        assert "case.start" in actions and "case.accept" in actions
        assert all(ZHANG not in str(e.detail) for e in s.scalars(select(AuditEntry)))
        assert s.scalar(select(OutboxEntry.kind).where(OutboxEntry.kind == "case.accept")) == "case.accept"


def test_choosing_proxy_adds_the_power_of_attorney_and_keeps_checked_materials(setup):
    db, user = setup
    case = cases.start_case(db, user, zhang(), matter_code="M-HUJI", answers={"who": ["self"]},
                            proxy=ProxyInput(name="李四", id_number=LI, authorisation="委托书 2026-001"))
    case = cases.check_material(db, user, case.id, "birth_cert", "presented")
    case = cases.set_answers(db, user, case.id, {"who": ["proxy"]})
    assert [c.key for c in case.checks][-1] == "power_of_attorney"
    assert {c.key: c.status for c in case.checks}["birth_cert"] == "presented"
    assert case.proxy_name == "李四"


def test_incomplete_materials_are_refused_with_every_missing_name(setup):
    db, user = setup
    case = cases.start_case(db, user, zhang(), matter_code="M-HUJI", answers={"who": ["self"]})
    cases.check_material(db, user, case.id, "id_card", "presented")
    with pytest.raises(ValidationError) as err:
        cases.accept_case(db, user, case.id, now=MON)
    assert "出生医学证明" in err.value.message and "婴儿近期照片" in err.value.message
    assert cases.get_case(db, case.id).state == "draft"


def test_one_time_notice_lists_everything_missing(setup):
    db, user = setup
    case = cases.start_case(db, user, zhang(), matter_code="M-HUJI", answers={"who": ["self"]})
    cases.check_material(db, user, case.id, "id_card", "presented")
    notice = cases.issue_one_time_notice(db, user, case.id, now=MON)
    assert notice.state == "notified" and notice.number
    missing = [c.name for c in notice.checks if c.status == "missing"]
    assert missing == ["出生医学证明", "婴儿近期照片"]
    assert all(c.requirement for c in notice.checks)


def test_deferral_rules(setup):
    db, user = setup
    case = cases.start_case(db, user, zhang(), matter_code="M-HUJI", answers={"who": ["self"]})
    with pytest.raises(ValidationError, match="核心材料"):
        cases.check_material(db, user, case.id, "birth_cert", "deferred", due_date=MON.date(), today=MON.date())
    with pytest.raises(ValidationError, match="不能晚于承诺办结日期"):
        cases.check_material(db, user, case.id, "photo", "deferred", due_date=dt.date(2026, 12, 31), today=MON.date())
    cases.check_material(db, user, case.id, "photo", "deferred", due_date=dt.date(2026, 11, 25), today=MON.date())
    cases.check_material(db, user, case.id, "id_card", "presented")
    with pytest.raises(ValidationError, match="核心材料不齐全时不能容缺受理"):
        cases.accept_case(db, user, case.id, now=MON)
    cases.check_material(db, user, case.id, "birth_cert", "presented")
    done = cases.accept_case(db, user, case.id, now=MON)
    assert [c.key for c in cases.list_cases(db, "deferred", today=MON.date())[0].checks if c.status == "deferred"] == ["photo"]
    reminders = cases.deferred_reminders(db, today=dt.date(2026, 11, 26))
    assert [(r.case_number, r.material, r.overdue) for r in reminders] == [(done.number, "婴儿近期照片", True)]
    assert cases.deferred_reminders(db, today=dt.date(2026, 11, 20)) == []  # not due within 2 working days
    cases.supply_deferred(db, user, done.id, "photo")
    assert cases.list_cases(db, "deferred", today=MON.date()) == []
    assert cases.deferred_reminders(db, today=dt.date(2026, 11, 26)) == []
    with pytest.raises(Exception, match="没有待补交|已于"):
        cases.supply_deferred(db, user, done.id, "photo")


def test_shared_material_needs_a_reference_and_a_shareable_material(setup):
    db, user = setup
    case = cases.start_case(db, user, zhang(), matter_code="M-HUJI", answers={"who": ["self"]})
    with pytest.raises(ValidationError, match="共享凭证号"):
        cases.check_material(db, user, case.id, "id_card", "shared")
    with pytest.raises(ValidationError, match="不能通过数据共享获取"):
        cases.check_material(db, user, case.id, "birth_cert", "shared", share_reference="X")
    case = cases.check_material(db, user, case.id, "id_card", "shared", share_reference="GA-2026-778")
    c = case.checks[0]
    assert (c.status, c.share_source, c.share_reference) == ("shared", "公安人口信息库", "GA-2026-778")


def test_refusal_needs_a_reason_and_is_final(setup):
    db, user = setup
    case = cases.start_case(db, user, zhang(), matter_code="M-YIBAO")
    with pytest.raises(ValidationError, match="理由"):
        cases.refuse_case(db, user, case.id, "")
    refused = cases.refuse_case(db, user, case.id, "申请人已在外省参保，不属于本县受理范围")
    assert refused.state == "refused" and refused.number
    with pytest.raises(IllegalTransition, match="不予受理.*不能受理"):
        cases.accept_case(db, user, case.id)


def test_bundle_dedupes_shared_materials_and_finishes_with_its_cases(setup):
    db, user = setup
    case = cases.start_case(db, user, zhang(), bundle_code="B-BIRTH", answers={"M-HUJI": {"who": ["self"]}})
    keys = [c.key for c in case.checks]
    assert keys.count("id_card") == 1 and set(keys) == {"id_card", "birth_cert", "photo", "hukou"}
    id_check = next(c for c in case.checks if c.key == "id_card")
    assert id_check.matters == ("出生登记", "城乡居民医保参保登记")
    case = _present_all(db, user, case)
    done = cases.accept_case(db, user, case.id, now=MON)
    assert len(done.children) == 2 and all(c.number and c.state == "accepted" for c in done.children)
    assert done.promised_date == dt.date(2026, 11, 25)  # bundle promise: 2 working days
    assert len({done.number, *[c.number for c in done.children]}) == 3
    for child in done.children:
        for action in ("start_review", "approve", "result_ready"):
            cases.advance(db, user, child.id, action)
    assert cases.get_case(db, done.id).state == "result_ready"
    with pytest.raises(ValidationError, match="不是申请人"):
        cases.hand_over(db, user, done.id, by="window", identity_number=LI)
    handed = cases.hand_over(db, user, done.id, by="window", identity_number=ZHANG)
    assert handed.state == "delivered" and all(c.state == "delivered" for c in handed.children)
    assert handed.visits == 2


def _ready(db, user, matter="M-HUJI", **accept):
    answers = {"who": ["self"]} if matter == "M-HUJI" else None
    case = _present_all(db, user, cases.start_case(db, user, zhang(), matter_code=matter, answers=answers))
    done = cases.accept_case(db, user, case.id, now=MON, **accept)
    for action in ("approve", "result_ready"):
        cases.advance(db, user, done.id, action)
    return done


def test_handover_by_scanned_receipt_number_and_post(setup):
    db, user = setup
    done = _ready(db, user, delivery="post", post_address="象山县丹东街道天安路 1 号 13812345678")
    found = cases.find_case(db, f" {done.number.lower()}\r\n", user)
    assert found.id == done.id and found.state == "result_ready"
    with pytest.raises(ValidationError, match="快递单号"):
        cases.hand_over(db, user, found.id, by="post")
    with pytest.raises(ValidationError, match="6–30 位字母或数字"):
        cases.hand_over(db, user, found.id, by="post", tracking_number="顺丰#12")
    posted = cases.hand_over(db, user, found.id, by="post", tracking_number="SF1234567890")
    assert (posted.state, posted.tracking_number, posted.visits) == ("delivered", "SF1234567890", 1)


def test_post_handover_records_carrier_and_needs_an_address_and_a_matter_that_posts(setup):
    db, user = setup
    window_only = _ready(db, user, "M-YIBAO")
    with pytest.raises(ValidationError, match="只能窗口领取"):
        cases.hand_over(db, user, window_only.id, by="post", tracking_number="SF1234567890")
    no_address = _ready(db, user)  # accepted for pickup at the window: no address yet
    with pytest.raises(ValidationError, match="收件地址"):
        cases.hand_over(db, user, no_address.id, by="post", carrier="顺丰速运", tracking_number="SF1234567890")
    posted = cases.hand_over(db, user, no_address.id, by="post", carrier="顺丰速运", tracking_number="sf 1234 5678 90",
                             post_address="象山县丹东街道天安路 1 号")
    assert (posted.state, posted.delivery, posted.tracking_number) == ("delivered", "post", "顺丰速运 SF1234567890")
    assert posted.post_address == "象山县丹东街道天安路 1 号" and posted.visits == 1  # posting is no visit
    with db.uow() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "case.hand_over")).all()[-1]
        assert (entry.detail["by"], entry.detail["carrier"], entry.detail["tracking_number"]) == \
            ("post", "顺丰速运", "SF1234567890")


def test_immediate_matter_finishes_on_the_spot_but_a_committed_one_cannot(setup):
    db, user = setup
    sbk = _present_all(db, user, cases.start_case(db, user, zhang(), matter_code="M-SBK"))
    sbk = cases.accept_case(db, user, sbk.id, now=MON)
    assert sbk.promised_date == MON.date() and "finish_on_the_spot" in sbk.allowed_actions
    assert cases.advance(db, user, sbk.id, "finish_on_the_spot").state == "delivered"
    yb = _present_all(db, user, cases.start_case(db, user, zhang(), matter_code="M-YIBAO"))
    yb = cases.accept_case(db, user, yb.id, now=MON)
    with pytest.raises(IllegalTransition, match="承诺件"):
        cases.advance(db, user, yb.id, "finish_on_the_spot")


@pytest.mark.parametrize("path,action", [
    ((), "approve"), ((), "hand_over"), (("approve",), "request_supplement"),
    (("approve", "result_ready"), "withdraw"), (("request_supplement",), "approve"),
])
def test_illegal_moves_are_refused_with_a_reason(setup, path, action):
    db, user = setup
    case = _present_all(db, user, cases.start_case(db, user, zhang(), matter_code="M-YIBAO"))
    if path or action != "approve":
        case = cases.accept_case(db, user, case.id, now=MON)
    for step in path:
        cases.advance(db, user, case.id, step, reason="x" if step == "request_supplement" else "")
    with pytest.raises(IllegalTransition, match="当前为“.+”，不能"):
        if action == "hand_over":
            cases.hand_over(db, user, case.id, identity_number=ZHANG)
        else:
            cases.advance(db, user, case.id, action, reason="原因说明")


def test_supplement_round_trip(setup):
    db, user = setup
    case = cases.accept_case(db, user, _present_all(db, user, cases.start_case(db, user, zhang(), matter_code="M-YIBAO")).id, now=MON)
    assert cases.advance(db, user, case.id, "request_supplement", reason="户口簿复印件不清晰").state == "supplement"
    assert cases.advance(db, user, case.id, "supply_supplement").state == "in_review"


def test_manager_may_not_take_cases_and_bad_identity_is_refused(setup):
    db, _ = setup
    manager = clerk_user(db, "manager")
    from clerk.dto import ApplicantInput
    with pytest.raises(PermissionDenied, match="窗口人员"):
        cases.start_case(db, manager, zhang(), matter_code="M-YIBAO")
    user = clerk_user(db)
    with pytest.raises(ValidationError, match="校验"):
        cases.start_case(db, user, ApplicantInput(name="张三", id_number=ZHANG[:-1] + ("0" if ZHANG[-1] != "0" else "1")),
                         matter_code="M-YIBAO")


def test_evaluation_needs_a_reason_when_unhappy(setup):
    db, user = setup
    case = cases.accept_case(db, user, _present_all(db, user, cases.start_case(db, user, zhang(), matter_code="M-YIBAO")).id, now=MON)
    with pytest.raises(ValidationError, match="请选择原因"):
        cases.evaluate(db, case.id, 2)
    assert cases.evaluate(db, case.id, 2, reason_tags=["等候时间长"]) > 0
    assert cases.evaluate(db, case.id, 5, stage="handover") > 0
    with pytest.raises(ValidationError):
        cases.evaluate(db, case.id, 6)


def test_full_id_is_revealed_only_with_an_audit_entry(setup):
    db, user = setup
    case = cases.start_case(db, user, zhang(), matter_code="M-YIBAO")
    assert cases.reveal_applicant_id(db, case.id, user) == ZHANG
    with db.uow() as s:
        assert s.scalar(select(AuditEntry.action).where(AuditEntry.action == "applicant.reveal_id"))
    assert len(cases.applicant_cases(db, "person", ZHANG)) == 1
