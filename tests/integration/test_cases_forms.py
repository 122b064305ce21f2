"""The 申请表 of a case: values checked by type, nothing half-written, a bundle asks a shared field
once, acceptance waits for the required fields, audit masks ID numbers and phones."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from clerk import cases
from clerk.dto import ApplicantInput
from clerk.errors import IllegalTransition, ValidationError
from clerk.models import AuditEntry, Case, Matter, OutboxEntry
from tests.casefixtures import LI, ZHANG, clerk_user, make_catalog, zhang

MON = dt.datetime(2026, 11, 23, 9, 30)

HUJI_FORM = [
    {"key": "baby_name", "label": "新生儿姓名", "type": "text", "required": True, "max_length": 10},
    {"key": "baby_sex", "label": "性别", "type": "choice", "required": True, "options": ["男", "女"]},
    {"key": "birth_date", "label": "出生日期", "type": "date", "required": True},
    {"key": "birth_weight", "label": "出生体重（克）", "type": "number"},
    {"key": "father_id", "label": "父亲身份证号", "type": "id_number"},
    {"key": "contact_phone", "label": "联系电话", "type": "phone"},
    {"key": "birth_cert_no", "label": "出生医学证明编号", "type": "text", "pattern": r"[A-Z]\d{9}",
     "hint": "应为1个大写字母加9位数字"},
]
YIBAO_FORM = [
    {"key": "contact_phone", "label": "联系电话", "type": "phone", "required": True},
    {"key": "insured_type", "label": "参保类别", "type": "choice", "required": True, "options": ["少儿", "成年居民"]},
]


@pytest.fixture
def setup(any_db):
    make_catalog(any_db)
    with any_db.uow() as s:
        s.scalar(select(Matter).where(Matter.code == "M-HUJI")).form_fields = HUJI_FORM
        s.scalar(select(Matter).where(Matter.code == "M-YIBAO")).form_fields = YIBAO_FORM
    return any_db, clerk_user(any_db)


def _present_all(db, user, case):
    for c in case.checks:
        case = cases.check_material(db, user, case.id, c.key, "presented", today=MON.date())
    return case


def _no_phone() -> ApplicantInput:
    return ApplicantInput(name="张三", id_number=ZHANG)


def _start(db, user, applicant: ApplicantInput | None = None):
    return cases.start_case(db, user, applicant or zhang(), matter_code="M-HUJI", answers={"who": ["self"]})


def test_each_type_is_checked_and_stored_normalised(setup):
    db, user = setup
    case = _start(db, user)
    assert [f.key for f in case.form] == [f["key"] for f in HUJI_FORM]
    assert case.form_values == {"contact_phone": "13812345678"}  # the applicant's phone, typed once
    case = cases.set_form(db, user, case.id, {
        "baby_name": " 张小宝 ", "baby_sex": "男", "birth_date": "2026/11/2", "birth_weight": "3,250",
        "father_id": ZHANG.lower(), "contact_phone": "+86 139 0574 0000", "birth_cert_no": "Q123456789"})
    assert case.form_values == {
        "baby_name": "张小宝", "baby_sex": "男", "birth_date": "2026-11-02", "birth_weight": "3250",
        "father_id": ZHANG, "contact_phone": "13905740000", "birth_cert_no": "Q123456789"}
    field = {f.key: f for f in case.form}
    assert field["baby_sex"].options == ("男", "女") and field["baby_name"].required
    case = cases.set_form(db, user, case.id, {"birth_weight": ""})  # "" clears one field, others stay
    assert "birth_weight" not in case.form_values and case.form_values["baby_name"] == "张小宝"


@pytest.mark.parametrize("key, value, words", [
    ("birth_date", "2026-02-30", "出生日期应为有效日期，格式 YYYY-MM-DD"),
    ("birth_date", "去年", "出生日期应为有效日期"),
    ("birth_weight", "三千克", "出生体重（克）应为数字"),
    ("baby_sex", "未知", "性别只能选：男、女"),
    ("contact_phone", "1381234567", "联系电话：手机号码应为 11 位，实为 10 位"),
    ("father_id", ZHANG[:-1] + ("0" if ZHANG[-1] != "0" else "1"), "父亲身份证号："),
    ("baby_name", "张" * 11, "新生儿姓名不能超过10个字"),
    ("birth_cert_no", "123", "出生医学证明编号应为1个大写字母加9位数字"),
    ("no_such", "x", "申请表没有字段“no_such”"),
])
def test_a_bad_value_is_refused_in_chinese_naming_the_field(setup, key, value, words):
    db, user = setup
    case = _start(db, user)
    with pytest.raises(ValidationError) as err:
        cases.set_form(db, user, case.id, {key: value})
    assert words in err.value.message and err.value.details["fields"].keys() == {key}


def test_one_bad_field_keeps_the_whole_call_unwritten_and_lists_every_bad_field(setup):
    db, user = setup
    case = _start(db, user)
    with pytest.raises(ValidationError) as err:
        cases.set_form(db, user, case.id, {"baby_name": "张小宝", "birth_date": "11月2日", "baby_sex": "X"})
    assert err.value.message.startswith("申请表填写有误：")
    assert "出生日期" in err.value.message and "性别" in err.value.message
    assert set(err.value.details["fields"]) == {"birth_date", "baby_sex"}
    assert "baby_name" not in cases.get_case(db, case.id).form_values
    with db.uow() as s:
        assert s.scalars(select(AuditEntry.action).where(AuditEntry.action == "case.form")).all() == []


def test_accept_is_refused_until_the_required_fields_are_filled(setup):
    db, user = setup
    case = _present_all(db, user, _start(db, user))
    with pytest.raises(ValidationError) as err:
        cases.accept_case(db, user, case.id, now=MON)
    assert "申请表未填写：新生儿姓名、性别、出生日期" in err.value.message
    cases.set_form(db, user, case.id, {"baby_name": "张小宝", "baby_sex": "女"})
    with pytest.raises(ValidationError) as err:
        cases.accept_case(db, user, case.id, now=MON)
    assert err.value.message == "申请表未填写：出生日期"
    cases.set_form(db, user, case.id, {"birth_date": "2026-11-02"})
    done = cases.accept_case(db, user, case.id, now=MON)
    assert done.state == "accepted" and done.form_values["birth_date"] == "2026-11-02"
    with pytest.raises(IllegalTransition):  # frozen once accepted
        cases.set_form(db, user, case.id, {"baby_name": "张大宝"})


def test_notice_and_refusal_do_not_need_the_form(setup):
    db, user = setup
    case = _start(db, user)
    assert cases.issue_one_time_notice(db, user, case.id, now=MON).state == "notified"
    other = cases.start_case(db, user, zhang(), matter_code="M-YIBAO")
    assert cases.refuse_case(db, user, other.id, "不属于本中心受理范围", now=MON).state == "refused"


def test_bundle_asks_a_shared_field_once_and_each_matter_case_gets_its_values(setup):
    db, user = setup
    case = cases.start_case(db, user, _no_phone(), bundle_code="B-BIRTH",
                            answers={"M-HUJI": {"who": ["self"]}})
    keys = [f.key for f in case.form]
    assert keys.count("contact_phone") == 1 and keys[-1] == "insured_type"
    phone = next(f for f in case.form if f.key == "contact_phone")
    assert phone.required and phone.matters == ("出生登记", "城乡居民医保参保登记")
    case = _present_all(db, user, case)
    cases.set_form(db, user, case.id, {"baby_name": "张小宝", "baby_sex": "男", "birth_date": "2026-11-02"})
    with pytest.raises(ValidationError) as err:
        cases.accept_case(db, user, case.id, now=MON)
    assert "申请表未填写：联系电话、参保类别" in err.value.message
    cases.set_form(db, user, case.id, {"contact_phone": "13905740000", "insured_type": "少儿"})
    done = cases.accept_case(db, user, case.id, now=MON)
    assert done.state == "accepted"
    by_matter = {c.matter_code: c.form_values for c in done.children}
    assert by_matter["M-YIBAO"] == {"contact_phone": "13905740000", "insured_type": "少儿"}
    assert by_matter["M-HUJI"] == {"baby_name": "张小宝", "baby_sex": "男", "birth_date": "2026-11-02",
                                   "contact_phone": "13905740000"}


def test_changes_are_audited_masked_and_sent_in_full_to_the_back_office(setup):
    db, user = setup
    case = _start(db, user, _no_phone())
    cases.set_form(db, user, case.id, {"father_id": LI, "contact_phone": "13905741234", "baby_name": "张小宝"})
    cases.set_form(db, user, case.id, {"baby_name": "张小宝"})  # unchanged: no new entry
    with db.uow() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "case.form")).all()
        assert len(entries) == 1
        values = entries[0].detail["values"]
        assert values == {"father_id": LI[:4] + "*" * 10 + LI[-4:], "contact_phone": "139****1234",
                          "baby_name": "张小宝"}
        outbox = s.scalars(select(OutboxEntry).where(OutboxEntry.kind == "case.form")).all()
        assert len(outbox) == 1 and outbox[0].payload["values"]["father_id"] == LI
        assert s.get(Case, case.id).version == 2


def test_a_case_without_a_form_refuses_values(setup):
    db, user = setup
    case = cases.start_case(db, user, zhang(), matter_code="M-SBK")
    assert case.form == ()
    with pytest.raises(ValidationError, match="没有需要填写的申请表"):
        cases.set_form(db, user, case.id, {"x": "1"})
