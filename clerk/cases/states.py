"""The case's state machine: the transition table (``ACTIONS``) and ``_move``, the one way a state
changes (audit and outbox entry in the same transaction, the bundle case kept in step), and visits."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..bundles import bundle_state
from ..dto import UserInfo
from ..errors import IllegalTransition
from ..models import AuditEntry, Case, CaseState, MatterKind, OutboxEntry
from ._common import _label, _now, S
from .applicants import _parties_snapshot


STATE_LABELS = {
    S.DRAFT: "录入中", S.NOTIFIED: "已一次性告知", S.REFUSED: "不予受理", S.ACCEPTED: "已受理",
    S.SUPPLEMENT: "补正中", S.IN_REVIEW: "审批中", S.APPROVED: "准予许可", S.REJECTED: "不予许可",
    S.RESULT_READY: "待出件", S.DELIVERED: "已办结", S.WITHDRAWN: "已撤回",
}

# action → (states it may start from, state it leads to, what the clerk reads)
ACTIONS: dict[str, tuple[frozenset[str], CaseState, str]] = {
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
OPEN_STATES = (S.ACCEPTED, S.IN_REVIEW, S.SUPPLEMENT, S.APPROVED, S.REJECTED, S.RESULT_READY)
DONE_STATES = (S.DELIVERED, S.WITHDRAWN, S.REFUSED, S.NOTIFIED)


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
    from ..sync.state import configured_in

    return configured_in(s)


def _refuse_department_decision(s: Session, action: str) -> None:
    if action in DEPARTMENT_ACTIONS and _decided_by_backoffice(s):
        raise IllegalTransition(
            f"本窗口已接入部门后台，“{ACTIONS[action][2]}”由部门在后台办理，结果会自动同步到窗口",
            f"{action} is decided in the back office")


def _matter_case(case: Case, doing: str) -> None:
    if case.bundle_id is not None and case.matter_id is None:
        raise IllegalTransition(f"一件事由各部门分别办理，请对其中的单个事项{doing}", "act on the matter cases")
