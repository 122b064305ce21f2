"""After acceptance: back-office progress (``advance``, withdrawal), 补正, finishing on the spot,
deferred (容缺) materials brought later, handover, and the reminders of deferred materials."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from .. import audit
from ..auth import COUNTER_ROLES, require_role
from ..db import Database
from ..dto import CaseInfo, UserInfo
from ..errors import IllegalTransition, NotFound, ValidationError
from ..models import Case, CaseState, CheckStatus, MaterialCheck, MatterKind, OutboxEntry
from ..privacy import mask_phone
from ._common import _get_case, _label, _meta, _now, _set_meta, S
from .states import _count_visit, _matter_case, _move, _refuse_department_decision, ACTIONS, OPEN_STATES, STATE_LABELS
from .requirements import _requirement_text, _requirements
from .deadlines import _calendar
from .queries import _info


CARRIERS = ("中国邮政EMS", "顺丰速运", "京东物流", "中通快递", "圆通速递", "韵达快递", "申通快递")
_TRACKING = re.compile(r"^[A-Z0-9][A-Z0-9-]{5,29}$")


# --------------------------------------------------------------------------- after acceptance

def advance(db: Database, user: UserInfo | None, case_id: int, action: str, *, reason: str = "",
            note: str = "", now: dt.datetime | None = None) -> CaseInfo:
    """Back-office progress: start_review, request_supplement, supply_supplement, approve,
    reject, result_ready, finish_on_the_spot, withdraw.

    ``request_supplement`` and ``supply_supplement`` go to the functions of the same name (the
    reason is the 补正 explanation; a supplement reported with a signed-in user was brought to the
    window, one without came in online).

    Withdrawing a bundle (一件事) withdraws it as a whole: every matter case that is still open
    for withdrawal is withdrawn with it. If one of them is already decided, ready or handed over,
    nothing is withdrawn and the reason names those matters — the applicant then withdraws the
    others one by one (each matter case has its own number), and the bundle follows."""
    if action not in ACTIONS or action in ("accept", "notify", "refuse", "hand_over"):
        raise ValidationError(f"未知的办件操作：{action}", f"unknown action {action}")
    if action in ("reject", "withdraw", "request_supplement") and not (reason or note).strip():
        raise ValidationError(f"{ACTIONS[action][2]}须写明原因", "a reason is required")
    if action == "request_supplement":
        return request_supplement(db, user, case_id, text=(reason or note), now=now)
    if action == "supply_supplement":
        return supply_supplement(db, user, case_id, note=note or reason, in_person=user is not None, now=now)
    now = now or _now()
    with db.uow() as s:
        _refuse_department_decision(s, action)
        case = _get_case(s, case_id)
        if action != "withdraw":
            _matter_case(case, "操作")
        if action == "withdraw" and case.matter is None and case.children:
            _withdraw_bundle(s, case, user, reason, now)
            return _info(s, case)
        _move(s, case, action, user, case.workstation, when=now, reason=reason, note=note)
        if reason:
            case.reason = reason
        if action in ("approve", "reject", "finish_on_the_spot"):
            case.decided_at = now
        return _info(s, case)


def _withdraw_bundle(s: Session, case: Case, user: UserInfo | None, reason: str,
                     now: dt.datetime | None = None) -> None:
    sources = ACTIONS["withdraw"][0]
    if case.state not in sources:  # the bundle's own state first: the usual refusal
        _move(s, case, "withdraw", user, case.workstation, when=now, reason=reason)
    past = [c for c in case.children if c.state != S.WITHDRAWN and c.state not in sources]
    if past:
        names = "、".join(f"{c.matter.name if c.matter else _label(c)}（{STATE_LABELS[CaseState(c.state)]}）"
                         for c in past)
        raise IllegalTransition(
            f"一件事“{case.bundle.name if case.bundle else _label(case)}”不能整件撤回：{names}已审结或办结。"
            "如申请人只撤回其余事项，请打开该事项的办件（扫描或输入其办件编号）逐项撤回",
            "a matter of this bundle is past withdrawal")
    _move(s, case, "withdraw", user, case.workstation, when=now, reason=reason,
          children=[c.number for c in case.children if c.state != S.WITHDRAWN])
    case.reason = reason
    for child in case.children:
        if child.state != S.WITHDRAWN:
            _move(s, child, "withdraw", user, case.workstation, when=now, reason=reason, parent=case.uuid)
            child.reason = reason


def request_supplement(db: Database, user: UserInfo | None, case_id: int, items: Sequence[str] = (),
                       text: str = "", *, due_date: dt.date | None = None,
                       now: dt.datetime | None = None) -> CaseInfo:
    """补正: ask the applicant for more or corrected material. ``items`` are the materials asked
    for, one per entry — a material key or name of the case's checklist (its requirement is
    kept with it) or any other document in words; ``text`` says what is wrong or how to correct
    it; one of the two is needed. The request is kept on the case (``CaseInfo.supplements``) and
    in the audit entry, for the 补正材料通知书 (``printing.casedocs``, kind ``supplement``)."""
    now = now or _now()
    text = (text or "").strip()
    wanted = list(dict.fromkeys(i.strip() for i in items if i and i.strip()))
    if not wanted and not text:
        raise ValidationError("要求补正须写明需补正的材料或补正说明", "say what is to be supplemented")
    if due_date is not None and due_date < now.date():
        raise ValidationError("补正期限不能早于今天", "due date in the past")
    with db.uow() as s:
        _refuse_department_decision(s, "request_supplement")
        case = _get_case(s, case_id)
        _matter_case(case, "要求补正")
        listed = case.checks or (case.parent.checks if case.parent is not None else [])
        reqs = _requirements(case.parent) if not case.checks and case.parent is not None else (
            _requirements(case) if case.checks else {})
        by_name = {c.name: c for c in listed} | {c.material_key: c for c in listed}
        lines = []
        for item in wanted:
            check = by_name.get(item)
            req = reqs.get(check.material_key) if check is not None else None
            lines.append({"name": check.name if check is not None else item,
                          "requirement": _requirement_text(req.first) if req else ""})
        _move(s, case, "request_supplement", user, case.workstation, when=now, items=[x["name"] for x in lines],
              reason=text, due_date=due_date)
        if text:
            case.reason = text
        rounds = [dict(r) for r in _meta(case).get("supplements", ())]
        rounds.append({"requested_at": now.isoformat(timespec="seconds"), "items": lines, "text": text,
                       "by": user.display_name if user else "", "due_date": due_date.isoformat() if due_date else None})
        _set_meta(case, supplements=rounds)
        return _info(s, case)


def supply_supplement(db: Database, user: UserInfo | None, case_id: int, supplied: Sequence[str] | None = None,
                      note: str = "", *, in_person: bool = True, now: dt.datetime | None = None) -> CaseInfo:
    """The applicant supplies what the 补正 request asked for; the case goes back to review.
    ``supplied`` lists what came (default: everything asked for). Brought to the window
    (``in_person``, a signed-in counter user) it counts a visit; sent in online it does not."""
    if in_person:
        require_role(user, COUNTER_ROLES, "接收补正材料")
    now = now or _now()
    with db.uow() as s:
        case = _get_case(s, case_id)
        _matter_case(case, "补正")
        rounds = [dict(r) for r in _meta(case).get("supplements", ())]
        asked = [i["name"] for i in rounds[-1].get("items", ())] if rounds else []
        came = list(dict.fromkeys(x.strip() for x in supplied if x and x.strip())) if supplied is not None else asked
        _move(s, case, "supply_supplement", user, case.workstation, when=now, supplied=came, note=note.strip(),
              in_person=in_person)
        if rounds and not rounds[-1].get("supplied_at"):
            rounds[-1].update(supplied_at=now.isoformat(timespec="seconds"), supplied_items=came,
                              supplied_note=note.strip(), supplied_by=user.display_name if user else "")
            _set_meta(case, supplements=rounds)
        if in_person:
            _count_visit(s, case, user, now.date(), "supply_supplement")
        return _info(s, case)


def finish_on_the_spot(db: Database, user: UserInfo, case_id: int, *, note: str = "",
                       now: dt.datetime | None = None) -> CaseInfo:
    """即办: decide an accepted immediate matter (即办件) and hand its result over at the counter,
    right after ``accept_case`` (same trip, no extra visit). For a bundle case every accepted
    immediate matter in it is finished and the others go on; refused with a reason when there
    is nothing immediate to finish."""
    require_role(user, COUNTER_ROLES, "当场办结")
    now = now or _now()
    with db.uow() as s:
        case = _get_case(s, case_id)
        targets = [case] if case.matter is not None else [
            c for c in case.children if c.state == S.ACCEPTED and c.matter is not None
            and c.matter.kind == MatterKind.IMMEDIATE]
        if not targets:
            raise IllegalTransition("该一件事中没有可当场办结的即办事项", "no immediate matter to finish")
        for target in targets:
            _move(s, target, "finish_on_the_spot", user, target.workstation, when=now, note=note)
            target.decided_at = now
        return _info(s, case)


def supply_deferred(db: Database, user: UserInfo, case_id: int, key: str, note: str = "", *,
                    in_person: bool = True, now: dt.datetime | None = None) -> CaseInfo:
    """The applicant brings a deferred (容缺) material: a visit, unless it came another way
    (``in_person=False``: posted or uploaded)."""
    require_role(user, COUNTER_ROLES, "补交容缺材料")
    now = now or _now()
    with db.uow() as s:
        case = _get_case(s, case_id)
        check = next((c for c in case.checks if c.material_key == key and c.status == CheckStatus.DEFERRED), None)
        if check is None:
            raise NotFound(f"本办件没有待补交的容缺材料“{key}”", f"no deferred material {key}")
        if check.supplied_at is not None:
            raise IllegalTransition(f"“{check.name}”已于 {check.supplied_at:%m月%d日} 补交", "already supplied")
        check.supplied_at = now
        check.note = note or check.note
        case.version += 1
        audit.record(s, "case.supply_deferred", username=user.username, entity="case", entity_id=case.uuid, key=key,
                     in_person=in_person)
        s.add(OutboxEntry(kind="case.supply_deferred", entity_uuid=case.uuid,
                          payload={"number": case.number, "key": key, "version": case.version}))
        if in_person:
            _count_visit(s, case, user, now.date(), "supply_deferred")
        return _info(s, case)


def hand_over(db: Database, user: UserInfo, case_id: int, *, by: str = "window", identity_number: str = "",
              receiver_name: str = "", tracking_number: str = "", carrier: str = "", post_address: str = "",
              now: dt.datetime | None = None) -> CaseInfo:
    """出件 at any window (identity checked by card: applicant or proxy; a visit) or by post
    (carrier and tracking number; to the address given at acceptance or ``post_address``; only for
    matters that offer post). A bundle case hands over those of its matter cases whose result is
    ready — the others stay open and the bundle follows them; a matter case of a bundle can also
    be handed over on its own. The tracking number is kept as "carrier number"."""
    require_role(user, COUNTER_ROLES, "出件")
    now = now or _now()
    with db.uow() as s:
        case = _get_case(s, case_id)
        targets = [case] if case.matter is not None else [c for c in case.children if c.state == S.RESULT_READY]
        if case.matter is None and not targets:
            waiting = "、".join(f"{c.matter.name if c.matter else _label(c)}（{STATE_LABELS[CaseState(c.state)]}）"
                                for c in case.children)
            raise IllegalTransition(f"该一件事暂无可领取的结果：{waiting}", "nothing ready in this bundle")
        if by == "window":
            number = identity_number.strip().upper()
            allowed = {case.applicant.id_number if case.applicant else None,
                       case.proxy.id_number if case.proxy else None} - {None}
            if not number:
                raise ValidationError("请刷身份证或输入领取人证件号码核验身份", "identity check required")
            if number not in allowed:
                raise ValidationError("领取人不是申请人或其代理人，不能领取", "receiver is not applicant or proxy")
            detail: dict[str, Any] = {"by": "window", "receiver": receiver_name or (case.applicant.name if case.applicant else "")}
        elif by == "post":
            code = "".join(tracking_number.split()).upper()
            if not code:
                raise ValidationError("请填写快递单号", "tracking number required")
            if not _TRACKING.match(code):
                raise ValidationError("快递单号应为 6–30 位字母或数字，请核对", "tracking number malformed")
            no_post = [t.matter.name for t in targets if t.matter is not None and t.matter.delivery_options
                       and "post" not in t.matter.delivery_options]
            if no_post:
                raise ValidationError(f"“{'、'.join(no_post)}”只能窗口领取，不能邮寄送达", "post not offered")
            address = post_address.strip() or case.post_address
            if len(address.strip()) < 6:
                raise ValidationError("该办件没有登记邮寄地址，请填写完整的收件地址（省市县、街道门牌、收件人电话）",
                                      "post address required")
            shown = f"{carrier.strip()} {code}" if carrier.strip() else code
            detail = {"by": "post", "carrier": carrier.strip(), "tracking_number": code}
        else:
            raise ValidationError("出件方式只能是窗口领取或邮寄", "by must be window or post")
        for target in targets:
            if by == "post":
                target.tracking_number = shown
                target.delivery = "post"
                target.post_address = address.strip()
            _move(s, target, "hand_over", user, target.workstation, when=now, **detail)
        if by == "post":
            case.tracking_number, case.delivery, case.post_address = shown, "post", address.strip()
        if by == "window":
            _count_visit(s, case, user, now.date(), "hand_over")
        return _info(s, case)


@dataclass(frozen=True)
class DeferredReminder:
    case_id: int
    case_number: str
    applicant_name: str
    phone_masked: str
    material: str
    due_date: dt.date
    overdue: bool


def deferred_reminders(db: Database, today: dt.date | None = None, within_days: int = 2) -> list[DeferredReminder]:
    """容缺 materials not yet supplied whose due date is past or within ``within_days`` working
    days — the clerk's call list."""
    today = today or dt.date.today()
    with db.read() as s:
        horizon = _calendar(s).add_working_days(today, within_days).date
        rows = s.execute(
            select(MaterialCheck, Case).join(Case, MaterialCheck.case_id == Case.id)
            .where(MaterialCheck.status == CheckStatus.DEFERRED.value, MaterialCheck.supplied_at.is_(None),
                   MaterialCheck.due_date <= horizon, Case.state.in_(OPEN_STATES))
            .options(joinedload(Case.applicant))  # one statement, not one per reminder
            .order_by(MaterialCheck.due_date))
        return [DeferredReminder(case.id, case.number or "", case.applicant.name if case.applicant else "",
                                 mask_phone(case.applicant.phone) if case.applicant else "", check.name,
                                 cast(dt.date, check.due_date), cast(dt.date, check.due_date) < today)
                for check, case in rows]
