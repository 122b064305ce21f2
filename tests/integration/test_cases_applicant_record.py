"""A case keeps the parties it was decided with; the applicant record changes only with the
clerk's confirmation, audited; deciding questions must be answered before acceptance.
Runs on SQLite and, in CI, on PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from clerk import cases
from clerk.dto import ApplicantInput
from clerk.errors import ApplicantChanged, ValidationError
from clerk.models import Applicant, AuditEntry
from tests.casefixtures import ZHANG, clerk_user, make_catalog


@pytest.fixture
def setup(any_db):
    make_catalog(any_db)
    return any_db, clerk_user(any_db)


def _accepted(db, user, applicant: ApplicantInput, matter: str = "M-YIBAO"):
    case = cases.start_case(db, user, applicant, matter_code=matter)
    for c in case.checks:
        cases.check_material(db, user, case.id, c.key, "presented")
    return cases.accept_case(db, user, case.id)


def test_a_name_typed_for_a_card_read_number_asks_and_earlier_cases_keep_their_name(setup):
    """Given five cases accepted for 王小明 read from the card, when 张三 is typed with the same
    number, then nothing changes until the clerk confirms; after confirming, the earlier cases
    still show 王小明, the new one 张三, and the change is audited old → new."""
    db, user = setup
    card = ApplicantInput(name="王小明", id_number=ZHANG, from_card=True)
    earlier = [_accepted(db, user, card) for _ in range(5)]
    typed = ApplicantInput(name="张三", id_number=ZHANG)
    with pytest.raises(ApplicantChanged) as refused:
        cases.start_case(db, user, typed, matter_code="M-YIBAO")
    assert "王小明" in refused.value.message and "张三" in refused.value.message and "读卡" in refused.value.message
    assert refused.value.details == {"old": "王小明", "new": "张三", "old_from_card": True}
    with db.uow() as s:
        assert s.scalar(select(Applicant.name).where(Applicant.id_number == ZHANG)) == "王小明"
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "applicant.change")) is None

    new = _accepted(db, user, ApplicantInput(name="张三", id_number=ZHANG, confirm_change=True))
    assert new.applicant.name == "张三"
    for c in earlier:
        again = cases.get_case(db, c.id)
        assert again.applicant.name == "王小明"
        assert cases.find_case(db, c.number).applicant.name == "王小明"
    with db.uow() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "applicant.change"))
        assert entry.detail["name"] == {"old": "王小明", "new": "张三"} and entry.username == user.username
        assert s.scalar(select(Applicant.name_source).where(Applicant.id_number == ZHANG)) == "typed"


def test_the_same_name_again_needs_no_confirmation_and_a_phone_change_is_audited_masked(setup):
    db, user = setup
    _accepted(db, user, ApplicantInput(name="张三", id_number=ZHANG, phone="13812345678"))
    _accepted(db, user, ApplicantInput(name="张三", id_number=ZHANG, phone="13900001111"))
    with db.uow() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "applicant.change"))
        assert entry.detail == {"phone": {"old": "138****5678", "new": "139****1111"}}


def test_a_draft_keeps_following_the_record_until_it_is_decided(setup):
    db, user = setup
    draft = cases.start_case(db, user, ApplicantInput(name="张三", id_number=ZHANG), matter_code="M-YIBAO")
    fixed = cases.update_parties(db, user, draft.id, ApplicantInput(name="张叁", id_number=ZHANG, confirm_change=True),
                                 None)
    assert fixed.applicant.name == "张叁"


def test_acceptance_needs_the_questions_that_decide_materials(setup):
    """出生登记's “由谁办理？” decides whether a 授权委托书 is needed: unanswered, the case is not
    accepted and the message names the question; answered, it is."""
    db, user = setup
    case = cases.start_case(db, user, ApplicantInput(name="张三", id_number=ZHANG), matter_code="M-HUJI")
    for c in case.checks:
        cases.check_material(db, user, case.id, c.key, "presented")
    with pytest.raises(ValidationError, match="由谁办理"):
        cases.accept_case(db, user, case.id)
    assert cases.get_case(db, case.id).state == "draft"
    cases.set_answers(db, user, case.id, {"who": ["self"]})
    assert cases.accept_case(db, user, case.id).state == "accepted"
