"""The hall queue (取号 / 叫号 / 过号 / 转移): "只进一扇门、取一个号、跑一个窗".

One rule: a ticket number is given once and a waiting ticket is called by one window only.
Numbers come from the ``daily_counter`` row ``ticket:{hall}:{zone}`` incremented inside the
issuing transaction; a call takes its ticket with ``SELECT … FOR UPDATE SKIP LOCKED`` on
PostgreSQL (concurrent windows pass over each other's rows), while SQLite transactions begin
IMMEDIATE (clerk.db) and so run one at a time.

Calling order for a window: tickets transferred to that very window, then the higher lane
priority (by default 老年人, 残疾人, 军人, 预约 before 普通; a hall sets its own lanes in the
``setting`` table, see ``parse_lanes``), then the window's own zone order
(``WindowZone.priority``), then the earliest issue time. A 过号 ticket may come back within the
hall's grace (``no_show_grace_minutes``, 30 by default).

A window holds at most one open ticket. ``call_next`` finishes a ticket the window is
SERVING (pressing 下一位 after the service ends), but refuses while a ticket is only CALLED:
the clerk marks it 过号 or starts serving it first, so no-shows are never counted as served.

A CALLED ticket carries a lease renewed by ``heartbeat``; if its workstation dies, the lease
expires and ``release_expired`` (run by every ``call_next``) puts it back to WAITING with its
original issue time, so it is called next. A transferred or returned 过号 ticket also keeps its
number and issue time (nobody queues again from the end). Times are local, naive datetimes like the rest of
the domain (``clerk.clock.now()``); the service date is the local date. The ticket row
is its own record (who held it, when it was issued, called, started, finished, missed).
"""
from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import audit, clock
from .auth import authorize, is_manager
from .db import Database
from .dto import UserInfo
from .errors import IllegalTransition, NotFound, ValidationError
from .models import Applicant, ApplicantKind, Hall, Setting, Ticket, TicketState, Window, WindowZone, Zone
from .numbering import next_value
from .validation import validate_id_number
from .zones import zone_code as _zone_code_of

T = TicketState
LEASE_SECONDS = 90           # a workstation heartbeats every ~30 s; three misses release its ticket
NO_SHOW_GRACE_MINUTES = 30   # a 过号 person who comes back within this gets the ticket back
RECENT_CALLS = 10


# Hall settings (``setting`` table): ``{key}:{hall code}`` for one hall, else ``{key}`` for every hall.
GRACE_SETTING = "queue.no_show_grace_minutes"
LANES_SETTING = "queue.lanes"
MAX_GRACE_MINUTES = 24 * 60
HELD_ELSEWHERE = "已由其他窗口呼叫"  # the refusal the calling panel recognises (ticket no longer its own)


@dataclass(frozen=True)
class Lane:
    priority: int  # higher is called first
    label: str
    enabled: bool = True


# The default lanes, in the order the kiosk shows them. A hall changes them with ``set_hall_lanes``.
LANES: dict[str, Lane] = {
    "normal": Lane(0, "普通"),
    "elderly": Lane(2, "老年人"),
    "disabled": Lane(2, "残疾人"),
    "military": Lane(2, "军人"),
    "booked": Lane(1, "预约"),
}
LANE_FIELDS = ("key", "label", "priority", "enabled")
LANE_KEY = re.compile(r"^[a-z][a-z0-9_]{0,15}$")  # fits ``ticket.lane`` (16 characters)
MAX_LANE_PRIORITY = 9

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


# --------------------------------------------------------------------------- helpers

def _now() -> dt.datetime:
    return clock.now()


def _is_pg(s: Session) -> bool:
    return s.get_bind().dialect.name == "postgresql"


def _hall(s: Session, hall_code: str) -> Hall:
    hall = s.scalar(select(Hall).where(Hall.code == hall_code))
    if hall is None:
        raise NotFound(f"找不到大厅 {hall_code}", f"hall {hall_code} not found")
    return hall


def _zone(s: Session, hall: Hall, text: str) -> Zone:
    code = _zone_code_of(text) or (text or "").strip().upper()
    zone = s.scalar(select(Zone).where(Zone.hall_id == hall.id, Zone.code == code))
    if zone is None:
        names = "、".join(z.name for z in s.scalars(select(Zone).where(Zone.hall_id == hall.id)
                                                   .order_by(Zone.position)))
        raise ValidationError(f"没有“{text}”分区，可选：{names}", f"unknown zone {text!r}")
    return zone


def _window(s: Session, hall: Hall, number: int, *, lock: bool = False) -> Window:
    stmt = select(Window).where(Window.hall_id == hall.id, Window.number == number)
    if lock and _is_pg(s):
        # Serialises two sessions of the same window; different windows never wait on each other.
        stmt = stmt.with_for_update()
    window = s.scalar(stmt)
    if window is None:
        raise NotFound(f"找不到 {number} 号窗口", f"window {number} not found")
    return window


def _lane(lane: str, lanes: Mapping[str, Lane]) -> tuple[str, Lane]:
    key = (lane or "normal").strip().lower()
    found = lanes.get(key)
    if found is None or not found.enabled:
        names = "、".join(f"{k}（{v.label}）" for k, v in lanes.items() if v.enabled)
        if found is not None:
            raise ValidationError(f"本大厅未开放{found.label}通道，可选：{names}", f"lane {key!r} is disabled")
        raise ValidationError(f"没有“{lane}”通道，可选：{names}", f"unknown lane {lane!r}")
    return key, found


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


# --------------------------------------------------------------------------- hall settings

def _setting_in(s: Session, key: str, hall_code: str) -> str | None:
    names = (f"{key}:{hall_code}", key)  # the hall's own value first
    values = dict(s.execute(select(Setting.key, Setting.value).where(Setting.key.in_(names))).all())
    return next((values[n] for n in names if (values.get(n) or "").strip()), None)


def _put_setting(s: Session, key: str, hall_code: str, value: str | None) -> None:
    """Store (or with ``None`` drop) the hall's own value of a setting."""
    name = f"{key}:{hall_code}"
    row = s.get(Setting, name)
    if value is None:
        if row is not None:
            s.delete(row)
    elif row is None:
        s.add(Setting(key=name, value=value))
    else:
        row.value = value
    s.flush()
    s.info.pop("lanes", None)


def _grace_in(s: Session, hall_code: str) -> int:
    raw = _setting_in(s, GRACE_SETTING, hall_code)
    try:
        minutes = int(raw) if raw is not None else NO_SHOW_GRACE_MINUTES
    except ValueError:
        return NO_SHOW_GRACE_MINUTES
    return minutes if 0 <= minutes <= MAX_GRACE_MINUTES else NO_SHOW_GRACE_MINUTES


def no_show_grace_minutes(db: Database, hall_code: str) -> int:
    """How long after 过号 the person may still get the ticket back (``return_ticket``)."""
    with db.uow() as s:
        _hall(s, hall_code)
        return _grace_in(s, hall_code)


def set_no_show_grace(db: Database, hall_code: str, minutes: int, *, user: UserInfo | None = None,
                      workstation: str = "") -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= MAX_GRACE_MINUTES:
        raise ValidationError(f"过号重排宽限应为 0–{MAX_GRACE_MINUTES} 分钟的整数，实为 {minutes}",
                              f"grace must be 0..{MAX_GRACE_MINUTES} minutes, got {minutes!r}")
    who = authorize(user, "queue.settings")
    with db.uow() as s:
        _hall(s, hall_code)
        before = _grace_in(s, hall_code)
        _put_setting(s, GRACE_SETTING, hall_code, str(minutes))
        audit.record(s, "queue.grace", username=who, workstation=workstation, entity="hall", entity_id=hall_code,
                     before=before, after=minutes)
        return minutes


@dataclass(frozen=True)
class LaneSettings:
    lanes: Mapping[str, Lane]  # every lane of the hall, open or not, in the kiosk's order
    source: str                # "hall" (its own setting) or "default"
    problem: str = ""          # why a stored setting was ignored (the defaults are used then)

    @property
    def enabled(self) -> dict[str, Lane]:
        return {k: v for k, v in self.lanes.items() if v.enabled}

    def as_json(self) -> dict[str, Any]:
        """The format ``parse_lanes`` reads (``clerk queue lanes --json`` prints it)."""
        return {"lanes": [{"key": k, "label": v.label, "priority": v.priority, "enabled": v.enabled}
                          for k, v in self.lanes.items()]}


def _bad(message: str, english: str) -> ValidationError:
    return ValidationError(message, f"lanes: {english}")


def parse_lanes(text: str) -> dict[str, Lane]:
    """A hall's lanes from JSON ``{"lanes": [{"key": "elderly", "label": "老年人", "priority": 2,
    "enabled": true}, …]}`` (a bare list is read too). ``label`` and ``priority`` may be left out
    for the standard keys (normal, elderly, disabled, military, booked); ``enabled`` is true
    unless given. The list order is the kiosk's order; ``normal`` must stay open, since walk-ins
    and visitors who pick no lane use it. Raises ValidationError naming the fault in Chinese."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _bad(f"通道设置不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列有误（{exc.msg}）",
                   f"invalid JSON: {exc}") from exc
    if isinstance(data, dict):
        extra = sorted(set(data) - {"lanes"})
        if extra:
            raise _bad(f"通道设置有未知字段“{extra[0]}”，只能有 lanes", f"unknown field {extra[0]!r}")
        data = data.get("lanes")
    if not isinstance(data, list) or not data:
        raise _bad('通道设置应为通道列表，例如 {"lanes": [{"key": "normal", "label": "普通", "priority": 0}]}',
                   "expected a non-empty list of lanes")
    lanes: dict[str, Lane] = {}
    fields = "、".join(LANE_FIELDS)
    for i, item in enumerate(data, 1):
        where = f"第 {i} 个通道"
        if not isinstance(item, dict):
            raise _bad(f"{where}应为对象，字段：{fields}", f"lane {i} is not an object")
        extra = [k for k in item if k not in LANE_FIELDS]
        if extra:
            raise _bad(f"{where}有未知字段“{extra[0]}”，可用字段：{fields}", f"lane {i}: unknown field {extra[0]!r}")
        key = item.get("key")
        if not isinstance(key, str) or not LANE_KEY.match(key):
            raise _bad(f"{where}的 key “{key}”无效：应为小写字母开头、不超过 16 位的小写字母、数字或下划线",
                       f"lane {i}: bad key {key!r}")
        if key in lanes:
            raise _bad(f"通道 {key} 重复出现", f"duplicate lane {key!r}")
        default = LANES.get(key)
        label = item.get("label", default.label if default else None)
        if not isinstance(label, str) or not label.strip() or len(label.strip()) > 10:
            raise _bad(f"{where}（{key}）的名称 label 应为 1–10 个字", f"lane {key!r}: label must be 1-10 characters")
        priority = item.get("priority", default.priority if default else None)
        if isinstance(priority, bool) or not isinstance(priority, int) or not 0 <= priority <= MAX_LANE_PRIORITY:
            raise _bad(f"{where}（{key}）的优先级 priority 应为 0–{MAX_LANE_PRIORITY} 的整数（越大越先叫）",
                       f"lane {key!r}: priority must be an integer 0..{MAX_LANE_PRIORITY}")
        enabled = item.get("enabled", True)
        if not isinstance(enabled, bool):
            raise _bad(f"{where}（{key}）的 enabled 应为 true 或 false", f"lane {key!r}: enabled must be true/false")
        lanes[key] = Lane(priority, label.strip(), enabled)
    if "normal" not in lanes or not lanes["normal"].enabled:
        raise _bad("必须保留并开放普通通道（normal）：未选通道的取号和无号办理都用它",
                   "the normal lane must exist and be enabled")
    return lanes


def _lanes_in(s: Session, hall_code: str) -> LaneSettings:
    cache: dict[str, LaneSettings] = s.info.setdefault("lanes", {})
    if hall_code not in cache:
        raw = _setting_in(s, LANES_SETTING, hall_code)
        if raw is None:
            cache[hall_code] = LaneSettings(dict(LANES), "default")
        else:
            try:
                cache[hall_code] = LaneSettings(parse_lanes(raw), "hall")
            except ValidationError as exc:
                # A hand-edited row must not stop the kiosk: the standard lanes serve meanwhile.
                cache[hall_code] = LaneSettings(dict(LANES), "default", f"{exc.message}（已改用默认通道）")
    return cache[hall_code]


def lane_settings(db: Database, hall_code: str) -> LaneSettings:
    """The hall's lanes with where they come from (its own setting or the defaults)."""
    with db.uow() as s:
        _hall(s, hall_code)
        return _lanes_in(s, hall_code)


def hall_lanes(db: Database, hall_code: str) -> dict[str, Lane]:
    """The lanes open at the hall, in the kiosk's order: key → Lane(priority, label)."""
    return lane_settings(db, hall_code).enabled


def set_hall_lanes(db: Database, hall_code: str, text: str | None, *, user: UserInfo | None = None,
                   workstation: str = "") -> LaneSettings:
    """Store the hall's lanes (JSON, see ``parse_lanes``); ``None`` goes back to the defaults.
    Tickets already issued keep the priority they were issued with."""
    who = authorize(user, "queue.settings")
    value = None
    if text is not None:
        lanes = parse_lanes(text)
        value = json.dumps(LaneSettings(lanes, "hall").as_json(), ensure_ascii=False)
    with db.uow() as s:
        _hall(s, hall_code)
        _put_setting(s, LANES_SETTING, hall_code, value)
        audit.record(s, "queue.lanes", username=who, workstation=workstation, entity="hall", entity_id=hall_code,
                     lanes=value or "default")
        return _lanes_in(s, hall_code)


# --------------------------------------------------------------------------- zones and applicants

@dataclass(frozen=True)
class HallZone:
    code: str
    name: str
    prefix: str


def hall_zones(db: Database, hall_code: str) -> list[HallZone]:
    """The hall's own zones in display order (a hall may have fewer or other zones than
    ``clerk.zones.DEFAULT_ZONES``)."""
    with db.uow() as s:
        hall = _hall(s, hall_code)
        return [HallZone(z.code, z.name, z.prefix)
                for z in s.scalars(select(Zone).where(Zone.hall_id == hall.id).order_by(Zone.position, Zone.id))]


def window_zone_codes(db: Database, hall_code: str, window_number: int) -> list[str]:
    """The zones a window serves, its first zone first."""
    with db.uow() as s:
        window = _window(s, _hall(s, hall_code), window_number)
        return list(s.scalars(select(Zone.code).join(WindowZone, WindowZone.zone_id == Zone.id)
                              .where(WindowZone.window_id == window.id).order_by(WindowZone.priority)))


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


def no_show_note(grace_minutes: int) -> str:
    """The ticket's footer: what a person who misses the call may do, with the hall's real grace."""
    if grace_minutes <= 0:
        return "过号后请重新取号"
    return f"过号 {grace_minutes} 分钟内请到服务台重新排队"


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
        return int(result.rowcount or 0)


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
    """下一位: the best waiting ticket for this window, or None when nobody waits."""
    who = authorize(user, "queue.window")
    now = now or _now()
    with db.uow() as s:
        t, finished = call_next_in(s, hall_code, window_number, holder, now, lease_seconds)
        if user is not None and (t is not None or finished):
            audit.record(s, "queue.call", username=who, workstation=workstation, entity="ticket",
                         entity_id=t.display if t else "", window=window_number, auto_finished=finished or "")
        if t is None:
            return None
        return _info(s, t, auto_finished=finished)


# --------------------------------------------------------------------------- window actions

def _act(db: Database, ticket_id: int, action: str, holder: str | None, now: dt.datetime | None,
         apply: Callable[[Session, Ticket, dt.datetime], None], user: UserInfo | None = None,
         workstation: str = "", **detail: Any) -> TicketInfo:
    who = authorize(user, "queue.window")
    if user is not None and holder is None and not is_manager(user):
        holder = ""  # a counter user names no holder: only tickets nobody holds are theirs to move
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
        t.holder, t.lease_until = holder[:60], now + dt.timedelta(seconds=lease_seconds)
        t.transfer_note = "窗口直接办理"
        s.flush()
        if user is not None:
            audit.record(s, "queue.walk_in", username=who, workstation=workstation, entity="ticket",
                         entity_id=t.display, window=window_number)
        return _info(s, t, auto_finished=finished)


def _set_paused(db: Database, hall_code: str, window_number: int, paused: bool,
                user: UserInfo | None, workstation: str) -> bool:
    who = authorize(user, "queue.window")
    with db.uow() as s:
        window = _window(s, _hall(s, hall_code), window_number)
        window.paused = paused
        audit.record(s, "queue.pause" if paused else "queue.resume", username=who, workstation=workstation,
                     entity="window", entity_id=f"{hall_code}:{window_number}")
        return window.paused


def pause_window(db: Database, hall_code: str, window_number: int, *, user: UserInfo | None = None,
                 workstation: str = "") -> bool:
    """暂停服务: the window calls nobody until resumed (its called ticket stays with it)."""
    return _set_paused(db, hall_code, window_number, True, user, workstation)


def resume_window(db: Database, hall_code: str, window_number: int, *, user: UserInfo | None = None,
                  workstation: str = "") -> bool:
    return _set_paused(db, hall_code, window_number, False, user, workstation)


# --------------------------------------------------------------------------- look-ups

def find_ticket(db: Database, hall_code: str, display: str, day: dt.date | None = None) -> TicketInfo:
    """A ticket by its number on a day (default today), e.g. ``A003``."""
    day = day or _now().date()
    with db.uow() as s:
        hall = _hall(s, hall_code)
        t = s.scalar(select(Ticket).where(Ticket.hall_id == hall.id, Ticket.service_date == day,
                                          Ticket.display == (display or "").strip().upper()))
        if t is None:
            raise NotFound(f"今天没有 {display} 号", f"no ticket {display} on {day}")
        return _info(s, t)


def current_ticket(db: Database, hall_code: str, window_number: int,
                   day: dt.date | None = None) -> TicketInfo | None:
    """The ticket the window holds now (CALLED or SERVING) — intake links its case to it."""
    with db.uow() as s:
        t = _open_of_window(s, _window(s, _hall(s, hall_code), window_number), day or _now().date())
        return _info(s, t) if t else None


def seat_of(holder: str) -> str:
    """Holders are ``seat:instance`` (e.g. ``host:window:pid``): the seat survives a restart."""
    return holder.rsplit(":", 1)[0] if ":" in holder else holder


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


def tickets_for_window(db: Database, hall_code: str, window_number: int,
                       day: dt.date | None = None) -> list[TicketInfo]:
    """Every ticket the window called on a day, newest first."""
    day = day or _now().date()
    with db.uow() as s:
        window = _window(s, _hall(s, hall_code), window_number)
        rows = s.scalars(select(Ticket).where(Ticket.hall_id == window.hall_id, Ticket.service_date == day,
                                              Ticket.window_id == window.id)
                         .order_by(Ticket.called_at.desc(), Ticket.id.desc()))
        return [_info(s, t) for t in rows]


def waiting_list(db: Database, hall_code: str, zone_code: str | None = None,
                 day: dt.date | None = None) -> list[TicketInfo]:
    """Waiting tickets in calling order within each zone (priority, then issue time)."""
    day = day or _now().date()
    with db.uow() as s:
        hall = _hall(s, hall_code)
        stmt = select(Ticket).where(Ticket.hall_id == hall.id, Ticket.service_date == day,
                                    Ticket.state == T.WAITING.value)
        if zone_code is not None:
            stmt = stmt.where(Ticket.zone_code == _zone(s, hall, zone_code).code)
        rows = s.scalars(stmt.order_by(Ticket.priority.desc(), Ticket.issued_at, Ticket.id))
        return [_info(s, t) for t in rows]


def queue_status(db: Database, hall_code: str, today: dt.date | None = None) -> QueueStatus:
    """What the hall screen and the manager see: waiting per zone, each window, recent calls."""
    day = today or _now().date()
    with db.uow() as s:
        hall = _hall(s, hall_code)
        of_day = and_(Ticket.hall_id == hall.id, Ticket.service_date == day)
        counts = dict(s.execute(select(Ticket.state, func.count()).where(of_day).group_by(Ticket.state)).all())
        waiting = dict(s.execute(select(Ticket.zone_code, func.count())
                                 .where(of_day, Ticket.state == T.WAITING.value).group_by(Ticket.zone_code)).all())
        zones = []
        for z in s.scalars(select(Zone).where(Zone.hall_id == hall.id).order_by(Zone.position)):
            nxt = s.scalar(select(Ticket.display).where(of_day, Ticket.state == T.WAITING.value,
                                                        Ticket.zone_code == z.code)
                           .order_by(Ticket.priority.desc(), Ticket.issued_at, Ticket.id).limit(1))
            zones.append(ZoneWaiting(z.code, z.name, int(waiting.get(z.code, 0)), nxt))
        windows = []
        for w in s.scalars(select(Window).where(Window.hall_id == hall.id).order_by(Window.number)):
            codes = tuple(s.scalars(select(Zone.code).join(WindowZone, WindowZone.zone_id == Zone.id)
                                    .where(WindowZone.window_id == w.id).order_by(WindowZone.priority)))
            cur = _open_of_window(s, w, day)
            windows.append(WindowStatus(w.number, w.name, w.paused, codes,
                                        cur.display if cur else None, cur.state if cur else None))
        numbers = {w.id: w.number for w in s.scalars(select(Window).where(Window.hall_id == hall.id))}
        recent = tuple(RecentCall(t.display, numbers.get(t.window_id) if t.window_id else None, t.called_at)
                       for t in s.scalars(select(Ticket).where(of_day, Ticket.called_at.is_not(None))
                                          .order_by(Ticket.called_at.desc(), Ticket.id.desc())
                                          .limit(RECENT_CALLS)))
        waits = [(c - i).total_seconds() / 60 for i, c in s.execute(
            select(Ticket.issued_at, Ticket.called_at).where(
                of_day, Ticket.called_at.is_not(None), Ticket.state != T.WAITING.value)).all()]
        issued = sum(int(v) for v in counts.values())
        return QueueStatus(hall_code=hall.code, day=day, zones=tuple(zones), windows=tuple(windows),
                           recent=recent, issued=issued, done=int(counts.get(T.DONE.value, 0)),
                           no_show=int(counts.get(T.NO_SHOW.value, 0)),
                           average_wait_minutes=round(sum(waits) / len(waits), 1) if waits else None)
