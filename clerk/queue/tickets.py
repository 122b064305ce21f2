"""Tickets: their states and what a clerk reads of them (``TicketInfo``), 取号, and look-ups."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit
from ..auth import authorize
from ..db import Database
from ..dto import UserInfo
from ..errors import IllegalTransition, NotFound, ValidationError
from ..models import Applicant, ApplicantKind, Hall, Ticket, Window, Zone
from ..numbering import next_value
from ..validation import validate_id_number
from ._common import _hall, _now, _window, _zone, T
from .lanes import _lane, _lanes_in, Lane, LANES


HELD_ELSEWHERE = "已由其他窗口呼叫"  # the refusal the calling panel recognises (ticket no longer its own)

STATE_LABELS = {T.WAITING: "等候中", T.CALLED: "已呼叫", T.SERVING: "办理中", T.DONE: "已办结",
                T.NO_SHOW: "已过号", T.CANCELLED: "已取消"}
OPEN_STATES = (T.WAITING.value, T.CALLED.value, T.SERVING.value)

# action → (states it may start from, what the clerk reads)
ACTIONS: dict[str, tuple[frozenset[str], str]] = {
    "recall": (frozenset({T.CALLED}), "重呼"),
    "start": (frozenset({T.CALLED}), "开始办理"),
    "finish": (frozenset({T.CALLED, T.SERVING}), "办结"),
    "no_show": (frozenset({T.CALLED}), "标记过号"),
    "return": (frozenset({T.NO_SHOW}), "过号重排"),
    "transfer": (frozenset({T.WAITING, T.CALLED, T.SERVING}), "转移"),
    "cancel": (frozenset({T.WAITING}), "取消"),
}


# --------------------------------------------------------------------------- results

@dataclass(frozen=True)
class TicketInfo:
    id: int
    display: str
    zone_code: str
    zone_name: str
    lane: str
    lane_label: str
    priority: int
    state: str
    state_label: str
    ahead: int  # waiting tickets called before this one (0 unless WAITING)
    service_date: dt.date
    issued_at: dt.datetime
    called_at: dt.datetime | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    no_show_at: dt.datetime | None
    window_number: int | None
    target_window: int | None
    holder: str
    lease_until: dt.datetime | None
    call_count: int
    applicant_id: int | None
    transfer_note: str
    repeat_open: tuple[str, ...] = ()  # the same applicant's other open tickets today
    auto_finished: str | None = None   # the ticket call_next finished for this window first

    @property
    def wait_minutes(self) -> float | None:
        if self.called_at is None:
            return None
        return round((self.called_at - self.issued_at).total_seconds() / 60, 1)

    @property
    def serve_minutes(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return round((self.finished_at - self.started_at).total_seconds() / 60, 1)


def _ticket(s: Session, ticket_id: int) -> Ticket:
    ticket = s.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"找不到号票 {ticket_id}", f"ticket {ticket_id} not found")
    return ticket


def _check(ticket: Ticket, action: str) -> None:
    allowed, label = ACTIONS[action]
    if ticket.state not in allowed:
        state = STATE_LABELS.get(T(ticket.state), ticket.state)
        raise IllegalTransition(f"{ticket.display} {state}，不能{label}",
                                f"ticket {ticket.display} is {ticket.state}: cannot {action}")


def _check_holder(s: Session, ticket: Ticket, holder: str | None, action: str) -> None:
    """``holder=None`` is the manager or the CLI, who may act on any ticket."""
    if holder is not None and ticket.holder and ticket.holder != holder:
        window = s.get(Window, ticket.window_id) if ticket.window_id else None
        where = f"（{window.number} 号窗口）" if window else ""
        raise IllegalTransition(f"{ticket.display} {HELD_ELSEWHERE}{where}，不能在此{ACTIONS[action][1]}",
                                f"ticket {ticket.display} is held by {ticket.holder}")


def _ahead(s: Session, t: Ticket) -> int:
    if t.state != T.WAITING:
        return 0
    earlier = or_(Ticket.priority > t.priority,
                  and_(Ticket.priority == t.priority,
                       or_(Ticket.issued_at < t.issued_at,
                           and_(Ticket.issued_at == t.issued_at, Ticket.id < t.id))))
    same_line = (Ticket.target_window == t.target_window if t.target_window is not None
                 else and_(Ticket.target_window.is_(None), Ticket.zone_code == t.zone_code))
    return s.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.hall_id == t.hall_id, Ticket.service_date == t.service_date,
        Ticket.state == T.WAITING.value, same_line, earlier)) or 0


def _info(s: Session, t: Ticket, *, repeat_open: Sequence[str] = (), auto_finished: str | None = None,
          lanes: Mapping[str, Lane] | None = None) -> TicketInfo:
    names: dict[tuple[int, str], str | None] = s.info.setdefault("zone_names", {})
    if (t.hall_id, t.zone_code) not in names:
        names[(t.hall_id, t.zone_code)] = s.scalar(
            select(Zone.name).where(Zone.hall_id == t.hall_id, Zone.code == t.zone_code))
    zone_name = names[(t.hall_id, t.zone_code)]
    window = s.get(Window, t.window_id) if t.window_id else None
    if lanes is None:
        hall = s.get(Hall, t.hall_id)
        lanes = _lanes_in(s, hall.code).lanes if hall else LANES
    lane = lanes.get(t.lane) or LANES.get(t.lane)
    return TicketInfo(
        id=t.id, display=t.display, zone_code=t.zone_code, zone_name=zone_name or t.zone_code,
        lane=t.lane, lane_label=lane.label if lane else t.lane, priority=t.priority, state=t.state,
        state_label=STATE_LABELS.get(T(t.state), t.state), ahead=_ahead(s, t), service_date=t.service_date,
        issued_at=t.issued_at, called_at=t.called_at, started_at=t.started_at, finished_at=t.finished_at,
        no_show_at=t.no_show_at, window_number=window.number if window else None,
        target_window=t.target_window, holder=t.holder, lease_until=t.lease_until, call_count=t.call_count,
        applicant_id=t.applicant_id, transfer_note=t.transfer_note, repeat_open=tuple(repeat_open),
        auto_finished=auto_finished)


def _back_to_waiting(t: Ticket) -> None:
    t.state = T.WAITING.value
    t.window_id, t.holder, t.lease_until = None, "", None


def _open_of_window(s: Session, window: Window, day: dt.date) -> Ticket | None:
    # Today only (the indexed path): a ticket left open last night does not block the morning.
    return s.scalar(select(Ticket).where(
        Ticket.hall_id == window.hall_id, Ticket.service_date == day, Ticket.window_id == window.id,
        Ticket.state.in_((T.CALLED.value, T.SERVING.value))).order_by(Ticket.id.desc()).limit(1))


CARD_ID_TYPES = {"resident": "resident", "gat": "gat", "foreigner_2017": "foreigner", "foreigner_2023": "foreigner"}


def applicant_for_card(db: Database, id_number: str, name: str, card_type: str = "resident") -> int:
    """The person applicant of an ID card swiped at the kiosk, created when new, so the queue
    knows a repeat visitor before any case exists. Returns the applicant id.

    The number is stored as ``clerk.cases`` stores it (the key intake finds the person by): the
    validated number in full, 18 characters with an upper-case X — never masked or hashed in the
    row; masking happens wherever it is shown."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("读卡未得到姓名，请重新刷卡", "no name on the card")
    id_type = CARD_ID_TYPES.get(card_type, "resident")
    if id_type in ("resident", "gat"):
        number = validate_id_number(id_number).number
    else:
        number = (id_number or "").strip().upper()
        if not number:
            raise ValidationError("读卡未得到证件号码，请重新刷卡", "no number on the card")
    kind = ApplicantKind.PERSON.value
    for attempt in range(2):
        try:
            with db.uow() as s:
                row = s.scalar(select(Applicant).where(Applicant.kind == kind, Applicant.id_number == number))
                if row is None:
                    row = Applicant(kind=kind, id_number=number, name=name, id_type=id_type)
                    s.add(row)
                    s.flush()
                return row.id
        except IntegrityError:
            if attempt:  # another kiosk created the same person at the same moment: read theirs
                raise
    raise AssertionError("unreachable")


def ticket_qr_payload(hall_code: str, t: TicketInfo) -> str:
    """What the ticket's QR code carries: hall, service date and number, e.g.
    ``33022501-20261123-A023`` (unique across halls and days, no personal data)."""
    return f"{hall_code}-{t.service_date:%Y%m%d}-{t.display}"


# --------------------------------------------------------------------------- issue

def issue_in(s: Session, hall: Hall, zone: Zone, lane: Lane, lane_key: str, now: dt.datetime,
             applicant_id: int | None = None) -> Ticket:
    """A new WAITING ticket in an open session (the counter row is taken in its transaction)."""
    day = now.date()
    seq = next_value(s, f"ticket:{hall.code}:{zone.code}", day)
    t = Ticket(hall_id=hall.id, service_date=day, zone_code=zone.code, seq=seq,
               display=f"{zone.prefix}{seq:03d}", lane=lane_key, priority=lane.priority,
               state=T.WAITING.value, applicant_id=applicant_id, issued_at=now)
    s.add(t)
    s.flush()
    return t


def take_ticket(db: Database, hall_code: str, zone_code: str, lane: str = "normal",
                applicant_id: int | None = None, now: dt.datetime | None = None,
                lanes: Mapping[str, Lane] | None = None, *, user: UserInfo | None = None,
                workstation: str = "") -> TicketInfo:
    """取号: the next number of the zone today, e.g. A001 (four digits after 999). The lane is
    one the hall has open (``hall_lanes``) unless ``lanes`` is given."""
    who = authorize(user, "queue.take")
    now = now or _now()
    with db.uow() as s:
        hall = _hall(s, hall_code)
        zone = _zone(s, hall, zone_code)
        lanes = lanes if lanes is not None else _lanes_in(s, hall.code).lanes
        key, chosen = _lane(lane, lanes)
        t = issue_in(s, hall, zone, chosen, key, now, applicant_id)
        if user is not None:  # the in-process kiosk path stays one insert; signed-in takers are audited
            audit.record(s, "queue.take", username=who, workstation=workstation, entity="ticket",
                         entity_id=t.display, lane=key)
        repeat: list[str] = []
        if applicant_id is not None:
            repeat = list(s.scalars(select(Ticket.display).where(
                Ticket.applicant_id == applicant_id, Ticket.hall_id == hall.id,
                Ticket.service_date == t.service_date, Ticket.state.in_(OPEN_STATES), Ticket.id != t.id)
                .order_by(Ticket.id)))
        return _info(s, t, repeat_open=repeat, lanes=lanes)


# --------------------------------------------------------------------------- look-ups

def find_ticket(db: Database, hall_code: str, display: str, day: dt.date | None = None) -> TicketInfo:
    """A ticket by its number on a day (default today), e.g. ``A003``."""
    day = day or _now().date()
    with db.read() as s:
        hall = _hall(s, hall_code)
        t = s.scalar(select(Ticket).where(Ticket.hall_id == hall.id, Ticket.service_date == day,
                                          Ticket.display == (display or "").strip().upper()))
        if t is None:
            raise NotFound(f"今天没有 {display} 号", f"no ticket {display} on {day}")
        return _info(s, t)


def current_ticket(db: Database, hall_code: str, window_number: int,
                   day: dt.date | None = None) -> TicketInfo | None:
    """The ticket the window holds now (CALLED or SERVING) — intake links its case to it."""
    with db.read() as s:
        t = _open_of_window(s, _window(s, _hall(s, hall_code), window_number), day or _now().date())
        return _info(s, t) if t else None


def tickets_for_window(db: Database, hall_code: str, window_number: int,
                       day: dt.date | None = None) -> list[TicketInfo]:
    """Every ticket the window called on a day, newest first."""
    day = day or _now().date()
    with db.read() as s:
        window = _window(s, _hall(s, hall_code), window_number)
        rows = s.scalars(select(Ticket).where(Ticket.hall_id == window.hall_id, Ticket.service_date == day,
                                              Ticket.window_id == window.id)
                         .order_by(Ticket.called_at.desc(), Ticket.id.desc()))
        return [_info(s, t) for t in rows]
