"""The applicant and proxy of a draft can be corrected before the decision prints them; after
the decision they are frozen. Runs on SQLite and, in CI, on PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from clerk import cases
from clerk.dto import ApplicantInput, ProxyInput
from clerk.errors import IllegalTransition, ValidationError
from clerk.models import AuditEntry
from tests.casefixtures import LI, ZHANG, clerk_user, make_catalog


def zhang(phone: str = "", **kw) -> ApplicantInput:
    return ApplicantInput(name="张三", id_number=ZHANG, phone=phone, **kw)


@pytest.fixture
def setup(any_db):
    make_catalog(any_db)
    return any_db, clerk_user(any_db)


def test_phone_and_proxy_added_to_a_draft_reach_the_accepted_case(setup):
    db, user = setup
    case = cases.start_case(db, user, zhang(), matter_code="M-YIBAO")
    assert case.applicant.phone_masked == "" and case.proxy_name == ""
    proxy = ProxyInput(name="李四", id_number=LI, phone="13857400000", relation="亲属", authorisation="委托书 2026-118")
    case = cases.update_parties(db, user, case.id, zhang(phone="13812345678", address="丹东街道 1 号"), proxy)
    assert case.applicant.phone_masked == "138****5678" and case.proxy_name == "李四"
    for c in case.checks:
        cases.check_material(db, user, case.id, c.key, "presented")
    done = cases.accept_case(db, user, case.id)
    assert done.applicant.phone_masked == "138****5678" and done.applicant.address == "丹东街道 1 号"
    assert done.proxy_name == "李四"
    with db.uow() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "case.parties"))
        assert entry.detail["proxy"] == "李四" and LI not in str(entry.detail)
    with pytest.raises(IllegalTransition, match="申请人信息不能再修改"):
        cases.update_parties(db, user, done.id, zhang(phone="13900000000"), None)


def test_bad_input_is_refused_and_the_draft_keeps_what_it_had(setup):
    db, user = setup
    case = cases.start_case(db, user, zhang(phone="13812345678"), matter_code="M-YIBAO")
    with pytest.raises(ValidationError, match="授权委托书"):
        cases.update_parties(db, user, case.id, zhang(), ProxyInput(name="李四", id_number=LI, authorisation=""))
    with pytest.raises(ValidationError):
        cases.update_parties(db, user, case.id, zhang(phone="12345"), None)
    again = cases.get_case(db, case.id)
    assert again.applicant.phone_masked == "138****5678" and again.proxy_name == ""


def test_bundle_matter_cases_follow_the_corrected_parties(setup):
    db, user = setup
    case = cases.start_case(db, user, zhang(), bundle_code="B-BIRTH")
    proxy = ProxyInput(name="李四", id_number=LI, authorisation="委托书 7")
    case = cases.update_parties(db, user, case.id, zhang(phone="13812345678"), proxy)
    assert case.children and all(ch.proxy_name == "李四" for ch in case.children)
    assert all(ch.applicant.phone_masked == "138****5678" for ch in case.children)
