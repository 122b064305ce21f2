"""Reading cases: ``CaseInfo`` from a row, one case by id or number, lists and search, counts."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from .. import audit, case_rows
from ..db import Database
from ..dto import ApplicantInfo, CaseInfo, CheckInfo, FormFieldInfo, SupplementInfo, UserInfo
from ..errors import NotFound
from ..models import (Applicant, Role, Case, CaseState, Matter, MaterialRequirement,
                      MatterKind, SituationOption, User, Window)
from ..privacy import mask_id, mask_phone
from ._common import _answers, _get_case, _meta, _now, S
from .states import _decided_by_backoffice, ACTIONS, DEPARTMENT_ACTIONS, STATE_LABELS
from .requirements import _form_fields, _requirement_text, _requirements
from .deadlines import _days


# --------------------------------------------------------------------------- reading

def _info(s: Session, case: Case, with_children: bool = True) -> CaseInfo:
    reqs = _requirements(case) if case.checks else {}
    checks = []
    for c in case.checks:
        r = reqs.get(c.material_key)
        checks.append(CheckInfo(
            key=c.material_key, name=c.name, status=c.status, form=c.form, count=c.count,
            required=r.required if r else True, core=r.core if r else False,
            deferrable=r.deferrable if r else False, shareable=r.shareable if r else False,
            share_source=c.share_source, share_reference=c.share_reference, due_date=c.due_date,
            supplied=c.supplied_at is not None, note=c.note,
            requirement=_requirement_text(r.first) if r else "", matters=tuple(r.matter_names) if r else ()))
    a = case.applicant
    applicant = None
    snap = case.parties or {}
    if "applicant" in snap:  # decided: the parties as the documents printed them
        sa = snap["applicant"]
        applicant = ApplicantInfo(id=sa.get("id") or (a.id if a else 0), kind=sa["kind"], name=sa["name"],
                                  id_number_masked=mask_id(sa["id_number"]), phone_masked=mask_phone(sa.get("phone", "")),
                                  address=sa.get("address", ""))
    elif a is not None:
        applicant = ApplicantInfo(id=a.id, kind=a.kind, name=a.name, id_number_masked=mask_id(a.id_number),
                                  phone_masked=mask_phone(a.phone), address=a.address)
    clerk = s.get(User, case.clerk_id) if case.clerk_id else None
    window = s.get(Window, case.window_id) if case.window_id else None
    days, statutory = _days(case)
    name = case.matter.name if case.matter else (case.bundle.name if case.bundle else "")
    dept = case.department or (case.matter.department if case.matter else "")
    actions = tuple(a for a, (src, _, _) in ACTIONS.items() if case.state in src
                    and not (a == "finish_on_the_spot" and (case.matter is None or case.matter.kind != MatterKind.IMMEDIATE)))
    remote: tuple[str, ...] = ()
    if _decided_by_backoffice(s):
        remote = tuple(a for a in actions if a in DEPARTMENT_ACTIONS)
        actions = tuple(a for a in actions if a not in DEPARTMENT_ACTIONS)
    if case.matter is None and case.state != S.DRAFT:
        # a bundle is worked on through its matter cases: it can be withdrawn as a whole, and
        # handed over as soon as one of them is ready (the others follow later)
        actions = tuple(a for a in actions if a == "withdraw")
        if any(c.state == S.RESULT_READY for c in case.children):
            actions = ("hand_over", *actions)
    meta = _meta(case)
    values = case.form_data or {}
    form = tuple(FormFieldInfo(f.key, f.label, f.type, f.required, str(values.get(f.key) or ""), f.options, f.hint,
                               f.max_length, f.matters, f.pattern) for f in _form_fields(case))
    return CaseInfo(
        id=case.id, uuid=case.uuid, number=case.number, state=case.state,
        state_label=STATE_LABELS[CaseState(case.state)], matter_code=case.matter.code if case.matter else None,
        matter_name=name, bundle_code=case.bundle.code if case.bundle else None, department=dept,
        kind=case.matter.kind if case.matter else "bundle", applicant=applicant,
        proxy_name=(snap["proxy"]["name"] if "proxy" in snap else "") if "applicant" in snap
        else (case.proxy.name if case.proxy else ""), situation=_answers(case),
        checks=tuple(checks), created_at=case.created_at, accepted_at=case.accepted_at,
        promised_date=case.promised_date, promised_days=days, statutory_days=statutory,
        delivery=case.delivery, post_address=case.post_address, tracking_number=case.tracking_number,
        visits=case.visits, reason=case.reason, clerk_name=clerk.display_name if clerk else "",
        window_number=window.number if window else None,
        children=tuple(_info(s, c, False) for c in case.children) if with_children else (),
        parent_number=case.parent.number if case.parent else None, allowed_actions=actions,
        follows_number=meta.get("follows"), supplements=tuple(_supplement_info(r) for r in meta.get("supplements", ())),
        backoffice_actions=remote if case.matter is not None else (),
        form=form, agent_name=clerk.display_name if clerk is not None and clerk.role == Role.AGENT.value else "")


def _supplement_info(r: Mapping[str, Any]) -> SupplementInfo:
    def when(text: str | None) -> dt.datetime | None:
        return dt.datetime.fromisoformat(text) if text else None

    items = r.get("items", ())
    return SupplementInfo(
        requested_at=when(r.get("requested_at")) or _now(), items=tuple(i["name"] for i in items),
        requirements=tuple(i.get("requirement", "") for i in items), text=r.get("text", ""),
        requested_by=r.get("by", ""), due_date=dt.date.fromisoformat(r["due_date"]) if r.get("due_date") else None,
        supplied_at=when(r.get("supplied_at")), supplied_items=tuple(r.get("supplied_items", ())),
        supplied_note=r.get("supplied_note", ""), supplied_by=r.get("supplied_by", ""))


def get_case(db: Database, case_id: int, user: UserInfo | None = None) -> CaseInfo:
    with db.uow() as s:
        case = _get_case(s, case_id)
        if user is not None:
            audit.record(s, "case.view", username=user.username, entity="case", entity_id=case.uuid)
        return _info(s, case)


def find_case(db: Database, number: str, user: UserInfo | None = None) -> CaseInfo:
    """By the number printed on the receipt (scanned barcode or typed)."""
    cleaned = "".join(ch for ch in (number or "").strip().upper() if ch.isalnum())
    with db.uow() as s:
        case = s.scalar(select(Case).where(Case.number == cleaned))
        if case is None:
            raise NotFound(f"找不到办件编号 {cleaned or '（空）'}，请核对回执", f"no case numbered {cleaned}")
        if user is not None:
            audit.record(s, "case.view", username=user.username, entity="case", entity_id=case.uuid)
        return _info(s, case)


# the views and the search are defined once, in clerk.case_rows (the table's rows read the same)
SEARCH_MAX, PAGE, clean_query = case_rows.SEARCH_MAX, case_rows.PAGE, case_rows.clean_query


def _load_options() -> list[Any]:
    """Everything ``_info`` reads, in a fixed number of statements whatever the page size."""
    matter_parts = (selectinload(Matter.materials).selectinload(MaterialRequirement.options)
                    .joinedload(SituationOption.question))
    return [joinedload(Case.applicant), joinedload(Case.proxy), joinedload(Case.bundle),
            joinedload(Case.matter).options(matter_parts), selectinload(Case.checks),
            selectinload(Case.children).options(joinedload(Case.matter).options(matter_parts),
                                                selectinload(Case.checks), joinedload(Case.applicant),
                                                joinedload(Case.proxy), joinedload(Case.bundle))]


def _infos(s: Session, rows: Sequence[Case]) -> list[CaseInfo]:
    """``_info`` of many cases with their clerks and windows read in one statement each."""
    cases = [*rows, *(k for c in rows for k in c.children)]
    user_ids = {c.clerk_id for c in cases if c.clerk_id}
    window_ids = {c.window_id for c in cases if c.window_id}
    # held here so they stay in the (weak) identity map, where ``_info``'s ``s.get`` finds them
    held = [*(s.scalars(select(User).where(User.id.in_(user_ids))).all() if user_ids else ()),
            *(s.scalars(select(Window).where(Window.id.in_(window_ids))).all() if window_ids else ())]
    infos = [_info(s, c) for c in rows]
    del held
    return infos


def list_cases(db: Database, view: str = "today", query: str = "", today: dt.date | None = None,
               limit: int = PAGE, before_id: int | None = None) -> list[CaseInfo]:
    """Views: today, open, overdue, due_soon (≤ 2 working days), deferred (materials
    outstanding), all; newest first, ``limit`` at a time — the next page starts ``before_id``
    (the last id shown). ``query`` finds a case number or applicant name by its beginning, or
    the applicant's full ID number. A constant number of statements per page (no per-row loads)."""
    today = today or dt.date.today()
    q = clean_query(query)
    with db.read() as s:
        stmt = (select(Case).where(*case_rows.view_filter(s, view, q, today, before_id, limit))
                .order_by(Case.id.desc()).limit(limit))
        rows = s.scalars(stmt.options(*_load_options())).unique().all()
        return _infos(s, rows)


def count_by_state(db: Database, start: dt.datetime, end: dt.datetime, by: str = "created") -> dict[str, int]:
    """Cases per state created (or accepted) in [start, end): the day's or month's figures,
    through the ``created_at`` / ``accepted_at`` index."""
    column = Case.accepted_at if by == "accepted" else Case.created_at
    with db.read() as s:
        return {state: int(n) for state, n in s.execute(
            select(Case.state, func.count()).where(column >= start, column < end, Case.parent_id.is_(None))
            .group_by(Case.state))}


def applicant_cases(db: Database, kind: str, id_number: str) -> list[CaseInfo]:
    with db.read() as s:
        a = s.scalar(select(Applicant).where(Applicant.kind == kind, Applicant.id_number == id_number.strip().upper()))
        if a is None:
            return []
        cases = s.scalars(select(Case).where(Case.applicant_id == a.id, Case.parent_id.is_(None))
                          .order_by(Case.id.desc()).limit(20))
        return [_info(s, c, False) for c in cases]


def count_cases(db: Database) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Case)) or 0
