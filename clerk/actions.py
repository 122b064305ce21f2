"""Screen actions: one key at the counter, one transaction.

F5 (受理) saves what is on the screen — the parties, form values typed but not yet saved — and
accepts; F6/F7 do the same before the notice or the refusal; F4 marks every outstanding material
as presented. Each is built from the ``clerk.cases`` services inside one ``Database.atomic()``,
so the whole action commits, or nothing of it does (a refused acceptance leaves the draft as it
was; the screen keeps what was typed).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from . import cases
from .db import Database
from .dto import ApplicantInput, CaseInfo, ProxyInput, UserInfo


def decide_with(db: Database, user: UserInfo, case_id: int, decide: Callable[[int], CaseInfo], *,
                applicant: ApplicantInput | None = None, proxy: ProxyInput | None = None,
                form: Mapping[str, Any] | None = None) -> CaseInfo:
    """Save the parties (when ``applicant`` is given) and the ``form`` values, then
    ``decide(case_id)`` — all in one transaction."""
    with db.atomic(user=user):
        if applicant is not None:
            cases.update_parties(db, user, case_id, applicant, proxy)
        if form:
            cases.set_form(db, user, case_id, form)
        return decide(case_id)


def accept_with(db: Database, user: UserInfo, case_id: int, *, applicant: ApplicantInput | None = None,
                proxy: ProxyInput | None = None, form: Mapping[str, Any] | None = None,
                delivery: str = "window", post_address: str = "", workstation: str | None = None) -> CaseInfo:
    """F5: parties + form + 受理, one transaction."""
    return decide_with(db, user, case_id, lambda cid: cases.accept_case(
        db, user, cid, delivery=delivery, post_address=post_address, workstation=workstation),
        applicant=applicant, proxy=proxy, form=form)


def notice_with(db: Database, user: UserInfo, case_id: int, *, applicant: ApplicantInput | None = None,
                proxy: ProxyInput | None = None, form: Mapping[str, Any] | None = None) -> CaseInfo:
    """F6: parties + form + 一次性告知, one transaction."""
    return decide_with(db, user, case_id, lambda cid: cases.issue_one_time_notice(db, user, cid),
                       applicant=applicant, proxy=proxy, form=form)


def refuse_with(db: Database, user: UserInfo, case_id: int, reason: str, *,
                applicant: ApplicantInput | None = None, proxy: ProxyInput | None = None,
                form: Mapping[str, Any] | None = None) -> CaseInfo:
    """F7: parties + form + 不予受理, one transaction."""
    return decide_with(db, user, case_id, lambda cid: cases.refuse_case(db, user, cid, reason),
                       applicant=applicant, proxy=proxy, form=form)


def present_all(db: Database, user: UserInfo, case_id: int, keys: Sequence[str]) -> CaseInfo:
    """F4: every material in ``keys`` presented (the catalog's count and form), one transaction."""
    with db.atomic(user=user):
        info = None
        for key in keys:
            info = cases.check_material(db, user, case_id, key, "presented")
        return info or cases.get_case(db, case_id)
