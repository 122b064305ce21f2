"""Intake at the window: start a case, its parties, answers and form, and the three decisions —
受理 (with its number and promised date), 一次性告知, 不予受理."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, forms
from ..auth import COUNTER_ROLES, require_role
from ..db import Database
from ..dto import ApplicantInput, CaseInfo, ProxyInput, UserInfo
from ..errors import IllegalTransition, NotFound, ValidationError
from ..models import Role, Bundle, Case, CheckStatus, Matter, OutboxEntry, Window, local_now
from ..numbering import next_case_number
from ..situations import normalise_answers
from ._common import _get_case, _meta, _now, _set_meta, _setting, FOLLOW_UP_DAYS, REASON_MIN_CHARS, S
from .applicants import _proxy, _upsert_applicant
from .states import _move
from .requirements import _build_checks, _form_fields, _per_matter, _prefill_form, _required, _requirements
from .deadlines import _promised
from .queries import _info
from .checklist import _case_name, _problems_for_acceptance


# --------------------------------------------------------------------------- intake

def start_case(db: Database, user: UserInfo, applicant: ApplicantInput, *, matter_code: str | None = None,
               bundle_code: str | None = None, answers: Mapping[str, Any] | None = None,
               proxy: ProxyInput | None = None, ticket_id: int | None = None,
               window_number: int | None = None, workstation: str = "",
               now: dt.datetime | None = None) -> CaseInfo:
    """A draft case with its material checklist. For a bundle ``answers`` maps matter code →
    answers; shared materials appear once.

    When the applicant's latest numbered case for the same matter (or bundle) is a one-time
    notice (一次性告知) of the last ``FOLLOW_UP_DAYS`` days, the new case continues it:
    ``CaseInfo.follows_number`` is the notified case's number and the visits go on from its count
    (this trip is one more)."""
    require_role(user, COUNTER_ROLES, "受理办件")
    if bool(matter_code) == bool(bundle_code):
        raise ValidationError("请选择一个事项或一件事", "choose one matter or one bundle")
    with db.uow() as s:
        a = _upsert_applicant(s, applicant, user, workstation)
        p = _proxy(s, proxy)
        window = None
        # a village agent (代办员) takes the case for the villager: recorded as the agent, at no window
        if user.role == Role.AGENT.value:
            window_number = None
        if window_number is not None and user.hall_id is not None:
            window = s.scalar(select(Window).where(Window.hall_id == user.hall_id, Window.number == window_number))
        common: dict[str, Any] = dict(
            applicant=a, proxy=p, hall_id=user.hall_id, clerk_id=user.id,
            window_id=window.id if window else None, ticket_id=ticket_id,
            workstation=workstation or _setting(s, "workstation", "W01"),
            catalog_version=_setting(s, "catalog_version", ""), created_at=now or local_now())
        if matter_code:
            matter = s.scalar(select(Matter).where(Matter.code == matter_code, Matter.active.is_(True)))
            if matter is None:
                raise NotFound(f"找不到事项 {matter_code}", f"matter {matter_code} not found")
            case = Case(matter=matter, department=matter.department,
                        situation=normalise_answers(matter, answers), **common)
            s.add(case)
            s.flush()
            _build_checks(s, case, [(matter, case.situation)])
        else:
            bundle = s.scalar(select(Bundle).where(Bundle.code == bundle_code))
            if bundle is None:
                raise NotFound(f"找不到一件事 {bundle_code}", f"bundle {bundle_code} not found")
            case = Case(bundle=bundle, department="多部门联办", situation={}, **common)
            s.add(case)
            s.flush()
            per_matter = []
            for item in bundle.items:
                ans = normalise_answers(item.matter, (answers or {}).get(item.matter.code))
                child = Case(matter=item.matter, department=item.matter.department, situation=ans,
                             parent=case, **common)
                s.add(child)
                per_matter.append((item.matter, ans))
            s.flush()
            _build_checks(s, case, per_matter)
        _prefill_form(case, a)
        previous = _notified_before(s, case)
        if previous is not None:
            _set_meta(case, follows=previous.number)
            case.visits = previous.visits + 1
        audit.record(s, "case.start", username=user.username, workstation=common["workstation"],
                     entity="case", entity_id=case.uuid, matter=matter_code or bundle_code,
                     id_number=a.id_number, follows=previous.number if previous else None)
        return _info(s, case)


def _notified_before(s: Session, case: Case) -> Case | None:
    """The one-time notice this new case answers: the applicant's latest numbered case of the same
    matter or bundle, if it is a notice not older than ``FOLLOW_UP_DAYS``."""
    same = (Case.matter_id == case.matter_id) if case.matter_id is not None else (Case.bundle_id == case.bundle_id)
    last = s.scalar(select(Case).where(Case.applicant_id == case.applicant_id, Case.parent_id.is_(None),
                                       Case.number.is_not(None), Case.id != case.id, same)
                    .order_by(Case.id.desc()).limit(1))
    if last is None or last.state != S.NOTIFIED:
        return None
    if last.finished_at is not None and last.finished_at < _now() - dt.timedelta(days=FOLLOW_UP_DAYS):
        return None
    return last


def update_parties(db: Database, user: UserInfo, case_id: int, applicant: ApplicantInput,
                   proxy: ProxyInput | None) -> CaseInfo:
    """Correct the applicant (phone, address, a mistyped name or number) and set or drop the
    proxy of a draft, before the decision prints them. A bundle's matter cases follow."""
    require_role(user, COUNTER_ROLES, "修改申请人信息")
    with db.uow() as s:
        case = _get_case(s, case_id)
        if case.state != S.DRAFT:
            raise IllegalTransition("办件已提交，申请人信息不能再修改", "parties of a decided case are frozen")
        a = _upsert_applicant(s, applicant, user, case.workstation)
        p = _proxy(s, proxy)
        other_person = a.id != case.applicant_id
        for target in (case, *case.children):
            target.applicant, target.proxy = a, p
        _prefill_form(case, a)
        audit.record(s, "case.parties", username=user.username, workstation=case.workstation, entity="case",
                     entity_id=case.uuid, other_person=other_person, proxy=p.name if p else "")
        return _info(s, case)


def set_answers(db: Database, user: UserInfo, case_id: int, answers: Mapping[str, Any]) -> CaseInfo:
    """Change the situation of a draft; the checklist follows, keeping what was already checked.
    For a bundle ``answers`` maps matter code → answers."""
    require_role(user, COUNTER_ROLES, "修改情形")
    with db.uow() as s:
        case = _get_case(s, case_id)
        if case.state != S.DRAFT:
            raise IllegalTransition("办件已提交，情形不能再修改", "situation is frozen after the decision")
        if case.matter is not None:
            case.situation = normalise_answers(case.matter, answers)
        else:
            for child in case.children:
                if child.matter is not None and child.matter.code in answers:
                    child.situation = normalise_answers(child.matter, answers[child.matter.code])
        _build_checks(s, case, _per_matter(case))
        return _info(s, case)


def set_form(db: Database, user: UserInfo, case_id: int, values: Mapping[str, Any]) -> CaseInfo:
    """Fill in the 申请表 of a draft: ``values`` maps field key → text ("" clears a field); keys
    not given keep their value. Each value is checked by its field's type (dates YYYY-MM-DD,
    numbers, choices, phones and ID numbers by ``clerk.validation``) and stored normalised. If
    any is bad nothing of this call is stored and the ``ValidationError`` names every bad field
    (``details["fields"]``: key → message). A bundle case keeps one value per key for all its
    matters; each matter case gets its own fields' values on acceptance."""
    require_role(user, COUNTER_ROLES, "填写申请表")
    with db.uow() as s:
        case = _get_case(s, case_id)
        if case.state != S.DRAFT:
            raise IllegalTransition("办件已提交，申请表不能再修改；如需更正请走补正", "the form is frozen")
        fields = _form_fields(case)
        if not fields:
            raise ValidationError(f"“{_case_name(case)}”没有需要填写的申请表", "this case has no form")
        clean, problems = forms.clean_values(fields, values)
        if problems:
            raise ValidationError("申请表填写有误：" + "；".join(problems.values()),
                                  "bad form values: " + ", ".join(problems), fields=problems)
        old = dict(case.form_data or {})
        new = {**old, **clean}
        new = {k: v for k, v in new.items() if v}
        changed = {k: new.get(k, "") for k in clean if new.get(k, "") != old.get(k, "")}
        if not changed:
            return _info(s, case)
        case.form_data = new
        case.version += 1
        audit.record(s, "case.form", username=user.username, workstation=case.workstation, entity="case",
                     entity_id=case.uuid, number=case.number, values=forms.masked(fields, changed))
        s.add(OutboxEntry(kind="case.form", entity_uuid=case.uuid,
                          payload={"number": case.number, "version": case.version, "values": changed}))
        return _info(s, case)


def accept_case(db: Database, user: UserInfo, case_id: int, *, delivery: str = "window",
                post_address: str = "", hall_code: str | None = None, workstation: str | None = None,
                now: dt.datetime | None = None) -> CaseInfo:
    """受理: gives the case number and the promised date (working days), freezes the checks."""
    require_role(user, COUNTER_ROLES, "受理办件")
    now = now or _now()
    with db.uow() as s:
        case = _get_case(s, case_id)
        if case.state == S.DRAFT:
            problems = _problems_for_acceptance(case)
            if problems:
                raise ValidationError("；".join(problems), "materials or application form incomplete")
        options = set(case.matter.delivery_options or []) if case.matter else set()
        if delivery not in ("window", "post"):
            raise ValidationError("取件方式只能是窗口领取或邮寄送达", "delivery must be window or post")
        if options and delivery not in options:
            raise ValidationError("该事项不支持邮寄送达，请选择窗口领取" if delivery == "post"
                                  else "该事项只能邮寄送达", "delivery option not offered")
        if delivery == "post" and len(post_address.strip()) < 6:
            raise ValidationError("邮寄送达请填写完整的收件地址（省市县、街道门牌、收件人电话）", "post address required")
        hall = hall_code or _hall_code(s, case)
        ws = workstation or case.workstation or _setting(s, "workstation", "W01")
        due, stat, warnings = _promised(s, case, now.date())
        _give_number(s, case, hall, ws, now.date())
        case.accepted_at, case.promised_date, case.statutory_date = now, due, stat
        case.delivery, case.post_address = delivery, post_address.strip()
        case.visits = max(case.visits, 1)
        for child in case.children:
            child_due, child_stat, _ = _promised(s, child, now.date())
            child.accepted_at, child.delivery, child.post_address = now, delivery, post_address.strip()
            child.promised_date, child.statutory_date = min(due, child_due), child_stat
            child.visits = 1
            # each department gets the form values of its own matter (the bundle case keeps them all)
            child.form_data = {f.key: case.form_data[f.key] for f in _form_fields(child)
                               if (case.form_data or {}).get(f.key)}
            _give_number(s, child, hall, ws, now.date())
            _move(s, child, "accept", user, ws, when=now, promised_date=child.promised_date, parent=case.uuid)
        used = [c.matter.code for c in [case, *case.children] if c.matter] + ([case.bundle.code] if case.bundle else [])
        _move(s, case, "accept", user, ws, when=now, promised_date=due, delivery=delivery,
              matter=case.matter.code if case.matter else None, bundle=case.bundle.code if case.bundle else None,
              checks={c.material_key: c.status for c in case.checks}, follows=_meta(case).get("follows"),
              visits=case.visits)
        info = _info(s, case)
    from ..catalog import record_use  # frequent matters rank first in the search box

    for code in used:
        record_use(db, code)
    return CaseInfo(**{**info.__dict__, "warnings": tuple(warnings)})


def _hall_code(s: Session, case: Case) -> str:
    from ..models import Hall

    hall = s.get(Hall, case.hall_id) if case.hall_id else None
    return hall.code if hall else _setting(s, "hall_code", "33022501")


def _give_number(s: Session, case: Case, hall: str, ws: str, day: dt.date) -> None:
    if not case.number:
        case.number = next_case_number(s, hall, ws, day)


def issue_one_time_notice(db: Database, user: UserInfo, case_id: int, note: str = "",
                          now: dt.datetime | None = None) -> CaseInfo:
    """一次性告知: every missing material, in writing, so the applicant comes back once."""
    require_role(user, COUNTER_ROLES, "出具一次性告知书")
    now = now or _now()
    with db.uow() as s:
        case = _get_case(s, case_id)
        reqs = _requirements(case)
        missing = [c for c in case.checks if c.status in (CheckStatus.MISSING, CheckStatus.PENDING)
                   and _required(reqs, c.material_key)]
        if not missing and case.state == S.DRAFT:
            raise ValidationError("材料已齐全，无需一次性告知，请直接受理", "nothing is missing")
        for c in missing:
            c.status = CheckStatus.MISSING.value
        _give_number(s, case, _hall_code(s, case), case.workstation or "W01", now.date())
        case.visits = max(case.visits, 1)
        case.note = note
        _move(s, case, "notify", user, case.workstation, when=now, missing=[c.material_key for c in missing])
        return _info(s, case)


def refuse_case(db: Database, user: UserInfo, case_id: int, reason: str, now: dt.datetime | None = None) -> CaseInfo:
    """不予受理, with the written reason."""
    require_role(user, COUNTER_ROLES, "不予受理")
    if len(reason.strip()) < REASON_MIN_CHARS:
        raise ValidationError(f"请写明不予受理的理由（不少于 {REASON_MIN_CHARS} 个字）", "a reason is required")
    now = now or _now()
    with db.uow() as s:
        case = _get_case(s, case_id)
        _give_number(s, case, _hall_code(s, case), case.workstation or "W01", now.date())
        case.reason = reason.strip()
        case.visits = max(case.visits, 1)
        _move(s, case, "refuse", user, case.workstation, when=now, reason=case.reason)
        return _info(s, case)
