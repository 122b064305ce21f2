"""Pull: the back office's changes feed applied to the desk.

One rule: a page of changes and the cursor after it are committed in one transaction, so a kill
at any point either applied the page and moved the cursor or did neither; replaying a page is
harmless because a change whose ``version`` is not newer than the case's ``remote_version`` is
skipped and a status never moves backwards.

A case follows through the desk's own state machine (``clerk.cases._move`` and the ``ACTIONS``
table): the shortest path of allowed actions from where the case is to where the back office
says it is (accepted → in review → 补正 → … → 待出件), each step with its audit entry, a 补正 with its
items on the case (``detail["supplements"]``, the same record the desk's own request writes). The
outbox entries those moves write are marked ``covered``: they came from the server and are not
sent back. A dead cursor (410) means a full resync from the start of the feed.
"""
from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from .. import audit
from .. import cases as rules
from ..db import Database
from ..models import AuditEntry, CalendarDay, Case, CaseState, HandoverList, OutboxEntry
from . import state
from .crash import crash_point
from .http import API, Client, Result, classify, network_result

ORIGIN = "clerk.sync.origin"
FOLLOW = ("start_review", "request_supplement", "supply_supplement", "approve", "reject", "result_ready",
          "hand_over", "withdraw")


@event.listens_for(Session, "before_flush")
def _cover_server_moves(session: Session, _ctx: Any, _instances: Any) -> None:
    if not session.info.get(ORIGIN):
        return
    for obj in session.new:
        if isinstance(obj, OutboxEntry) and obj.state in (None, "pending"):  # column default not set yet
            obj.state, obj.reply, obj.request = "covered", "来自部门后台的状态，不再上传", {"op": "none"}
            obj.sent_at = state.now()


@dataclass
class PullReport:
    pages: int = 0
    changes: int = 0
    applied: int = 0
    stale: int = 0
    unknown: int = 0
    resynced: bool = False
    result: Result | None = None
    moved: list[tuple[str, str]] = field(default_factory=list)  # (number, new state)


def path(start: str, target: str) -> list[str]:
    """The shortest list of back-office-driven actions that takes a case from ``start`` to
    ``target``; empty when it is there already or when only a step back would reach it."""
    if start == target:
        return []
    seen = {start}
    queue: deque[tuple[str, list[str]]] = deque([(start, [])])
    while queue:
        at, steps = queue.popleft()
        for action in FOLLOW:
            sources, to_state, _ = rules.ACTIONS[action]
            to = str(to_state)  # a CaseState: its value
            if at in sources and to not in seen:
                nxt = steps + [action]
                if to == target:
                    return nxt
                seen.add(to)
                queue.append((to, nxt))
    return []


def _valid_page(d: dict[str, Any]) -> bool:
    return isinstance(d.get("changes"), list) and isinstance(d.get("cursor"), str) and isinstance(d.get("more"), bool)


def pull(db: Database, client: Client, limit: int = 100, max_pages: int = 200) -> PullReport:
    report = PullReport()
    with db.uow() as s:
        cursor = state.row(s).cursor
    for _ in range(max_pages):
        try:
            resp = client.request("GET", f"{API}/changes", params={"cursor": cursor, "limit": limit})
        except Exception as exc:  # noqa: BLE001
            report.result = network_result(exc)
            return report
        if resp.status_code == 410 and not report.resynced:
            report.resynced, cursor = True, ""
            with db.uow() as s:
                state.row(s).cursor = ""
            continue
        r = classify(resp, _valid_page, ok_status=(200,))
        if not r.ok:
            report.result = r
            return report
        page = r.data
        apply_page(db, page["changes"], page["cursor"], report)
        crash_point("pull.after_cursor_save")
        report.pages += 1
        cursor = page["cursor"]
        if not page["more"]:
            break
    report.result = Result("ok")
    return report


def apply_page(db: Database, changes: list[dict[str, Any]], cursor: str, report: PullReport) -> None:
    with db.uow() as s:
        s.info[ORIGIN] = "backoffice"
        uuids = [c.get("case_uuid") for c in changes if c.get("kind") == "case.status" and c.get("case_uuid")]
        by_uuid = {c.uuid: c for c in s.scalars(select(Case).where(Case.uuid.in_(uuids)))} if uuids else {}
        for ch in changes:
            report.changes += 1
            kind = ch.get("kind")
            if kind == "case.status":
                case = by_uuid.get(str(ch.get("case_uuid") or ""))
                if case is None:
                    report.unknown += 1
                    continue
                _apply_status(s, case, ch, report)
            elif kind == "case.handover_received":
                if _apply_received(s, ch):
                    report.applied += 1
            elif kind == "catalog.version":
                state.row(s).catalog_version = str((ch.get("data") or {}).get("version") or "")[:40]
                report.applied += 1
            elif kind == "calendar.day":
                _apply_day(s, ch.get("data") or {})
                report.applied += 1
        state.row(s).cursor = cursor


def _apply_received(s: Session, ch: dict[str, Any]) -> bool:
    """The centre received a 交接单 this desk made (one change per case): the local list records
    who/where/when once, each case gets its audit entry once. Another desk's list: nothing here."""
    data = ch.get("data") or {}
    row = s.scalar(select(HandoverList).where(HandoverList.number == str(data.get("handover") or "")))
    if row is None:
        return False
    if row.received_at is None:
        try:
            row.received_at = dt.datetime.fromisoformat(str(data.get("at") or ch.get("at")))
        except ValueError:
            row.received_at = state.now()
        row.received_by = str(data.get("by") or "")[:40]
        row.received_name = str(data.get("name") or row.received_by)[:40]
        row.received_workstation = str(data.get("window") or "")[:16]
    uuid = str(ch.get("case_uuid") or "")
    seen = s.scalar(select(AuditEntry.id).where(AuditEntry.action == "case.received", AuditEntry.entity_id == uuid,
                                                AuditEntry.entity == "case").limit(1))
    if seen is None:
        audit.record(s, "case.received", username=row.received_by, workstation=row.received_workstation,
                     entity="case", entity_id=uuid, number=ch.get("number"), handover=row.number,
                     agent=row.agent_name, via="backoffice")
    return True


def _apply_day(s: Session, data: dict[str, Any]) -> None:
    day = dt.date.fromisoformat(str(data["day"]))
    row = s.get(CalendarDay, day)
    if row is None:
        row = CalendarDay(day=day, is_workday=bool(data.get("is_workday")), source="backoffice")
        s.add(row)
    row.is_workday = bool(data.get("is_workday"))
    row.name = str(data.get("name") or "")[:40]
    row.source = "backoffice"


def _when(text: Any) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(str(text))
    except ValueError:
        return state.now()


def _apply_status(s: Session, case: Case, ch: dict[str, Any], report: PullReport) -> None:
    version = int(ch.get("version") or 0)
    if version <= case.remote_version:
        report.stale += 1
        return
    case.remote_version = version
    target = str(ch.get("state") or "")
    if case.matter_id is None and case.children:
        report.applied += 1  # a bundle case follows its matter cases by itself
        return
    try:
        CaseState(target)
    except ValueError:
        report.stale += 1
        return
    steps = path(case.state, target)
    if not steps:
        if case.state != target:
            report.stale += 1  # the desk is ahead (or the change would go backwards)
        return
    data = ch.get("data") or {}
    at = _when(ch.get("at"))
    for action in steps:
        _step(s, case, action, data, at)
    report.applied += 1
    report.moved.append((case.number or "", case.state))


def _step(s: Session, case: Case, action: str, data: dict[str, Any], at: dt.datetime) -> None:
    by = str(data.get("by") or "")
    ws = case.workstation
    if action == "request_supplement":
        items = [{"name": str(i.get("name") or ""), "requirement": str(i.get("requirement") or "")}
                 for i in data.get("items") or () if isinstance(i, dict)]
        text = str(data.get("text") or data.get("reason") or "")
        due = data.get("due_date")
        rules._move(s, case, action, None, ws, items=[i["name"] for i in items], reason=text, due_date=due,
                source="backoffice", by=by)
        if text:
            case.reason = text
        rounds = [dict(r) for r in rules._meta(case).get("supplements", ())]
        rounds.append({"requested_at": at.isoformat(timespec="seconds"), "items": items, "text": text,
                       "by": by, "due_date": due})
        rules._set_meta(case, supplements=rounds)
        return
    if action == "supply_supplement":
        rules._move(s, case, action, None, ws, source="backoffice", by=by)
        rounds = [dict(r) for r in rules._meta(case).get("supplements", ())]
        if rounds and not rounds[-1].get("supplied_at"):
            rounds[-1].update(supplied_at=at.isoformat(timespec="seconds"),
                              supplied_items=[i["name"] for i in rounds[-1].get("items", ())],
                              supplied_note=str(data.get("text") or ""), supplied_by=by)
            rules._set_meta(case, supplements=rounds)
        return
    reason = str(data.get("reason") or "")
    rules._move(s, case, action, None, ws, source="backoffice", by=by, reason=reason,
            window=str(data.get("window") or ""))
    if action in ("approve", "reject"):
        case.decided_at = at
    if reason and action in ("reject", "withdraw"):
        case.reason = reason
