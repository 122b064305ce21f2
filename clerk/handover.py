"""交接单 — the village agent's batch handover list, and its receipt at the centre.

A village agent (代办员) takes cases for villagers and carries their papers to the centre. The
agent makes a list of every case taken since the last list (``make_list``): each case with the
papers carried (原件/复印件 pieces counted from the material checks), printed with the list's
number as Code128 (``printing/handover.py``). At the centre a clerk or the manager scans that
number (``receive_list``): all its cases are received at once, each with an audit entry naming
user and workstation; a second scan changes nothing and says who received it, when.

One rule: a case goes on one list only (``handover_item.case_id`` is unique), so "since the last
list" is "accepted by this agent and on no list yet" — a list made offline and one made after a
crash can never carry the same case twice.
"""
from __future__ import annotations

import datetime as dt
import re
import uuid as uuidlib

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from . import audit
from .auth import authorize
from .clock import now as local_now
from .db import Database
from .dto import HandoverLine, HandoverListInfo, HandoverReceived, UserInfo
from .errors import NotFound, ValidationError
from .models import (Case, CaseState, CheckStatus, HandoverItem, HandoverList, Hall, MaterialForm, OutboxEntry,
                     Setting, User)
from .numbering import check_codes, next_value
from .privacy import mask_id, mask_name
from .sync.state import backoffice_configured

PREFIX = "JJ"  # 交接
NUMBER = re.compile(r"^JJ(?P<hall>[0-9]{8})(?P<ws>[A-Z0-9]{3})(?P<date>[0-9]{8})(?P<seq>[0-9]{3,})$")
FORM_WORDS = {MaterialForm.ORIGINAL.value: "原件", MaterialForm.COPY.value: "复印件",
              MaterialForm.ORIGINAL_AND_COPY.value: "原件及复印件", MaterialForm.ELECTRONIC.value: "电子件"}


def is_handover_number(code: str) -> bool:
    """A scanned or typed code that names a 交接单 (not a case number)."""
    return NUMBER.match((code or "").strip().upper()) is not None


def papers_of(form: str, count: int) -> tuple[int, int]:
    """(originals, copies) carried for one presented material: 原件及复印件 is one of each per
    count; an electronic one is no paper."""
    if form == MaterialForm.ORIGINAL.value:
        return count, 0
    if form == MaterialForm.COPY.value:
        return 0, count
    if form == MaterialForm.ORIGINAL_AND_COPY.value:
        return count, count
    return 0, 0


def _pending(s: Session, agent_id: int) -> list[Case]:
    """The agent's accepted cases on no list yet, oldest first (a bundle is one case: its root)."""
    listed = select(HandoverItem.case_id)
    return list(s.scalars(
        select(Case).where(Case.clerk_id == agent_id, Case.parent_id.is_(None), Case.accepted_at.is_not(None),
                           Case.number.is_not(None), Case.state != CaseState.WITHDRAWN.value,
                           Case.id.not_in(listed))
        .options(selectinload(Case.checks), selectinload(Case.matter), selectinload(Case.bundle),
                 selectinload(Case.applicant))
        .order_by(Case.accepted_at, Case.id)))


def _line(case: Case, originals: int | None = None, copies: int | None = None) -> HandoverLine:
    snap = (case.parties or {}).get("applicant") or {}
    a = case.applicant
    name = snap.get("name") or (a.name if a else "")
    number = snap.get("id_number") or (a.id_number if a else "")
    papers, o_sum, c_sum = [], 0, 0
    for c in case.checks:
        if c.status != CheckStatus.PRESENTED.value or c.count <= 0:
            continue
        o, k = papers_of(c.form, c.count)
        o_sum, c_sum = o_sum + o, c_sum + k
        if o or k:
            papers.append(f"{c.name} {FORM_WORDS.get(c.form, c.form)}{c.count}份")
    matter = case.matter.name if case.matter else (case.bundle.name if case.bundle else "")
    return HandoverLine(case_number=case.number or "", applicant=mask_name(name), id_number_masked=mask_id(number),
                        matter_name=matter, accepted_at=case.accepted_at,
                        originals=o_sum if originals is None else originals,
                        copies=c_sum if copies is None else copies, papers=tuple(papers))


def _info(s: Session, row: HandoverList) -> HandoverListInfo:
    cases = {c.id: c for c in s.scalars(
        select(Case).where(Case.id.in_([i.case_id for i in row.items]))
        .options(selectinload(Case.checks), selectinload(Case.matter), selectinload(Case.bundle),
                 selectinload(Case.applicant)))}
    # the counts are those printed on the list, whatever happened to the checks since
    lines = tuple(_line(cases[i.case_id], i.originals, i.copies) for i in row.items)
    return HandoverListInfo(number=row.number, agent_name=row.agent_name, workstation=row.workstation,
                            created_at=row.created_at, lines=lines, received_at=row.received_at,
                            received_by=row.received_by, received_name=row.received_name,
                            received_workstation=row.received_workstation)


def _workstation(s: Session, workstation: str) -> str:
    if workstation:
        return workstation
    row = s.get(Setting, "workstation")
    return row.value if row is not None and row.value else "W01"


def pending_cases(db: Database, user: UserInfo) -> list[HandoverLine]:
    """What the next list would carry (the agent's screen shows it before printing)."""
    authorize(user, "handover.make")
    with db.read() as s:
        return [_line(c) for c in _pending(s, user.id)]


def make_list(db: Database, user: UserInfo, *, workstation: str = "",
              now: dt.datetime | None = None) -> HandoverListInfo:
    """The agent's new 交接单 of every case taken since the last one. Nothing to carry is a
    Chinese refusal (no empty list is numbered)."""
    who = authorize(user, "handover.make")
    when = now or local_now()
    with db.uow() as s:
        cases = _pending(s, user.id)
        if not cases:
            raise ValidationError("自上一张交接单以来没有新受理的办件，无需打印交接单",
                                  "no case taken since the last handover list")
        hall = s.get(Hall, user.hall_id) if user.hall_id is not None else s.scalar(select(Hall).order_by(Hall.id))
        if hall is None:
            raise NotFound("没有大厅信息，无法编号交接单", "no hall to number the list")
        ws = _workstation(s, workstation)
        check_codes(hall.code, ws)
        seq = next_value(s, f"handover:{hall.code}:{ws}", when.date())
        row = HandoverList(number=f"{PREFIX}{hall.code}{ws}{when:%Y%m%d}{seq:03d}", hall_id=hall.id,
                           agent_id=user.id or None, agent_name=user.display_name, workstation=ws,
                           created_at=when)
        for i, case in enumerate(cases):
            line = _line(case)
            row.items.append(HandoverItem(case_id=case.id, originals=line.originals, copies=line.copies, position=i))
        s.add(row)
        s.flush()
        audit.record(s, "handover.make", username=who, workstation=ws, entity="handover", entity_id=row.number,
                     cases=len(cases), originals=sum(i.originals for i in row.items),
                     copies=sum(i.copies for i in row.items))
        for case in cases:
            audit.record(s, "case.handover", username=who, workstation=ws, entity="case", entity_id=case.uuid,
                         number=case.number, handover=row.number)
        info = _info(s, row)
        # to the back office after the cases it carries (clerk.sync.push keeps it behind their entries),
        # so the centre can receive it by number though the cases live in this desk's own database
        s.add(OutboxEntry(kind="handover.list", entity_uuid=str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, row.number)),
                          payload={"number": row.number, "agent": row.agent_name, "workstation": ws,
                                   "made_at": when.replace(microsecond=0).isoformat(),
                                   "cases": [{"uuid": case.uuid, "number": line.case_number, "originals": line.originals,
                                              "copies": line.copies, "papers": list(line.papers)}
                                             for case, line in zip(cases, info.lines, strict=True)]}))
        return info


def _find(s: Session, number: str, *, lock: bool = False) -> HandoverList:
    code = (number or "").strip().upper()
    stmt = select(HandoverList).where(HandoverList.number == code).options(selectinload(HandoverList.items))
    if lock and s.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=HandoverList)
    row = s.scalar(stmt)
    if row is None:
        if not is_handover_number(code):
            raise NotFound(f"“{code}”不是交接单编号（交接单编号以 JJ 开头），请扫描交接单右上方的条码",
                           f"{code!r} is not a handover list number")
        raise NotFound(f"找不到交接单 {code}：本中心没有这张交接单的记录，请核对编号或联系代办员",
                       f"no handover list {code}")
    return row


def get_list(db: Database, number: str) -> HandoverListInfo:
    with db.read() as s:
        return _info(s, _find(s, number))


def recent_lists(db: Database, user: UserInfo, limit: int = 20) -> list[HandoverListInfo]:
    """An agent's own lists, newest first; a clerk or manager sees the hall's."""
    with db.read() as s:
        stmt = select(HandoverList).options(selectinload(HandoverList.items))
        if user.role == "agent":
            stmt = stmt.where(HandoverList.agent_id == user.id)
        rows = s.scalars(stmt.order_by(HandoverList.id.desc()).limit(limit))
        return [_info(s, r) for r in rows]


def receive_list(db: Database, user: UserInfo, number: str, *, workstation: str = "",
                 now: dt.datetime | None = None) -> HandoverReceived:
    """The centre receives every case of the list at once (one transaction, an audit entry per
    case naming user and workstation). A list received before is left as it was: the outcome
    says so (``first`` False) with who received it and when."""
    who = authorize(user, "handover.receive")
    when = now or local_now()
    code = (number or "").strip().upper()
    if is_handover_number(code) and not _held(db, code) and backoffice_configured(db):
        return _receive_remote(db, user, who, code, workstation)
    with db.uow() as s:
        row = _find(s, number, lock=True)
        ws = _workstation(s, workstation)
        if row.received_at is not None:
            audit.record(s, "handover.rescan", username=who, workstation=ws, entity="handover", entity_id=row.number,
                         received_by=row.received_by, received_at=row.received_at)
            return HandoverReceived(_info(s, row), first=False)
        name = user.display_name
        if user.id:
            person = s.get(User, user.id)
            name = person.display_name if person is not None else name
        row.received_at, row.received_by, row.received_name, row.received_workstation = when, who, name, ws
        cases = s.scalars(select(Case).where(Case.id.in_([i.case_id for i in row.items])))
        for case in cases:
            audit.record(s, "case.received", username=who, workstation=ws, entity="case", entity_id=case.uuid,
                         number=case.number, handover=row.number, agent=row.agent_name)
        audit.record(s, "handover.receive", username=who, workstation=ws, entity="handover", entity_id=row.number,
                     cases=len(row.items))
        s.flush()
        return HandoverReceived(_info(s, row), first=True)


def _held(db: Database, code: str) -> bool:
    with db.read() as s:
        return s.scalar(select(HandoverList.id).where(HandoverList.number == code)) is not None


def _time(value: object) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _receive_remote(db: Database, user: UserInfo, who: str, code: str, workstation: str) -> HandoverReceived:
    """A list made on an agent's laptop (its own database): received at the back office, which
    holds it and its cases since the laptop synced. Audited here as a local receipt is."""
    from .sync import handover as remote

    with db.read() as s:
        ws = _workstation(s, workstation)
        name = user.display_name
        if user.id:
            person = s.get(User, user.id)
            name = person.display_name if person is not None else name
    d = remote.receive(db, code, username=who, name=name, workstation=ws)
    lines = tuple(HandoverLine(case_number=str(c.get("number") or ""), applicant=str(c.get("applicant") or ""),
                               id_number_masked=str(c.get("id_number_masked") or ""),
                               matter_name=str(c.get("matter_name") or ""), accepted_at=_time(c.get("accepted_at")),
                               originals=int(c.get("originals") or 0), copies=int(c.get("copies") or 0),
                               papers=tuple(str(p) for p in c.get("papers") or ()))
                  for c in d["cases"])
    info = HandoverListInfo(number=code, agent_name=str(d.get("agent") or ""), workstation=str(d.get("workstation") or ""),
                            created_at=_time(d.get("made_at")) or local_now(), lines=lines,
                            received_at=_time(d.get("received_at")), received_by=str(d.get("received_by") or ""),
                            received_name=str(d.get("received_name") or ""),
                            received_workstation=str(d.get("received_workstation") or ""))
    first = not d["already"]
    with db.uow() as s:
        if not first:
            audit.record(s, "handover.rescan", username=who, workstation=ws, entity="handover", entity_id=code,
                         received_by=info.received_by, received_at=info.received_at, via="backoffice")
        else:
            for c in d["cases"]:
                audit.record(s, "case.received", username=who, workstation=ws, entity="case", entity_id=c.get("uuid"),
                             number=c.get("number"), handover=code, agent=info.agent_name, via="backoffice")
            audit.record(s, "handover.receive", username=who, workstation=ws, entity="handover", entity_id=code,
                         cases=len(lines), via="backoffice")
    return HandoverReceived(info, first=first)


def received_message(outcome: HandoverReceived) -> str:
    """The line the centre's screen (or the CLI) shows after a scan."""
    h = outcome.handover
    if outcome.first:
        return (f"交接单 {h.number} 已接收：代办员 {h.agent_name} 的 {len(h.lines)} 件办件"
                f"（原件 {h.originals} 份，复印件 {h.copies} 份）")
    at = f"{h.received_at:%Y年%m月%d日 %H:%M}" if h.received_at else ""
    where = f"（{h.received_workstation}）" if h.received_workstation else ""
    return f"交接单 {h.number} 已于 {at} 由 {h.received_name or h.received_by}{where} 接收，无需重复接收"
