"""Calling and serving: 叫号 with leases, recall, start, finish, 过号, cancel, transfer, return,
walk-in, and what a window finds when its app starts."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import and_, case, func, literal, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from .. import audit
from ..auth import authorize, is_manager
from ..db import Database
from ..dto import UserInfo
from ..errors import IllegalTransition, ValidationError
from ..models import Hall, Setting, Ticket, Window, WindowZone, Zone
from ._common import _hall, _is_pg, _now, _window, _zone, bind_holder, LEASE_SECONDS, T
from .lanes import _grace_in, _lanes_in, LANES, LANES_SETTING, parse_lanes
from .halls import seat_of
from .tickets import (_back_to_waiting, _check, _check_holder, _info, _open_of_window, _ticket, find_ticket, issue_in,
                      STATE_LABELS, TicketInfo)


def _free_window(s: Session, window: Window, now: dt.datetime) -> str | None:
    """Finish the ticket the window is serving; refuse while one is only called."""
    current = _open_of_window(s, window, now.date())
    if current is None:
        return None
    if current.state == T.CALLED:
        raise IllegalTransition(
            f"{window.number} 号窗口已呼叫 {current.display}，请先开始办理或标记过号",
            f"window {window.number} holds called ticket {current.display}: start or no-show it first")
    current.state, current.finished_at = T.DONE.value, now
    current.holder, current.lease_until = "", None
    return current.display


# --------------------------------------------------------------------------- call

def _release_in(s: Session, hall_id: int, now: dt.datetime) -> list[str]:
    # Today's tickets of one hall, so the (hall, date, state) index serves it on every call.
    stmt = select(Ticket).where(Ticket.hall_id == hall_id, Ticket.service_date == now.date(),
                                Ticket.state == T.CALLED.value, Ticket.lease_until < now)
    if _is_pg(s):
        # Never wait on a row another window is working on; it is released on a later call.
        stmt = stmt.with_for_update(skip_locked=True)
    released = []
    for t in s.scalars(stmt):
        _back_to_waiting(t)  # issued_at stays, so it is first in its lane again
        released.append(t.display)
    s.flush()
    return released


def release_expired(db: Database, now: dt.datetime | None = None, *, user: UserInfo | None = None,
                    workstation: str = "") -> list[str]:
    """Put CALLED tickets whose holder stopped renewing back to WAITING; returns their numbers."""
    who = authorize(user, "queue.window")
    now = now or _now()
    with db.uow() as s:
        hall_ids = list(s.scalars(select(Hall.id).order_by(Hall.id)))
        released = [d for hall_id in hall_ids for d in _release_in(s, hall_id, now)]
        if user is not None and released:
            audit.record(s, "queue.release", username=who, workstation=workstation, entity="ticket",
                         entity_id=",".join(released)[:60], tickets=released)
        return released


def heartbeat(db: Database, holder: str, now: dt.datetime | None = None,
              lease_seconds: int = LEASE_SECONDS, hall_code: str | None = None) -> int:
    """The holder is alive: renew the leases of its open tickets. Returns how many.
    With ``hall_code`` only today's tickets of that hall are looked at (the indexed path)."""
    now = now or _now()
    with db.uow() as s:
        where = [Ticket.holder == holder, Ticket.state.in_((T.CALLED.value, T.SERVING.value))]
        if hall_code is not None:
            where += [Ticket.hall_id == _hall(s, hall_code).id, Ticket.service_date == now.date()]
        result = s.execute(update(Ticket).where(*where)
                           .values(lease_until=now + dt.timedelta(seconds=lease_seconds)))
        return int(cast(CursorResult[Any], result).rowcount or 0)  # an UPDATE's result has a rowcount


def _pick(s: Session, hall: Hall, window: Window, day: dt.date) -> Ticket | None:
    served = s.execute(select(Zone.code, Zone.name).join(WindowZone, WindowZone.zone_id == Zone.id)
                       .where(WindowZone.window_id == window.id).order_by(WindowZone.priority)).all()
    s.info.setdefault("zone_names", {}).update({(hall.id, c): n for c, n in served})
    zone_codes = [c for c, _ in served]
    mine = Ticket.target_window == window.number
    eligible = or_(mine, and_(Ticket.target_window.is_(None), Ticket.zone_code.in_(zone_codes)))
    # A window with no zones still calls tickets transferred to it (an empty CASE is not SQL).
    zone_rank = (case({c: i for i, c in enumerate(zone_codes)}, value=Ticket.zone_code, else_=len(zone_codes))
                 if zone_codes else literal(0))
    # Only the id is selected: the row lock sits between LIMIT and the sort, so PostgreSQL sorts
    # every waiting row, and narrow rows keep that sort cheap on a busy day.
    stmt = (select(Ticket.id)
            .where(Ticket.hall_id == hall.id, Ticket.service_date == day,
                   Ticket.state == T.WAITING.value, eligible)
            .order_by(case((mine, 0), else_=1), Ticket.priority.desc(), zone_rank,
                      Ticket.issued_at, Ticket.id)
            .limit(1))
    if _is_pg(s):
        stmt = stmt.with_for_update(skip_locked=True, of=Ticket)
    return s.scalar(select(Ticket).where(Ticket.id == stmt.scalar_subquery()))


def call_next_in(s: Session, hall_code: str, window_number: int, holder: str, now: dt.datetime,
                 lease_seconds: int = LEASE_SECONDS) -> tuple[Ticket | None, str | None]:
    """叫号 inside an open session: (the CALLED ticket or None, the number auto-finished)."""
    if not holder.strip():
        raise ValidationError("呼叫方标识不能为空", "holder must not be empty")
    hall = _hall(s, hall_code)
    window = _window(s, hall, window_number, lock=True)
    if window.paused:
        raise IllegalTransition(f"{window_number} 号窗口已暂停，请先恢复叫号", f"window {window_number} is paused")
    _release_in(s, hall.id, now)
    finished = _free_window(s, window, now)
    t = _pick(s, hall, window, now.date())
    if t is None:
        s.flush()
        return None, finished
    t.state, t.window_id, t.called_at = T.CALLED.value, window.id, now
    t.call_count += 1
    t.holder, t.lease_until = holder[:60], now + dt.timedelta(seconds=lease_seconds)
    s.flush()
    return t, finished


def call_next(db: Database, hall_code: str, window_number: int, holder: str, now: dt.datetime | None = None,
              lease_seconds: int = LEASE_SECONDS, *, user: UserInfo | None = None,
              workstation: str = "") -> TicketInfo | None:
    """下一位: the best waiting ticket for this window, or None when nobody waits.

    Three statements, whatever the size of the day (``call_next_in`` is the same rule through
    the ORM, for callers inside a larger unit of work):

    1. the window (locked on PostgreSQL, so two sessions of one window take turns), its paused
       flag, a still-called ticket it holds (a refusal), the hall's zone names and lane setting;
    2. one UPDATE that puts expired leases of the hall back to WAITING (rows another window is
       working on are skipped, not waited for) and finishes the ticket this window is serving;
    3. one UPDATE … RETURNING that calls the best waiting ticket, picked by a subquery in the
       calling order (transferred to this window, lane priority, the window's zone order, issue
       time) with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL — concurrent windows pass over each
       other's pick instead of waiting.

    A signed-in ``user`` adds the audit entry of the call (a fourth statement, an INSERT)."""
    who = authorize(user, "queue.window")
    now = now or _now()
    if not holder.strip():
        raise ValidationError("呼叫方标识不能为空", "holder must not be empty")
    holder = bind_holder(holder, user)
    day = now.date()
    with db.uow() as s:
        pg = _is_pg(s)
        # 1. the window, what it holds, the names the answer needs
        called_here = (select(Ticket.display).where(
            Ticket.hall_id == Window.hall_id, Ticket.service_date == day, Ticket.window_id == Window.id,
            Ticket.state == T.CALLED.value, or_(Ticket.lease_until.is_(None), Ticket.lease_until >= now))
            .order_by(Ticket.id.desc()).limit(1).scalar_subquery())
        lanes_own = select(Setting.value).where(Setting.key == f"{LANES_SETTING}:{hall_code}").scalar_subquery()
        lanes_all = select(Setting.value).where(Setting.key == LANES_SETTING).scalar_subquery()
        first = (select(Window.id, Window.hall_id, Window.paused, called_here, lanes_own, lanes_all,
                        Zone.code, Zone.name)
                 .join(Hall, Hall.id == Window.hall_id).outerjoin(Zone, Zone.hall_id == Hall.id)
                 .where(Hall.code == hall_code, Window.number == window_number))
        if pg:
            first = first.with_for_update(of=Window)
        rows = s.execute(first).all()
        if not rows:
            _window(s, _hall(s, hall_code), window_number)  # says which one is missing
        window_id, hall_id, paused, holding, own_lanes, all_lanes = rows[0][:6]
        zone_names = {code: name for *_, code, name in rows if code is not None}
        if paused:
            raise IllegalTransition(f"{window_number} 号窗口已暂停，请先恢复叫号", f"window {window_number} is paused")
        if holding:
            raise IllegalTransition(
                f"{window_number} 号窗口已呼叫 {holding}，请先开始办理或标记过号",
                f"window {window_number} holds called ticket {holding}: start or no-show it first")
        today = and_(Ticket.hall_id == hall_id, Ticket.service_date == day)
        # 2. expired leases back to the queue; the ticket being served here is done
        expired = select(Ticket.id).where(today, Ticket.state == T.CALLED.value, Ticket.lease_until < now)
        if pg:
            expired = expired.with_for_update(skip_locked=True)
        serving = Ticket.state == T.SERVING.value
        freed = s.execute(
            update(Ticket).where(or_(Ticket.id.in_(expired),
                                     and_(today, Ticket.window_id == window_id, serving)))
            .values(state=case((serving, T.DONE.value), else_=T.WAITING.value),
                    finished_at=case((serving, now), else_=Ticket.finished_at),
                    window_id=case((serving, Ticket.window_id), else_=None),
                    holder="", lease_until=None)
            .returning(Ticket.display, Ticket.state, Ticket.id)
            .execution_options(synchronize_session=False)).all()
        finished = next((d for d, st, _ in sorted(freed, key=lambda r: -r[2]) if st == T.DONE.value), None)
        # 3. call the best waiting ticket for this window
        mine = Ticket.target_window == window_number
        served = select(Zone.code).join(WindowZone, WindowZone.zone_id == Zone.id).where(
            WindowZone.window_id == window_id)
        rank = (select(WindowZone.priority).join(Zone, Zone.id == WindowZone.zone_id)
                .where(WindowZone.window_id == window_id, Zone.code == Ticket.zone_code)
                .correlate(Ticket).scalar_subquery())
        pick = (select(Ticket.id).where(today, Ticket.state == T.WAITING.value,
                                        or_(mine, and_(Ticket.target_window.is_(None), Ticket.zone_code.in_(served))))
                .order_by(case((mine, 0), else_=1), Ticket.priority.desc(), func.coalesce(rank, 1_000_000),
                          Ticket.issued_at, Ticket.id)
                .limit(1))
        if pg:
            pick = pick.with_for_update(skip_locked=True, of=Ticket)
        row = s.execute(
            update(Ticket).where(Ticket.id == pick.scalar_subquery(), Ticket.state == T.WAITING.value)
            .values(state=T.CALLED.value, window_id=window_id, called_at=now, call_count=Ticket.call_count + 1,
                    holder=holder[:60], lease_until=now + dt.timedelta(seconds=lease_seconds))
            .returning(*Ticket.__table__.columns)
            .execution_options(synchronize_session=False)).first()
        if user is not None and (row is not None or finished):
            audit.record(s, "queue.call", username=who, workstation=workstation, entity="ticket",
                         entity_id=row.display if row is not None else "", window=window_number,
                         auto_finished=finished or "")
        if row is None:
            return None
        lanes = LANES
        raw = next((v for v in (own_lanes, all_lanes) if (v or "").strip()), None)
        if raw is not None:
            try:
                lanes = parse_lanes(raw)
            except ValidationError:
                lanes = LANES
        t = row._mapping
        lane = lanes.get(t["lane"]) or LANES.get(t["lane"])
        return TicketInfo(
            id=t["id"], display=t["display"], zone_code=t["zone_code"],
            zone_name=zone_names.get(t["zone_code"]) or t["zone_code"], lane=t["lane"],
            lane_label=lane.label if lane else t["lane"], priority=t["priority"], state=t["state"],
            state_label=STATE_LABELS[T.CALLED], ahead=0, service_date=t["service_date"], issued_at=t["issued_at"],
            called_at=t["called_at"], started_at=t["started_at"], finished_at=t["finished_at"],
            no_show_at=t["no_show_at"], window_number=window_number, target_window=t["target_window"],
            holder=t["holder"], lease_until=t["lease_until"], call_count=t["call_count"],
            applicant_id=t["applicant_id"], transfer_note=t["transfer_note"], auto_finished=finished)


# --------------------------------------------------------------------------- window actions

def _act(db: Database, ticket_id: int, action: str, holder: str | None, now: dt.datetime | None,
         apply: Callable[[Session, Ticket, dt.datetime], None], user: UserInfo | None = None,
         workstation: str = "", **detail: Any) -> TicketInfo:
    who = authorize(user, "queue.window")
    if user is not None and holder is None and not is_manager(user):
        holder = ""  # a counter user names no holder: only tickets nobody holds are theirs to move
    elif holder:
        holder = bind_holder(holder, user)  # a holder copied from another window is not this user's
    now = now or _now()
    with db.uow() as s:
        t = _ticket(s, ticket_id)
        _check(t, action)
        _check_holder(s, t, holder, action)
        state = t.state
        apply(s, t, now)
        s.flush()
        if user is not None:
            audit.record(s, f"queue.{action}", username=who, workstation=workstation, entity="ticket",
                         entity_id=t.display, before=state, after=t.state, **detail)
        return _info(s, t)


def recall(db: Database, ticket_id: int, holder: str | None = None, now: dt.datetime | None = None,
           lease_seconds: int = LEASE_SECONDS, *, user: UserInfo | None = None, workstation: str = "") -> TicketInfo:
    """重呼: call the same ticket again (call_count + 1, called_at and lease refreshed)."""
    def apply(_s: Session, t: Ticket, at: dt.datetime) -> None:
        t.call_count += 1
        t.called_at, t.lease_until = at, at + dt.timedelta(seconds=lease_seconds)
    return _act(db, ticket_id, "recall", holder, now, apply, user, workstation)


def start_serving(db: Database, ticket_id: int, holder: str | None = None,
                  now: dt.datetime | None = None, *, user: UserInfo | None = None, workstation: str = "") -> TicketInfo:
    def apply(_s: Session, t: Ticket, at: dt.datetime) -> None:
        t.state, t.started_at = T.SERVING.value, at
    return _act(db, ticket_id, "start", holder, now, apply, user, workstation)


def finish(db: Database, ticket_id: int, holder: str | None = None, now: dt.datetime | None = None, *,
           user: UserInfo | None = None, workstation: str = "") -> TicketInfo:
    """办结. Finishing a ticket never started counts its service from the call."""
    def apply(_s: Session, t: Ticket, at: dt.datetime) -> None:
        t.started_at = t.started_at or t.called_at
        t.state, t.finished_at, t.holder, t.lease_until = T.DONE.value, at, "", None
    return _act(db, ticket_id, "finish", holder, now, apply, user, workstation)


def no_show(db: Database, ticket_id: int, holder: str | None = None, now: dt.datetime | None = None, *,
            user: UserInfo | None = None, workstation: str = "") -> TicketInfo:
    """过号: the called person did not come."""
    def apply(_s: Session, t: Ticket, at: dt.datetime) -> None:
        t.state, t.no_show_at, t.holder, t.lease_until = T.NO_SHOW.value, at, "", None
    return _act(db, ticket_id, "no_show", holder, now, apply, user, workstation)


def cancel(db: Database, ticket_id: int, now: dt.datetime | None = None, *, user: UserInfo | None = None,
           workstation: str = "") -> TicketInfo:
    """取消: a waiting person leaves (or the kiosk printed by mistake)."""
    def apply(_s: Session, t: Ticket, at: dt.datetime) -> None:
        t.state, t.finished_at = T.CANCELLED.value, at
    return _act(db, ticket_id, "cancel", None, now, apply, user, workstation)


def transfer(db: Database, ticket_id: int, to_zone: str | None = None, to_window: int | None = None,
             note: str = "", now: dt.datetime | None = None, holder: str | None = None, *,
             user: UserInfo | None = None, workstation: str = "") -> TicketInfo:
    """转移: back to WAITING in another zone or for one window; the number and issue time stay,
    so the person does not queue again from the end. A window passes its ``holder`` and cannot
    move a ticket another window holds; ``None`` (manager, CLI) may move any."""
    if to_zone is None and to_window is None:
        raise ValidationError("请选择转往的分区或窗口", "choose a zone or a window to transfer to")

    def apply(s: Session, t: Ticket, _at: dt.datetime) -> None:
        hall = s.get(Hall, t.hall_id)
        assert hall is not None
        if to_zone is not None:
            zone = _zone(s, hall, to_zone)
            t.zone_code = zone.code  # the printed number (unique per hall and day) stays
        if to_window is not None:
            _window(s, hall, to_window)
        t.target_window = to_window
        t.transfer_note = (note or "").strip()[:200]
        _back_to_waiting(t)
    return _act(db, ticket_id, "transfer", holder, now, apply, user, workstation,
                to_zone=to_zone or "", to_window=to_window or 0)


def return_ticket(db: Database, hall_code: str, display: str, now: dt.datetime | None = None,
                  grace_minutes: int | None = None, *, user: UserInfo | None = None,
                  workstation: str = "") -> TicketInfo:
    """过号重排: a 过号 person who comes back within the hall's grace (``no_show_grace_minutes``,
    or ``grace_minutes``) waits again with the original issue time, so a window calls them next
    in their lane."""
    now = now or _now()
    ticket_id = find_ticket(db, hall_code, display, now.date()).id

    def apply(s: Session, t: Ticket, at: dt.datetime) -> None:
        assert t.no_show_at is not None
        grace = _grace_in(s, hall_code) if grace_minutes is None else grace_minutes
        late = at - t.no_show_at
        if late > dt.timedelta(minutes=grace):
            if grace <= 0:
                raise IllegalTransition(f"{t.display} 已过号，本大厅过号后不能重排，请重新取号",
                                        f"ticket {t.display} missed its call and this hall allows no return")
            raise IllegalTransition(
                f"{t.display} 过号已超过 {grace} 分钟（{int(late.total_seconds() // 60)} 分钟），请重新取号",
                f"ticket {t.display} missed its call more than {grace} minutes ago: take a new ticket")
        _back_to_waiting(t)
        t.no_show_at = None
    return _act(db, ticket_id, "return", None, now, apply, user, workstation)


def walk_in(db: Database, hall_code: str, window_number: int, zone_code: str, holder: str,
            applicant_id: int | None = None, now: dt.datetime | None = None,
            lease_seconds: int = LEASE_SECONDS, *, user: UserInfo | None = None,
            workstation: str = "") -> TicketInfo:
    """A person at the window without a ticket: a numbered ticket already SERVING there, so the
    case can link to it and the day's figures count it."""
    who = authorize(user, "queue.window")
    now = now or _now()
    with db.uow() as s:
        hall = _hall(s, hall_code)
        window = _window(s, hall, window_number, lock=True)
        zone = _zone(s, hall, zone_code)
        finished = _free_window(s, window, now)
        t = issue_in(s, hall, zone, _lanes_in(s, hall.code).lanes["normal"], "normal", now, applicant_id)
        t.state, t.window_id, t.called_at, t.started_at = T.SERVING.value, window.id, now, now
        t.holder, t.lease_until = bind_holder(holder, user), now + dt.timedelta(seconds=lease_seconds)
        t.transfer_note = "窗口直接办理"
        s.flush()
        if user is not None:
            audit.record(s, "queue.walk_in", username=who, workstation=workstation, entity="ticket",
                         entity_id=t.display, window=window_number)
        return _info(s, t, auto_finished=finished)


@dataclass(frozen=True)
class WindowState:
    ticket: TicketInfo | None
    paused: bool
    adopted: bool   # the ticket was held by an earlier run of this seat and now is ours


def window_state(db: Database, hall_code: str, window_number: int, holder: str,
                 now: dt.datetime | None = None, lease_seconds: int = LEASE_SECONDS) -> WindowState:
    """What a window finds when its app starts: its paused flag and the ticket in hand.

    A ticket called or served by an earlier run of the same seat (same host and window, the
    app restarted after a crash) is taken over, so the clerk can go on instead of waiting for
    the lease to run out. A ticket held by another seat is shown but stays theirs."""
    now = now or _now()
    with db.uow() as s:
        window = _window(s, _hall(s, hall_code), window_number, lock=True)
        t = _open_of_window(s, window, now.date())
        adopted = False
        if t is not None and t.holder != holder and (not t.holder or seat_of(t.holder) == seat_of(holder)):
            t.holder, t.lease_until = holder[:60], now + dt.timedelta(seconds=lease_seconds)
            s.flush()
            adopted = True
        return WindowState(_info(s, t) if t else None, bool(window.paused), adopted)
