"""The hall's board: waiting per zone, each window, recent calls (``queue_status``), and the change
mark that tells a screen the board moved."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from ..db import Database
from ..models import Hall, QueueVersion, Ticket, Window, WindowZone, Zone
from ._common import _hall, _is_pg, _now, _zone, T
from .tickets import _info, OPEN_STATES, TicketInfo


RECENT_CALLS = 10


@dataclass(frozen=True)
class ZoneWaiting:
    zone_code: str
    zone_name: str
    waiting: int
    next_display: str | None


@dataclass(frozen=True)
class WindowStatus:
    number: int
    name: str
    paused: bool
    zone_codes: tuple[str, ...]
    display: str | None  # the ticket it holds, if any
    state: str | None


@dataclass(frozen=True)
class RecentCall:
    display: str
    window_number: int | None
    called_at: dt.datetime


@dataclass(frozen=True)
class QueueStatus:
    hall_code: str
    day: dt.date
    zones: tuple[ZoneWaiting, ...]
    windows: tuple[WindowStatus, ...]
    recent: tuple[RecentCall, ...]
    issued: int
    done: int
    no_show: int
    average_wait_minutes: float | None

    @property
    def waiting(self) -> int:
        return sum(z.waiting for z in self.zones)


def waiting_list(db: Database, hall_code: str, zone_code: str | None = None,
                 day: dt.date | None = None) -> list[TicketInfo]:
    """Waiting tickets in calling order within each zone (priority, then issue time)."""
    day = day or _now().date()
    with db.read() as s:
        hall = _hall(s, hall_code)
        stmt = select(Ticket).where(Ticket.hall_id == hall.id, Ticket.service_date == day,
                                    Ticket.state == T.WAITING.value)
        if zone_code is not None:
            stmt = stmt.where(Ticket.zone_code == _zone(s, hall, zone_code).code)
        rows = s.scalars(stmt.order_by(Ticket.priority.desc(), Ticket.issued_at, Ticket.id))
        return [_info(s, t) for t in rows]


NOTIFY_CHANNEL = "clerk_queue"  # PostgreSQL: the triggers of migration 0005 notify the hall id here


def change_mark(db: Database, hall_code: str) -> int:
    """The hall's queue change counter (SQLite; kept by triggers): one tiny read that tells a
    window or the hall screen whether the board moved since it last looked."""
    with db.read() as s:
        return int(s.scalar(select(QueueVersion.version).join(Hall, Hall.id == QueueVersion.hall_id)
                            .where(Hall.code == hall_code)) or 0)


def _wait_minutes(s: Session) -> Any:
    """Minutes from issue to call, as SQL (the average wait is computed by the database)."""
    if _is_pg(s):
        return func.extract("epoch", Ticket.called_at - Ticket.issued_at) / 60.0
    return (func.julianday(Ticket.called_at) - func.julianday(Ticket.issued_at)) * 1440.0


def queue_status(db: Database, hall_code: str, today: dt.date | None = None) -> QueueStatus:
    """What the hall screen and the manager see: waiting per zone, each window, recent calls.

    A read (never takes SQLite's write lock) of six small indexed statements whatever the size
    of the day: the day's figures grouped by state and zone, the open tickets (next per zone,
    each window's ticket), the last calls, the windows with their zones, the zones."""
    day = today or _now().date()
    with db.read() as s:
        hall = _hall(s, hall_code)
        of_day = and_(Ticket.hall_id == hall.id, Ticket.service_date == day)
        wait = _wait_minutes(s)
        counted = case((and_(Ticket.called_at.is_not(None), Ticket.state != T.WAITING.value), wait), else_=None)
        counts: dict[str, int] = {}
        waiting: dict[str, int] = {}
        wait_sum, wait_n = 0.0, 0
        for state, zone_code, n, total, calls in s.execute(
                select(Ticket.state, Ticket.zone_code, func.count(), func.sum(counted), func.count(counted))
                .where(of_day).group_by(Ticket.state, Ticket.zone_code)):
            counts[state] = counts.get(state, 0) + int(n)
            if state == T.WAITING.value:
                waiting[zone_code] = int(n)
            wait_sum += float(total or 0)
            wait_n += int(calls or 0)
        next_of_zone: dict[str, str] = {}
        held: dict[int, tuple[str, str]] = {}
        for display, zone_code, state, window_id in s.execute(
                select(Ticket.display, Ticket.zone_code, Ticket.state, Ticket.window_id)
                .where(of_day, Ticket.state.in_(OPEN_STATES))
                .order_by(Ticket.priority.desc(), Ticket.issued_at, Ticket.id)):
            if state == T.WAITING.value:
                next_of_zone.setdefault(zone_code, display)
            elif window_id is not None:
                held[window_id] = (display, state)  # the newest open ticket of the window wins below
        recent_rows = s.execute(select(Ticket.display, Ticket.window_id, Ticket.called_at)
                                .where(of_day, Ticket.called_at.is_not(None))
                                .order_by(Ticket.called_at.desc(), Ticket.id.desc()).limit(RECENT_CALLS)).all()
        windows_rows = s.execute(
            select(Window.id, Window.number, Window.name, Window.paused, Zone.code)
            .outerjoin(WindowZone, WindowZone.window_id == Window.id).outerjoin(Zone, Zone.id == WindowZone.zone_id)
            .where(Window.hall_id == hall.id).order_by(Window.number, WindowZone.priority)).all()
        zones = tuple(ZoneWaiting(code, name, waiting.get(code, 0), next_of_zone.get(code))
                      for code, name in s.execute(select(Zone.code, Zone.name).where(Zone.hall_id == hall.id)
                                                  .order_by(Zone.position)))
    numbers: dict[int, int] = {}
    per_window: dict[int, list[Any]] = {}
    for wid, number, name, paused, code in windows_rows:
        numbers[wid] = number
        entry = per_window.setdefault(wid, [number, name, paused, []])
        if code is not None:
            entry[3].append(code)
    windows = tuple(WindowStatus(number, name, paused, tuple(codes), *(held.get(wid) or (None, None)))
                    for wid, (number, name, paused, codes) in per_window.items())
    # called_at is not null by the query's filter
    recent = tuple(RecentCall(d, numbers.get(w) if w else None, cast(dt.datetime, c)) for d, w, c in recent_rows)
    issued = sum(counts.values())
    return QueueStatus(hall_code=hall.code, day=day, zones=zones, windows=windows, recent=recent, issued=issued,
                       done=counts.get(T.DONE.value, 0), no_show=counts.get(T.NO_SHOW.value, 0),
                       average_wait_minutes=round(wait_sum / wait_n, 1) if wait_n else None)
