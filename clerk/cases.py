"""Cases (办件): intake at the window and the case's life until handover.

One rule: every change of state goes through ``_move``, which checks the transition table,
writes the audit entry and the outbox entry in the same transaction, and keeps a bundle case
in step with its matter cases. Services take a ``Database`` and plain input, return
``CaseInfo`` dataclasses, and refuse what the rules refuse with a Chinese reason.

Visits (跑动次数): the trip of acceptance (or notice, refusal) counts one; after acceptance each
day the applicant comes to the window — to bring a deferred (容缺) material, to supply a 补正, to
collect the result — counts one more, however many of those things happen that day (``_count_visit``
keeps a ``case.visit`` audit entry per day). A case started again after a one-time notice for the
same applicant and matter continues the notified case: it records that case's number and its
visits go on from there.

Facts without a column of their own — the notified case a case continues, the 补正 rounds — are
kept in the case's JSON ``detail``.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from . import audit, clock, forms
from .auth import COUNTER_ROLES, require_role
from .bundles import bundle_state
from .calendar import WorkCalendar
from .db import Database
from .dto import (ApplicantInfo, ApplicantInput, CaseInfo, CheckInfo, FormFieldInfo, ProxyInput, SupplementInfo,
                  UserInfo)
from .errors import ApplicantChanged, IllegalTransition, NotFound, ValidationError
from .models import (Applicant, Role, ApplicantKind, AuditEntry, Bundle, Case, CaseState, CheckStatus, Matter,
                     MaterialCheck, MaterialRequirement, MatterKind, OutboxEntry, Proxy, Setting, SituationOption,
                     User, Window, local_now)
from .numbering import next_case_number
from .privacy import mask_id, mask_phone
from .situations import MergedMaterial, merge_materials, normalise_answers, unanswered_deciding
from .validation import validate_id_number, validate_phone, validate_uscc
from .dto import FORM_LABELS

S = CaseState
STATE_LABELS = {
    S.DRAFT: "录入中", S.NOTIFIED: "已一次性告知", S.REFUSED: "不予受理", S.ACCEPTED: "已受理",
    S.SUPPLEMENT: "补正中", S.IN_REVIEW: "审批中", S.APPROVED: "准予许可", S.REJECTED: "不予许可",
    S.RESULT_READY: "待出件", S.DELIVERED: "已办结", S.WITHDRAWN: "已撤回",
}
CHECK_LABELS = {CheckStatus.PRESENTED: "已提交", CheckStatus.SHARED: "共享获取", CheckStatus.DEFERRED: "容缺",
                CheckStatus.MISSING: "缺少", CheckStatus.PENDING: "未核验"}

# action → (states it may start from, state it leads to, what the clerk reads)
ACTIONS: dict[str, tuple[frozenset[str], str, str]] = {
    "accept": (frozenset({S.DRAFT}), S.ACCEPTED, "受理"),
    "notify": (frozenset({S.DRAFT}), S.NOTIFIED, "出具一次性告知书"),
    "refuse": (frozenset({S.DRAFT}), S.REFUSED, "不予受理"),
    "start_review": (frozenset({S.ACCEPTED}), S.IN_REVIEW, "转入审批"),
    "request_supplement": (frozenset({S.ACCEPTED, S.IN_REVIEW}), S.SUPPLEMENT, "要求补正"),
    "supply_supplement": (frozenset({S.SUPPLEMENT}), S.IN_REVIEW, "补正材料"),
    "approve": (frozenset({S.ACCEPTED, S.IN_REVIEW}), S.APPROVED, "准予许可"),
    "reject": (frozenset({S.ACCEPTED, S.IN_REVIEW}), S.REJECTED, "不予许可"),
    "result_ready": (frozenset({S.APPROVED, S.REJECTED}), S.RESULT_READY, "标记待出件"),
    "hand_over": (frozenset({S.RESULT_READY}), S.DELIVERED, "出件"),
    "finish_on_the_spot": (frozenset({S.ACCEPTED}), S.DELIVERED, "即办办结"),
    "withdraw": (frozenset({S.DRAFT, S.ACCEPTED, S.IN_REVIEW, S.SUPPLEMENT}), S.WITHDRAWN, "撤回"),
}
# the departments' decisions: taken at the desk only while no back office is configured (clerk.sync)
DEPARTMENT_ACTIONS = frozenset({"start_review", "request_supplement", "approve", "reject", "result_ready"})
REASON_MIN_CHARS = 4  # a written refusal reason is at least this long (it is printed)
FOLLOW_UP_DAYS = 90  # a one-time notice older than this is a new start, not a return
CARRIERS = ("中国邮政EMS", "顺丰速运", "京东物流", "中通快递", "圆通速递", "韵达快递", "申通快递")
_TRACKING = re.compile(r"^[A-Z0-9][A-Z0-9-]{5,29}$")
OPEN_STATES = (S.ACCEPTED, S.IN_REVIEW, S.SUPPLEMENT, S.APPROVED, S.REJECTED, S.RESULT_READY)
DONE_STATES = (S.DELIVERED, S.WITHDRAWN, S.REFUSED, S.NOTIFIED)


# --------------------------------------------------------------------------- helpers

def _now() -> dt.datetime:
    return clock.now()


def _setting(s: Session, key: str, default: str) -> str:
    row = s.get(Setting, key)
    return row.value if row and row.value else default


def _get_case(s: Session, case_id: int) -> Case:
    case = s.get(Case, case_id)
    if case is None:
        raise NotFound(f"找不到办件（编号 {case_id}）", f"case {case_id} not found")
    return case


def _label(case: Case) -> str:
    return case.number or f"草稿 #{case.id}"


def _move(s: Session, case: Case, action: str, user: UserInfo | None, workstation: str = "", *,
          when: dt.datetime | None = None, **detail: Any) -> None:
    """``when`` is the moment of the change (default now): the service's ``now=``."""
    sources, target, label = ACTIONS[action]
    when = when or _now()
    if case.state not in sources:
        raise IllegalTransition(
            f"办件 {_label(case)} 当前为“{STATE_LABELS[CaseState(case.state)]}”，不能{label}",
            f"case {case.id} in state {case.state} cannot {action}")
    if action == "finish_on_the_spot" and case.matter is not None and case.matter.kind != MatterKind.IMMEDIATE:
        raise IllegalTransition(f"“{case.matter.name}”是承诺件，不能当场办结", "only immediate matters finish on the spot")
    before = case.state
    case.state = target.value
    case.version += 1
    if action in ("accept", "notify", "refuse"):
        case.parties = _parties_snapshot(case)
    if target == S.DELIVERED or target in (S.NOTIFIED, S.REFUSED, S.WITHDRAWN):
        case.finished_at = when
    username = user.username if user else ""
    audit.record(s, f"case.{action}", username=username, workstation=workstation, entity="case",
                 entity_id=case.uuid, number=case.number, before=before, after=target, **detail)
    s.add(OutboxEntry(kind=f"case.{action}", entity_uuid=case.uuid,
                      payload={"number": case.number, "state": target.value, "version": case.version,
                               "at": when.isoformat(timespec="seconds"), **audit.json_safe(detail)}))
    if case.parent is not None:
        _sync_bundle(s, case.parent, username, workstation, when)


def _sync_bundle(s: Session, parent: Case, username: str = "", workstation: str = "",
                 when: dt.datetime | None = None) -> None:
    """A bundle case follows its matter cases (withdrawn ones aside): withdrawn when all are
    withdrawn; delivered when all the others are delivered; ready when all the others are ready
    or delivered; 补正中 while one waits for a supplement; accepted while none has moved on; else
    in review. A draft bundle is moved by its own decision, and a withdrawn bundle is final
    (withdrawing a bundle withdraws every matter case, see ``advance``)."""
    if parent.state in (S.DRAFT, S.WITHDRAWN):
        return
    new = bundle_state(c.state for c in parent.children)
    if new != parent.state:
        before = parent.state
        parent.state = new.value
        parent.version += 1
        if new in (S.DELIVERED, S.WITHDRAWN):
            parent.finished_at = when or _now()
        audit.record(s, "case.bundle_follow", username=username, workstation=workstation, entity="case",
                     entity_id=parent.uuid, number=parent.number, before=before, after=new)


def _answers(case: Case) -> dict[str, Any]:
    """The situation answers (question key → option keys)."""
    return dict(case.situation or {})


def _meta(case: Case) -> dict[str, Any]:
    return dict(case.detail or {})


def _set_meta(case: Case, **values: Any) -> None:
    # a new dict, so the JSON column sees the change
    case.detail = {**_meta(case), **values}


def _count_visit(s: Session, case: Case, user: UserInfo | None, day: dt.date, why: str) -> None:
    """The applicant came to the window after acceptance: one visit per case per day, on the case
    and on its bundle case (two materials brought and the result collected on one trip are one visit)."""
    for target in (case, case.parent) if case.parent is not None else (case,):
        s.flush()
        since = (target.created_at or _now()) - dt.timedelta(days=2)
        seen = s.scalars(select(AuditEntry.detail).where(
            AuditEntry.action == "case.visit", AuditEntry.at >= since, AuditEntry.entity_id == target.uuid)).all()
        if any((d or {}).get("day") == day.isoformat() for d in seen):
            continue
        target.visits += 1
        audit.record(s, "case.visit", username=user.username if user else "", workstation=target.workstation,
                     entity="case", entity_id=target.uuid, number=target.number, day=day, why=why,
                     visits=target.visits)


def _decided_by_backoffice(s: Session) -> bool:
    from .sync.state import configured_in

    return configured_in(s)


def _refuse_department_decision(s: Session, action: str) -> None:
    if action in DEPARTMENT_ACTIONS and _decided_by_backoffice(s):
        raise IllegalTransition(
            f"本窗口已接入部门后台，“{ACTIONS[action][2]}”由部门在后台办理，结果会自动同步到窗口",
            f"{action} is decided in the back office")


def _matter_case(case: Case, doing: str) -> None:
    if case.bundle_id is not None and case.matter_id is None:
        raise IllegalTransition(f"一件事由各部门分别办理，请对其中的单个事项{doing}", "act on the matter cases")


def _requirement_text(m: MaterialRequirement) -> str:
    parts = [FORM_LABELS.get(m.form, m.form), f"{m.count} 份"]
    if m.notes:
        parts.append(m.notes)
    return "，".join(parts)


def _upsert_applicant(s: Session, data: ApplicantInput, user: UserInfo | None = None,
                      workstation: str = "") -> Applicant:
    """The applicant record for this ID number, created or brought up to date.

    A name that differs from the stored one is not overwritten silently — earlier cases keep the
    parties they were decided with (``Case.parties``), and the record changes only when the clerk
    confirmed old → new (``ApplicantInput.confirm_change``); otherwise :class:`ApplicantChanged`
    names both (and says when the stored name was read from the card). Every change of the name,
    phone or address is an audit entry with what it was and what it became (masked)."""
    name = data.name.strip()
    if not name:
        raise ValidationError("请填写申请人姓名或企业名称", "applicant name required")
    if data.kind == ApplicantKind.ENTERPRISE:
        number = validate_uscc(data.id_number).code
    elif data.id_type in ("resident", "gat"):
        number = validate_id_number(data.id_number).number
    else:
        number = data.id_number.strip().upper()
        if not number:
            raise ValidationError("请填写证件号码", "document number required")
    phone = validate_phone(data.phone) if data.phone.strip() else ""
    row = s.scalar(select(Applicant).where(Applicant.kind == data.kind, Applicant.id_number == number))
    changes: dict[str, Any] = {}
    if row is None:
        row = Applicant(kind=data.kind, id_number=number, name=name)
        s.add(row)
    elif row.name != name:
        if not data.confirm_change:
            card = row.name_source == "card"
            whose = "证件号码" if data.kind == ApplicantKind.PERSON else "统一社会信用代码"
            raise ApplicantChanged(
                f"该{whose}已登记的申请人为“{row.name}”{'（读卡所得）' if card else ''}，本次为“{name}”。"
                "请核对证件：确认要把申请人姓名由“" + row.name + "”改为“" + name + "”吗？以前的办件仍保留原姓名",
                "the ID number is registered with another name: confirm the change",
                old=row.name, new=name, old_from_card=card)
        changes["name"] = (row.name, name)
    row.name = name
    if data.from_card:
        row.name_source = "card"
    elif "name" in changes:
        row.name_source = "typed"
    row.id_type = data.id_type if data.kind == ApplicantKind.PERSON else "uscc"
    for attr in ("address", "sex", "nation", "legal_representative"):
        value = getattr(data, attr)
        if value:
            if attr == "address" and row.address and row.address != value:
                changes["address"] = (row.address, value)
            setattr(row, attr, value)
    if phone:
        if row.phone and row.phone != phone:
            changes["phone"] = (mask_phone(row.phone), mask_phone(phone))
        row.phone = phone
    if data.birth_date:
        row.birth_date = data.birth_date
    s.flush()
    if changes:
        audit.record(s, "applicant.change", username=user.username if user else "", workstation=workstation,
                     entity="applicant", entity_id=row.id,
                     **{k: {"old": v[0], "new": v[1]} for k, v in changes.items()})
    return row


def _parties_snapshot(case: Case) -> dict[str, Any]:
    """The applicant and proxy as the decision prints them (kept on the case for good)."""
    a, p = case.applicant, case.proxy
    snap: dict[str, Any] = {}
    if a is not None:
        snap["applicant"] = {"id": a.id, "kind": a.kind, "name": a.name, "id_type": a.id_type,
                             "id_number": a.id_number, "phone": a.phone, "address": a.address,
                             "legal_representative": a.legal_representative}
    if p is not None:
        snap["proxy"] = {"name": p.name, "id_number": p.id_number, "phone": p.phone, "relation": p.relation,
                         "authorisation": p.authorisation}
    return snap


def _proxy(s: Session, data: ProxyInput | None) -> Proxy | None:
    if data is None:
        return None
    if not data.name.strip():
        raise ValidationError("请填写代理人姓名", "proxy name required")
    number = validate_id_number(data.id_number).number
    if not data.authorisation.strip():
        raise ValidationError("代理人办理须提供授权委托书，请填写委托书编号或说明", "authorisation required")
    row = Proxy(name=data.name.strip(), id_number=number, relation=data.relation,
                phone=validate_phone(data.phone) if data.phone.strip() else "",
                authorisation=data.authorisation.strip())
    s.add(row)
    s.flush()
    return row


def _build_checks(s: Session, case: Case, per_matter: Sequence[tuple[Matter, Mapping[str, Sequence[str]]]]) -> None:
    """(Re)build the checklist: one row per material key; keeps the status of keys that remain."""
    old = {c.material_key: c for c in case.checks}
    wanted = merge_materials(per_matter)
    for key, check in old.items():
        if key not in wanted and not key.startswith(EXTRA_PREFIX):  # what the clerk recorded stays
            case.checks.remove(check)
    for pos, (key, merged) in enumerate(wanted.items()):
        check = old.get(key)
        if check is None:
            m = merged.first
            check = MaterialCheck(material_key=key, name=m.name, form=merged.form, count=0,
                                  status=CheckStatus.PENDING.value, share_source=m.share_source)
            case.checks.append(check)
        check.material_id = merged.first.id
        check.position = pos
    s.flush()


def _requirements(case: Case) -> dict[str, MergedMaterial]:
    return merge_materials(_per_matter(case))


def _required(reqs: Mapping[str, MergedMaterial], key: str) -> bool:
    return reqs[key].required if key in reqs else True


def _per_matter(case: Case) -> list[tuple[Matter, Mapping[str, Sequence[str]]]]:
    if case.matter is not None:
        return [(case.matter, _answers(case))]
    return [(c.matter, _answers(c)) for c in case.children if c.matter is not None]


def _form_fields(case: Case) -> tuple[forms.FormField, ...]:
    """The 申请表 of the case: its matter's fields, or for a bundle case the union of its matters'
    fields, one per key (like a shared material)."""
    if case.matter is not None:
        return forms.from_records(case.matter.form_fields)
    return forms.merge_fields([(c.matter.name, forms.from_records(c.matter.form_fields))
                               for c in case.children if c.matter is not None])


def _prefill_form(case: Case, applicant: Applicant) -> None:
    """Phone fields still empty take the applicant's phone: the clerk types it once."""
    if not applicant.phone:
        return
    values = dict(case.form_data or {})
    for f in _form_fields(case):
        if f.type == "phone" and not values.get(f.key):
            values[f.key] = applicant.phone
    if values != (case.form_data or {}):
        case.form_data = values


def _calendar(s: Session) -> WorkCalendar:
    return WorkCalendar.load(s)


def _promised(s: Session, case: Case, start: dt.date) -> tuple[dt.date, dt.date | None, list[str]]:
    cal = _calendar(s)
    days, statutory = _days(case)
    due = cal.add_working_days(start, days)
    stat = cal.add_working_days(start, statutory) if statutory else None
    return due.date, (stat.date if stat else None), list(due.warnings)


def _days(case: Case) -> tuple[int, int]:
    if case.matter is not None:
        m = case.matter
        return (0 if m.kind == MatterKind.IMMEDIATE else m.promised_days), m.statutory_days
    bundle_days = case.bundle.promised_days if case.bundle else 0
    children = [c.matter for c in case.children if c.matter is not None]
    longest = max((0 if m.kind == MatterKind.IMMEDIATE else m.promised_days for m in children), default=0)
    return (bundle_days or longest), max((m.statutory_days for m in children), default=0)


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


def reveal_applicant_id(db: Database, case_id: int, user: UserInfo) -> str:
    """The full ID number, for a person who needs it; the look is logged."""
    require_role(user, COUNTER_ROLES, "查看完整证件号码")
    with db.uow() as s:
        case = _get_case(s, case_id)
        if case.applicant is None:
            return ""
        audit.record(s, "applicant.reveal_id", username=user.username, entity="applicant",
                     entity_id=case.applicant.id, case=case.number)
        return case.applicant.id_number


SEARCH_MAX = 40  # characters: a name, an ID number or a case number is far shorter
PAGE = 100
_ID_LIKE = re.compile(r"^[0-9]{15}$|^[0-9]{17}[0-9X]$|^[0-9A-Z]{18}$")
_NUMBER_LIKE = re.compile(r"^[0-9A-Z]{4,40}$")


def clean_query(query: str) -> str:
    """The case-list search text, stripped; refused when it cannot be a name or a number."""
    q = (query or "").strip()
    if "\x00" in q:
        raise ValidationError("查询内容含有无效字符（空字符），请重新输入", "NUL in the search text")
    if len(q) > SEARCH_MAX:
        raise ValidationError(f"查询内容过长（{len(q)} 个字），最多 {SEARCH_MAX} 个字：请输入姓名、身份证号或办件编号",
                              f"search text longer than {SEARCH_MAX} characters")
    return q


def _prefix(s: Session, column: Any, text: str) -> Any:
    """``column`` starts with ``text`` — literally (``%``, ``_`` and ``\\`` are plain characters),
    through the column's index: a code-point range on SQLite (binary order), LIKE with the
    ``text_pattern_ops`` index on PostgreSQL (migration 0005)."""
    if s.get_bind().dialect.name == "postgresql":
        return column.startswith(text, autoescape=True)
    upper = text[:-1] + chr(ord(text[-1]) + 1)
    return and_(column >= text, column < upper)


def _search(s: Session, q: str) -> Any:
    """Cases matching ``q``: case number starting with it, applicant name starting with it, or
    the applicant's full ID number / USCC. Every branch is an index lookup."""
    up = q.upper()
    people = select(Applicant.id).where(_prefix(s, Applicant.name, q))
    if _ID_LIKE.match(up):
        people = people.union(select(Applicant.id).where(Applicant.id_number == up))
    found = Case.applicant_id.in_(people)
    if _NUMBER_LIKE.match(up):
        found = or_(found, _prefix(s, Case.number, up))
    return found


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


def note_id_revealed(db: Database, user: UserInfo, id_number: str, where: str = "intake") -> None:
    """A full ID number shown on a screen before any case holds it (the intake form after a
    card read): the look is an audit entry like ``reveal_applicant_id`` (the number masked)."""
    require_role(user, COUNTER_ROLES, "查看完整证件号码")
    with db.uow() as s:
        audit.record(s, "applicant.reveal_id", username=user.username, workstation=user_workstation(user),
                     entity="applicant", entity_id=mask_id(id_number), where=where, id_number=id_number)


def user_workstation(user: UserInfo) -> str:
    return str(getattr(user, "workstation", "") or "")


def list_cases(db: Database, view: str = "today", query: str = "", today: dt.date | None = None,
               limit: int = PAGE, before_id: int | None = None) -> list[CaseInfo]:
    """Views: today, open, overdue, due_soon (≤ 2 working days), deferred (materials
    outstanding), all; newest first, ``limit`` at a time — the next page starts ``before_id``
    (the last id shown). ``query`` finds a case number or applicant name by its beginning, or
    the applicant's full ID number. A constant number of statements per page (no per-row loads)."""
    today = today or dt.date.today()
    q = clean_query(query)
    with db.read() as s:
        # coalesce: "not a matter case" is nearly every row, never worth the parent_id index
        stmt = select(Case).where(func.coalesce(Case.parent_id, 0) == 0).order_by(Case.id.desc()).limit(limit)
        if before_id is not None:
            stmt = stmt.where(Case.id < before_id)
        if view == "today":
            start = dt.datetime.combine(today, dt.time())
            stmt = stmt.where(Case.created_at >= start, Case.created_at < start + dt.timedelta(days=1))
        elif view == "open":
            stmt = stmt.where(Case.state.in_(OPEN_STATES))
        elif view == "overdue":
            stmt = stmt.where(Case.state.in_(OPEN_STATES), Case.promised_date < today)
        elif view == "due_soon":
            soon = _calendar(s).add_working_days(today, 2).date
            stmt = stmt.where(Case.state.in_(OPEN_STATES), Case.promised_date >= today, Case.promised_date <= soon)
        elif view == "deferred":
            sub = select(MaterialCheck.case_id).where(MaterialCheck.status == CheckStatus.DEFERRED.value,
                                                      MaterialCheck.supplied_at.is_(None))
            stmt = stmt.where(Case.id.in_(sub), Case.state.in_(OPEN_STATES))
        if q:
            stmt = stmt.where(_search(s, q))
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
        common = dict(applicant=a, proxy=p, hall_id=user.hall_id, clerk_id=user.id,
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


def _case_name(case: Case) -> str:
    return case.matter.name if case.matter else (case.bundle.name if case.bundle else _label(case))


def check_material(db: Database, user: UserInfo, case_id: int, key: str, status: str, *,
                   count: int | None = None, form: str | None = None, share_source: str = "",
                   share_reference: str = "", due_date: dt.date | None = None, note: str = "",
                   today: dt.date | None = None) -> CaseInfo:
    """Record one material as presented / shared / deferred / missing."""
    require_role(user, COUNTER_ROLES, "核验材料")
    try:
        st = CheckStatus(status)
    except ValueError:
        raise ValidationError(f"未知的材料状态：{status}", f"unknown status {status}") from None
    with db.uow() as s:
        case = _get_case(s, case_id)
        if case.state != S.DRAFT:
            raise IllegalTransition("办件已提交，材料核验不能再修改；请走补正或补交容缺材料", "checks are frozen")
        check = next((c for c in case.checks if c.material_key == key), None)
        if check is None:
            raise NotFound(f"本办件不需要材料“{key}”", f"no material {key} on this case")
        if key.startswith(EXTRA_PREFIX):
            return _check_extra(s, case, check, st, count, form, note)
        req = _requirements(case)[key]
        check.share_source, check.share_reference, check.due_date = "", "", None
        if st == CheckStatus.PRESENTED:
            n = req.count if count is None else count
            if n < 1:
                raise ValidationError(f"“{check.name}”的份数至少为 1", "count must be at least 1")
            check.count, check.form = n, form or req.form
        elif st == CheckStatus.SHARED:
            if not req.shareable:
                raise ValidationError(f"“{check.name}”不能通过数据共享获取，请申请人提交", "not shareable")
            if not share_reference.strip():
                raise ValidationError(f"请填写“{check.name}”的共享凭证号（电子证照编号或查询流水号）",
                                      "share reference required")
            check.share_source = share_source.strip() or req.first.share_source or "数据共享平台"
            check.share_reference = share_reference.strip()
            check.count = 0
        elif st == CheckStatus.DEFERRED:
            if req.core or not req.deferrable:
                raise ValidationError(f"“{check.name}”是核心材料或不允许容缺，不能容缺受理", "not deferrable")
            if due_date is None:
                raise ValidationError(f"请为容缺材料“{check.name}”填写补交期限", "due date required")
            promised, _, _ = _promised(s, case, today or dt.date.today())
            if due_date > promised:
                raise ValidationError(f"补交期限不能晚于承诺办结日期 {promised:%Y年%m月%d日}", "due date after promised date")
            if due_date < (today or dt.date.today()):
                raise ValidationError("补交期限不能早于今天", "due date in the past")
            check.due_date, check.count = due_date, 0
        else:
            check.count = 0
        check.status = st.value
        check.note = note
        return _info(s, case)


EXTRA_PREFIX = "extra_"  # a material the clerk recorded that the catalog does not list


def record_extra_material(db: Database, user: UserInfo, case_id: int, name: str, *, count: int = 1,
                          form: str = "original", note: str = "") -> CaseInfo:
    """登记材料: a document the applicant presented that the catalog does not list — above all
    for a matter whose list is still 材料清单待补充. It is a presented check like any other (it
    prints on the receipt) and stays when the situation changes."""
    from .catalog_io import FORM_LABELS, material_key

    require_role(user, COUNTER_ROLES, "登记材料")
    name = re.sub(r"\s+", " ", name or "").strip()
    if not name or "\x00" in name:
        raise ValidationError("请填写材料名称", "material name required")
    if len(name) > 200:
        raise ValidationError("材料名称不能超过200个字", "material name too long")
    if form not in FORM_LABELS:
        raise ValidationError(f"材料形式“{form}”应为原件/复印件/原件及复印件/电子件", "bad form")
    if count < 1:
        raise ValidationError(f"“{name}”的份数至少为 1", "count must be at least 1")
    with db.uow() as s:
        case = _get_case(s, case_id)
        if case.state != S.DRAFT:
            raise IllegalTransition("办件已提交，材料核验不能再修改；请走补正或补交容缺材料", "checks are frozen")
        if any(c.name == name for c in case.checks):
            raise ValidationError(f"“{name}”已在材料清单中，请直接核验该项", "material already listed")
        keys = {c.material_key for c in case.checks}
        base = (EXTRA_PREFIX + material_key(name))[:56]
        key, n = base, 2
        while key in keys:
            key, n = f"{base}_{n}", n + 1
        case.checks.append(MaterialCheck(material_key=key, name=name, form=form, count=count, note=note,
                                         status=CheckStatus.PRESENTED.value, position=len(case.checks)))
        s.flush()
        return _info(s, case)


def _check_extra(s: Session, case: Case, check: MaterialCheck, st: CheckStatus, count: int | None,
                 form: str | None, note: str) -> CaseInfo:
    """A recorded material is presented (份数/形式 may change) or, marked missing, taken off."""
    if st == CheckStatus.PRESENTED:
        n = check.count or 1 if count is None else count
        if n < 1:
            raise ValidationError(f"“{check.name}”的份数至少为 1", "count must be at least 1")
        check.count, check.form, check.note = n, form or check.form, note or check.note
    elif st == CheckStatus.MISSING:
        case.checks.remove(check)
    else:
        raise ValidationError(f"“{check.name}”是窗口登记的材料，只能登记为已提交或移除", "extra material: presented only")
    s.flush()
    return _info(s, case)


def _problems_for_acceptance(case: Case) -> list[str]:
    reqs = _requirements(case)
    open_questions = [q for matter, answers in _per_matter(case) for q in unanswered_deciding(matter, answers)]
    missing = [c.name for c in case.checks if _required(reqs, c.material_key)
               and c.status in (CheckStatus.MISSING, CheckStatus.PENDING)]
    problems = []
    if open_questions:
        problems.append("以下情形问题尚未回答，材料清单可能不准确：" + "、".join(open_questions) + "。请先回答情形问题")
    if missing:
        problems.append("以下材料缺少或未核验：" + "、".join(missing) + "。请补齐、容缺或出具一次性告知书")
    deferred = [c for c in case.checks if c.status == CheckStatus.DEFERRED]
    core_open = [c.name for c in case.checks if c.material_key in reqs and reqs[c.material_key].core
                 and c.status not in (CheckStatus.PRESENTED, CheckStatus.SHARED)]
    if deferred and core_open:
        problems.append("核心材料不齐全时不能容缺受理：" + "、".join(core_open))
    empty = forms.missing_required(_form_fields(case), case.form_data or {})
    if empty:
        problems.append("申请表未填写：" + "、".join(f.label for f in empty))
    return problems


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
    from .catalog import record_use  # frequent matters rank first in the search box

    for code in used:
        record_use(db, code)
    return CaseInfo(**{**info.__dict__, "warnings": tuple(warnings)})


def _hall_code(s: Session, case: Case) -> str:
    from .models import Hall

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


# --------------------------------------------------------------------------- evaluation

EVALUATION_LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
REASON_TAGS = ("等候时间长", "材料要求不清", "多次跑腿", "服务态度差", "办理时间长", "系统故障", "其他")


def evaluate(db: Database, case_id: int | None, level: int, *, stage: str = "accept",
             reason_tags: Sequence[str] = (), text: str = "", ticket_id: int | None = None,
             user: UserInfo | None = None, now: dt.datetime | None = None) -> int:
    """好差评 from the applicant screen; 不满意/非常不满意 need a reason tag or text."""
    from .models import Evaluation

    if level not in EVALUATION_LEVELS:
        raise ValidationError("评价等级应为 1–5", "level must be 1..5")
    if stage not in ("accept", "handover"):
        raise ValidationError("评价环节只能是受理或出件", "stage must be accept or handover")
    if level <= 2 and not (list(reason_tags) or text.strip()):
        raise ValidationError("选择“不满意”或“非常不满意”时请选择原因或填写意见", "a reason is required for 1-2")
    unknown = [t for t in reason_tags if t not in REASON_TAGS]
    if unknown:
        raise ValidationError(f"未知的评价原因：{unknown[0]}", "unknown reason tag")
    with db.uow() as s:
        case = _get_case(s, case_id) if case_id is not None else None
        ev = Evaluation(case_id=case.id if case else None, ticket_id=ticket_id, stage=stage, level=level,
                        reason_tags=list(reason_tags), text=text.strip(),
                        window_id=case.window_id if case else None,
                        clerk_id=case.clerk_id if case else (user.id if user else None),
                        created_at=now or local_now())
        s.add(ev)
        s.flush()
        s.add(OutboxEntry(kind="evaluation", entity_uuid=ev.uuid,
                          payload={"case": case.number if case else None, "stage": stage, "level": level,
                                   "tags": list(reason_tags), "text": text.strip()}))
        return ev.id


def count_cases(db: Database) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Case)) or 0


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
            .order_by(MaterialCheck.due_date))
        return [DeferredReminder(case.id, case.number or "", case.applicant.name if case.applicant else "",
                                 mask_phone(case.applicant.phone) if case.applicant else "", check.name,
                                 check.due_date, check.due_date < today) for check, case in rows]
