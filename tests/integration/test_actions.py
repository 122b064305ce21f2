"""One screen action, one transaction (clerk/actions.py, Database.atomic): F5 saves the parties and
accepts together or not at all; F4 marks every material or none. SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from clerk import actions, cases
from clerk.dto import ApplicantInput
from clerk.errors import NotFound, ValidationError
from clerk.models import AuditEntry, Case
from tests.casefixtures import ZHANG, clerk_user, make_catalog


def zhang(phone: str = "") -> ApplicantInput:
    return ApplicantInput(name="张三", id_number=ZHANG, phone=phone)


@pytest.fixture
def setup(any_db):
    make_catalog(any_db)
    return any_db, clerk_user(any_db)


def audit_count(db, action: str) -> int:
    with db.uow() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


def test_f5_saves_parties_and_accepts_in_one_transaction(setup):
    db, user = setup
    draft = cases.start_case(db, user, zhang(), matter_code="M-YIBAO")
    actions.present_all(db, user, draft.id, [c.key for c in draft.checks])
    done = actions.accept_with(db, user, draft.id, applicant=zhang(phone="13812345678"), proxy=None)
    assert done.state == "accepted" and done.number and done.applicant.phone_masked == "138****5678"
    assert audit_count(db, "case.parties") == 1 and audit_count(db, "case.accept") == 1


def test_a_refused_acceptance_leaves_the_draft_exactly_as_it_was(setup):
    db, user = setup
    draft = cases.start_case(db, user, zhang(), matter_code="M-YIBAO")   # nothing checked yet
    with pytest.raises(ValidationError, match="缺少或未核验"):
        actions.accept_with(db, user, draft.id, applicant=zhang(phone="13812345678"), proxy=None)
    after = cases.get_case(db, draft.id)
    assert after.state == "draft" and after.number is None
    assert after.applicant.phone_masked == ""          # the parties of the failed F5 were not kept
    assert audit_count(db, "case.parties") == 0


def test_f4_marks_every_material_or_none(setup):
    db, user = setup
    draft = cases.start_case(db, user, zhang(), matter_code="M-YIBAO")
    keys = [c.key for c in draft.checks]
    with pytest.raises(NotFound):
        actions.present_all(db, user, draft.id, [*keys[:1], "no-such-material", *keys[1:]])
    assert {c.status for c in cases.get_case(db, draft.id).checks} == {"pending"}
    info = actions.present_all(db, user, draft.id, keys)
    assert {c.status for c in info.checks} == {"presented"}


def test_a_failed_part_dooms_the_whole_even_when_the_error_is_swallowed(setup):
    db, user = setup
    draft = cases.start_case(db, user, zhang(), matter_code="M-YIBAO")
    with pytest.raises(RuntimeError, match="rolled back"):
        with db.atomic():
            cases.update_parties(db, user, draft.id, zhang(phone="13812345678"), None)
            try:
                cases.check_material(db, user, draft.id, "no-such-material", "presented")
            except NotFound:
                pass
    assert cases.get_case(db, draft.id).applicant.phone_masked == ""


def test_only_the_thread_that_opened_atomic_joins_it(setup):
    import threading

    from clerk.db import UnitOfWork

    db, user = setup
    draft = cases.start_case(db, user, zhang(), matter_code="M-YIBAO")
    kinds = []
    with db.atomic():
        cases.update_parties(db, user, draft.id, zhang(phone="13812345678"), None)
        kinds.append(type(db.uow()).__name__)
        t = threading.Thread(target=lambda: kinds.append(type(db.uow()).__name__))
        t.start()
        t.join()
    kinds.append(type(db.uow()).__name__)
    assert kinds == ["_JoinedUnit", UnitOfWork.__name__, UnitOfWork.__name__]
    assert cases.get_case(db, draft.id).applicant.phone_masked == "138****5678"
    with db.uow() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 1
