"""The hall manager's figures: the daily report (日报), range reports (周报/月报), electronic
supervision (电子监察) and the live dashboard.

One rule: every figure is an SQL aggregate (``COUNT``/``AVG``/window functions for median and
p90) run by the database — SQLite or PostgreSQL alike — never a Python loop over ORM objects.
Only the short lists a person reads (notices, refusals, 差评, overdue cases) come back as rows.
Results are frozen dataclasses of plain values for ``printing.report`` and the UI.

Definitions (the report prints them too):
- waiting time = called − issued, serving time = finished − started, over tickets served (办结);
  median is the middle value (mean of the two middle ones), p90 the nearest-rank 90th percentile;
- a case is counted once at the top level (a 一件事 is one case); "by matter" counts matter cases
  (a bundle's matters each count);
- 办结 for supervision is the department's decision (``decided_at``) or the end of the case
  (``finished_at``: delivered, withdrawn); a case accepted and not so ended by the moment looked
  at is open: overdue (red) when its promised date is past, near-overdue (yellow) when the
  promised date is within ``NEAR_DAYS`` working days of the hall's calendar;
- at-most-once rate = delivered cases with ≤ 1 visit / delivered cases (finished in the period);
- 满意率 = 非常满意 + 满意 + 基本满意 over all ratings.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Date, DateTime, bindparam, text
from sqlalchemy.orm import Session

from . import clock
from .calendar import WorkCalendar
from .cases import EVALUATION_LEVELS, STATE_LABELS
from .db import Database
from .errors import NotFound, ValidationError
from .models import CaseState
from .zones import DEFAULT_ZONES

NEAR_DAYS = 2
TOP_MATTERS = 20
MAX_RANGE_DAYS = 400
LANE_LABELS = {"normal": "普通", "elderly": "老年人", "disabled": "残疾人", "military": "军人", "booked": "预约"}
BAD_LEVELS = (1, 2)
HOLIDAY_NAMES = {"New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
                 "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
                 "Mid-autumn Festival": "中秋节", "Anti-Fascist 70th Day": "抗战胜利纪念日"}


def day_name(cal: WorkCalendar, day: dt.date) -> str:
    """The holiday (or adjusted working day) name in Chinese; "" for an ordinary day."""
    name = cal.day_name(day)
    return HOLIDAY_NAMES.get(name, name)


# --------------------------------------------------------------------------- results

@dataclass(frozen=True)
class Stat:
    """Minutes: count, mean, median, p90 (None when there is nothing to measure)."""
    count: int = 0
    mean: float | None = None
    median: float | None = None
    p90: float | None = None


@dataclass(frozen=True)
class TicketCounts:
    issued: int = 0
    served: int = 0
    no_show: int = 0
    cancelled: int = 0
    other: int = 0   # still waiting, called or serving at the end of the period


@dataclass(frozen=True)
class ZoneRow:
    code: str
    name: str
    tickets: TicketCounts
    wait: Stat
    serve: Stat
    cases_accepted: int


@dataclass(frozen=True)
class HourRow:
    hour: int          # 8 means 08:00–08:59 (by issue time)
    issued: int
    wait: Stat
    serve: Stat


@dataclass(frozen=True)
class CountRow:
    key: str
    label: str
    count: int
    extra: str = ""    # department of a matter, zone of a window …


@dataclass(frozen=True)
class DecisionRow:
    """A one-time notice or a refusal of the period."""
    number: str
    matter: str
    at: dt.datetime
    reason: str        # the refusal reason, or the materials missing for a notice
    clerk: str
    window: int | None


@dataclass(frozen=True)
class DeferredRow:
    number: str
    matter: str
    material: str
    due_date: dt.date
    overdue: bool


@dataclass(frozen=True)
class SupervisionRow:
    case_id: int
    number: str
    matter: str
    department: str
    clerk: str
    window: int | None
    accepted_at: dt.datetime
    promised_date: dt.date
    state: str
    state_label: str
    working_days_left: int   # negative: working days overdue
    level: str               # red (overdue) / yellow (due within NEAR_DAYS working days)

    @property
    def level_label(self) -> str:
        return "红牌（已超期）" if self.level == "red" else "黄牌（即将到期）"


@dataclass(frozen=True)
class RatingRow:
    number: str
    level: int
    level_label: str
    reasons: str
    text: str
    at: dt.datetime
    clerk: str
    window: int | None


@dataclass(frozen=True)
class ClerkRow:
    clerk: str
    accepted: int
    immediate: int
    notices: int
    refusals: int
    ratings: int
    mean_level: float | None
    bad_ratings: int


@dataclass(frozen=True)
class Figures:
    """Everything the daily report prints, for the period [start, end)."""
    hall_name: str
    start: dt.date
    end: dt.date                      # inclusive last day
    tickets: TicketCounts
    wait: Stat
    serve: Stat
    by_zone: tuple[ZoneRow, ...]
    by_hour: tuple[HourRow, ...]
    cases_accepted: int
    immediate: int
    by_matter: tuple[CountRow, ...]   # top 20 matter cases
    by_window: tuple[CountRow, ...]
    by_clerk: tuple[CountRow, ...]
    notices: tuple[DecisionRow, ...]
    refusals: tuple[DecisionRow, ...]
    deferred_outstanding: int
    deferred_overdue: int
    deferred: tuple[DeferredRow, ...]
    overdue: tuple[SupervisionRow, ...]
    due_soon: tuple[SupervisionRow, ...]
    delivered: int
    delivered_at_most_once: int
    ratings: tuple[CountRow, ...]     # by level 5 … 1 (key = level)
    bad_ratings: tuple[RatingRow, ...]
    workdays: int                     # working days in the period (the hall's calendar)
    day_names: tuple[str, ...] = ()   # holidays / adjusted days met in the period

    @property
    def immediate_share(self) -> float | None:
        return self.immediate / self.cases_accepted if self.cases_accepted else None

    @property
    def at_most_once_rate(self) -> float | None:
        return self.delivered_at_most_once / self.delivered if self.delivered else None

    @property
    def rating_count(self) -> int:
        return sum(r.count for r in self.ratings)

    @property
    def satisfied_rate(self) -> float | None:
        total = self.rating_count
        good = sum(r.count for r in self.ratings if int(r.key) >= 3)
        return good / total if total else None


@dataclass(frozen=True)
class DailyReport:
    day: dt.date
    is_workday: bool
    day_name: str
    figures: Figures


@dataclass(frozen=True)
class DayPoint:
    day: dt.date
    is_workday: bool
    issued: int
    served: int
    no_show: int
    mean_wait: float | None
    accepted: int
    delivered: int
    at_most_once_rate: float | None
    ratings: int
    satisfied_rate: float | None


@dataclass(frozen=True)
class RangeReport:
    start: dt.date
    end: dt.date
    figures: Figures
    series: tuple[DayPoint, ...]
    per_clerk: tuple[ClerkRow, ...]


@dataclass(frozen=True)
class ZoneLane:
    zone: str
    zone_name: str
    lane: str
    lane_label: str
    waiting: int
    longest_minutes: float


@dataclass(frozen=True)
class WindowLive:
    number: int
    name: str
    status: str          # open / paused / serving / called
    status_label: str
    ticket: str | None
    clerk: str


@dataclass(frozen=True)
class Dashboard:
    at: dt.datetime
    waiting: tuple[ZoneLane, ...]
    longest_wait_minutes: float | None
    windows: tuple[WindowLive, ...]
    tickets_today: int
    served_today: int
    cases_today: int
    delivered_today: int
    at_most_once_today: float | None
    overdue: int
    due_soon: int
    deferred_overdue: int
    bad_today: int
    sync_backlog: int
    alerts: tuple[str, ...] = field(default=())

    @property
    def waiting_total(self) -> int:
        return sum(z.waiting for z in self.waiting)

    @property
    def windows_open(self) -> int:
        return sum(1 for w in self.windows if w.status != "paused")

    @property
    def windows_paused(self) -> int:
        return sum(1 for w in self.windows if w.status == "paused")

    @property
    def windows_serving(self) -> int:
        return sum(1 for w in self.windows if w.status in ("serving", "called"))


# --------------------------------------------------------------------------- SQL helpers

def _minutes(s: Session, a: str, b: str) -> str:
    """SQL for (b − a) in minutes on this dialect."""
    if s.get_bind().dialect.name == "postgresql":
        return f"(EXTRACT(EPOCH FROM ({b} - {a})) / 60.0)"
    return f"((julianday({b}) - julianday({a})) * 1440.0)"


def _hour(s: Session, col: str) -> str:
    if s.get_bind().dialect.name == "postgresql":
        return f"CAST(EXTRACT(HOUR FROM {col}) AS INTEGER)"
    return f"CAST(strftime('%H', {col}) AS INTEGER)"


_TYPES = {"start": DateTime, "end": DateTime, "d0": Date, "d1": Date, "today": Date, "horizon": Date,
          "at": DateTime}


def _q(s: Session, sql: str, **params: Any) -> list[Any]:
    stmt = text(sql)
    binds = [bindparam(k, type_=_TYPES[k]()) for k in params if k in _TYPES]
    if binds:
        stmt = stmt.bindparams(*binds)
    return list(s.execute(stmt, params).all())


def _round(x: Any) -> float | None:
    return None if x is None else round(float(x), 2)


def _stats(s: Session, key_sql: str, dur_sql: str, where: str, **params: Any) -> dict[Any, Stat]:
    """Count, mean, median and p90 of ``dur_sql`` per ``key_sql`` in one statement."""
    rows = _q(s, f"""
        WITH d AS (SELECT {key_sql} AS k, {dur_sql} AS v FROM ticket WHERE {where}),
             r AS (SELECT k, v, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v) AS rn,
                          COUNT(*) OVER (PARTITION BY k) AS n FROM d WHERE v IS NOT NULL)
        SELECT k, COUNT(*), AVG(v),
               AVG(CASE WHEN rn = (n + 1) / 2 OR rn = (n + 2) / 2 THEN v END),
               MAX(CASE WHEN rn = (9 * n + 9) / 10 THEN v END)
        FROM r GROUP BY k""", **params)
    return {k: Stat(int(n), _round(mean), _round(med), _round(p90)) for k, n, mean, med, p90 in rows}


def _hall(s: Session, hall_code: str) -> tuple[int, str]:
    row = s.execute(text("SELECT id, name FROM hall WHERE code = :c"), {"c": hall_code}).first()
    if row is None:
        raise NotFound(f"找不到大厅 {hall_code}", f"hall {hall_code} not found")
    return int(row[0]), str(row[1])


# --------------------------------------------------------------------------- supervision

def supervision_level(state: str, promised: dt.date | None, today: dt.date, horizon: dt.date,
                      decided: bool = False) -> str:
    """red / yellow / "" for one case: the rule the clerk's list and the manager share.
    ``horizon`` is ``add_working_days(today, NEAR_DAYS)`` of the hall's calendar."""
    open_states = (CaseState.ACCEPTED, CaseState.IN_REVIEW, CaseState.SUPPLEMENT)
    if promised is None or decided or state not in open_states:
        return ""
    if promised < today:
        return "red"
    if promised <= horizon:
        return "yellow"
    return ""


def near_horizon(db: Database, today: dt.date) -> dt.date:
    """The last promised date that is near-overdue on ``today`` (NEAR_DAYS working days on)."""
    with db.uow() as s:
        return WorkCalendar.load(s).add_working_days(today, NEAR_DAYS).date


_OPEN_AT = """c.accepted_at IS NOT NULL AND c.accepted_at < :at AND c.matter_id IS NOT NULL
    AND c.promised_date IS NOT NULL
    AND (COALESCE(c.decided_at, c.finished_at) IS NULL OR COALESCE(c.decided_at, c.finished_at) >= :at)
    AND c.state NOT IN ('refused', 'notified', 'draft')"""
# Now (not a past moment) the open cases are exactly those still undecided by state: the indexed
# state column narrows the search before the promised dates are read.
_OPEN_NOW = _OPEN_AT + " AND c.state IN ('accepted', 'in_review', 'supplement')"


def _supervision_rows(s: Session, cal: WorkCalendar, at: dt.datetime, limit: int | None = None, *,
                      live: bool = False) -> tuple[tuple[SupervisionRow, ...], tuple[SupervisionRow, ...]]:
    """(overdue, due soon) matter cases open at ``at`` (the moment), most urgent first."""
    today = (at - dt.timedelta(microseconds=1)).date()  # at midnight: the day just ended
    horizon = cal.add_working_days(today, NEAR_DAYS).date
    rows = _q(s, f"""
        SELECT c.id, COALESCE(c.number, ''), COALESCE(m.name, ''), c.department, COALESCE(u.display_name, ''),
               w.number, c.accepted_at, c.promised_date, c.state
        FROM case_file c LEFT JOIN matter m ON m.id = c.matter_id
             LEFT JOIN user_account u ON u.id = c.clerk_id LEFT JOIN "window" w ON w.id = c.window_id
        WHERE {_OPEN_NOW if live else _OPEN_AT} AND c.promised_date <= :horizon
        ORDER BY c.promised_date, c.id {'LIMIT ' + str(int(limit)) if limit else ''}""", at=at, horizon=horizon)
    red: list[SupervisionRow] = []
    yellow: list[SupervisionRow] = []
    left_of: dict[dt.date, int] = {}  # few distinct promised dates: count each span once
    for cid, number, matter, dept, clerk, window, accepted, promised, state in rows:
        promised = _as_date(promised)
        level = "red" if promised < today else "yellow"
        if promised not in left_of:
            left_of[promised] = cal.working_days_between(today, promised)
        left = left_of[promised]
        row = SupervisionRow(int(cid), number, matter, dept, clerk, window, _as_dt(accepted), promised, state,
                             STATE_LABELS[CaseState(state)], left, level)
        (red if level == "red" else yellow).append(row)
    return tuple(red), tuple(yellow)


def supervision(db: Database, at: dt.datetime | None = None) -> tuple[SupervisionRow, ...]:
    """电子监察: every matter case overdue (red) or due within NEAR_DAYS working days (yellow),
    open at ``at`` (default now), overdue first."""
    live = at is None
    at = at or clock.now()
    with db.uow() as s:
        red, yellow = _supervision_rows(s, WorkCalendar.load(s), at, live=live)
        return red + yellow


def _as_date(v: Any) -> dt.date:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v)[:10])


def _as_dt(v: Any) -> dt.datetime:
    if isinstance(v, dt.datetime):
        return v
    return dt.datetime.fromisoformat(str(v))


# --------------------------------------------------------------------------- figures

def _figures(s: Session, hall_id: int, hall_name: str, cal: WorkCalendar, d0: dt.date, d1: dt.date) -> Figures:
    """Figures for the days d0 … d1 (inclusive)."""
    start = dt.datetime.combine(d0, dt.time())
    end = dt.datetime.combine(d1 + dt.timedelta(days=1), dt.time())
    tp = dict(d0=d0, d1=d1)
    of_days = f"hall_id = {hall_id} AND service_date >= :d0 AND service_date <= :d1"
    # tickets by zone and state
    counts: dict[str, dict[str, int]] = {}
    for zone, state, n in _q(s, f"SELECT zone_code, state, COUNT(*) FROM ticket WHERE {of_days} GROUP BY zone_code, state", **tp):
        counts.setdefault(zone, {})[state] = int(n)
    wait_sql = _minutes(s, "issued_at", "called_at")
    serve_sql = _minutes(s, "started_at", "finished_at")
    served = f"{of_days} AND state = 'done'"
    wait_zone = _stats(s, "zone_code", wait_sql, served, **tp)
    serve_zone = _stats(s, "zone_code", serve_sql, served, **tp)
    wait_all = _stats(s, "0", wait_sql, served, **tp).get(0, Stat())
    serve_all = _stats(s, "0", serve_sql, served, **tp).get(0, Stat())
    hour = _hour(s, "issued_at")
    wait_hour = _stats(s, hour, wait_sql, served, **tp)
    serve_hour = _stats(s, hour, serve_sql, served, **tp)
    issued_hour = dict(_q(s, f"SELECT {hour}, COUNT(*) FROM ticket WHERE {of_days} GROUP BY {hour}", **tp))

    def tc(by_state: dict[str, int]) -> TicketCounts:
        done, ns, cc = by_state.get("done", 0), by_state.get("no_show", 0), by_state.get("cancelled", 0)
        total = sum(by_state.values())
        return TicketCounts(total, done, ns, cc, total - done - ns - cc)

    all_states: dict[str, int] = {}
    for by_state in counts.values():
        for k, v in by_state.items():
            all_states[k] = all_states.get(k, 0) + v
    # cases accepted (top level) in the period
    cp = dict(start=start, end=end)
    acc = f"c.parent_id IS NULL AND c.accepted_at >= :start AND c.accepted_at < :end AND c.hall_id = {hall_id}"
    zone_expr = "COALESCE(m.zone_code, b.zone_code, 'ZH')"
    case_zone = dict(_q(s, f"""SELECT {zone_expr}, COUNT(*) FROM case_file c LEFT JOIN matter m ON m.id = c.matter_id
                            LEFT JOIN bundle b ON b.id = c.bundle_id WHERE {acc} GROUP BY {zone_expr}""", **cp))
    accepted, immediate = _q(s, f"""SELECT COUNT(*), COALESCE(SUM(CASE WHEN m.kind = 'immediate' THEN 1 ELSE 0 END), 0)
                                 FROM case_file c LEFT JOIN matter m ON m.id = c.matter_id WHERE {acc}""", **cp)[0]
    names = {z.code: z.name for z in DEFAULT_ZONES}
    names.update(dict(_q(s, f"SELECT code, name FROM zone WHERE hall_id = {hall_id}")))
    zones = [code for code in names if code in counts or code in case_zone]
    by_zone = tuple(ZoneRow(z, names.get(z, z), tc(counts.get(z, {})), wait_zone.get(z, Stat()),
                            serve_zone.get(z, Stat()), int(case_zone.get(z, 0))) for z in zones)
    hours = sorted(set(issued_hour) | set(wait_hour))
    by_hour = tuple(HourRow(int(h), int(issued_hour.get(h, 0)), wait_hour.get(h, Stat()), serve_hour.get(h, Stat()))
                    for h in hours)
    matter_acc = f"c.matter_id IS NOT NULL AND c.accepted_at >= :start AND c.accepted_at < :end AND c.hall_id = {hall_id}"
    by_matter = tuple(CountRow(code, name, int(n), dept) for code, name, dept, n in _q(s, f"""
        SELECT m.code, m.name, m.department, COUNT(*) AS n FROM case_file c JOIN matter m ON m.id = c.matter_id
        WHERE {matter_acc} GROUP BY m.code, m.name, m.department ORDER BY n DESC, m.code LIMIT {TOP_MATTERS}""", **cp))
    by_window = tuple(CountRow(str(num), f"{num} 号窗口", int(n)) for num, n in _q(s, f"""
        SELECT w.number, COUNT(*) FROM case_file c JOIN "window" w ON w.id = c.window_id WHERE {acc}
        GROUP BY w.number ORDER BY w.number""", **cp))
    by_clerk = tuple(CountRow(str(uname), name, int(n)) for uname, name, n in _q(s, f"""
        SELECT u.username, u.display_name, COUNT(*) AS n FROM case_file c JOIN user_account u ON u.id = c.clerk_id
        WHERE {acc} GROUP BY u.username, u.display_name ORDER BY n DESC, u.username""", **cp))
    # notices and refusals decided in the period
    decided = f"c.parent_id IS NULL AND c.finished_at >= :start AND c.finished_at < :end AND c.hall_id = {hall_id}"
    case_name = "COALESCE(m.name, b.name, '')"
    missing = {int(cid): names_ for cid, names_ in _missing_names(s, decided, cp)}
    notices, refusals = [], []
    for cid, number, matter, at, reason, state, clerk, window in _q(s, f"""
            SELECT c.id, COALESCE(c.number, ''), {case_name}, c.finished_at, c.reason, c.state,
                   COALESCE(u.display_name, ''), w.number
            FROM case_file c LEFT JOIN matter m ON m.id = c.matter_id LEFT JOIN bundle b ON b.id = c.bundle_id
                 LEFT JOIN user_account u ON u.id = c.clerk_id LEFT JOIN "window" w ON w.id = c.window_id
            WHERE {decided} AND c.state IN ('notified', 'refused') ORDER BY c.finished_at, c.id""", **cp):
        if state == "notified":
            notices.append(DecisionRow(number, matter, _as_dt(at), missing.get(int(cid), ""), clerk, window))
        else:
            refusals.append(DecisionRow(number, matter, _as_dt(at), reason or "", clerk, window))
    # deferred materials outstanding at the end of the period
    deferred_rows = tuple(
        DeferredRow(number, matter, material, _as_date(due), _as_date(due) < d1 + dt.timedelta(days=1))
        for number, matter, material, due in _q(s, f"""
            SELECT COALESCE(c.number, ''), COALESCE(m.name, b.name, ''), k.name, k.due_date
            FROM material_check k JOIN case_file c ON c.id = k.case_id
                 LEFT JOIN matter m ON m.id = c.matter_id LEFT JOIN bundle b ON b.id = c.bundle_id
            WHERE k.status = 'deferred' AND k.due_date IS NOT NULL AND c.accepted_at < :end AND c.hall_id = {hall_id}
              AND (k.supplied_at IS NULL OR k.supplied_at >= :end)
              AND (c.state <> 'withdrawn' OR c.finished_at >= :end)
            ORDER BY k.due_date, c.number""", end=end))
    overdue_deferred = sum(1 for r in deferred_rows if r.overdue)
    # supervision at the end of the period (for today: now)
    now = clock.now()
    at = min(end, now) if d1 >= now.date() else end
    red, yellow = _supervision_rows(s, cal, at)
    # at-most-once: delivered (top-level) in the period
    delivered, once = _q(s, f"""SELECT COUNT(*), COALESCE(SUM(CASE WHEN c.visits <= 1 THEN 1 ELSE 0 END), 0)
        FROM case_file c WHERE {decided} AND c.state = 'delivered'""", **cp)[0]
    # ratings
    ev = "e.created_at >= :start AND e.created_at < :end"
    levels = dict(_q(s, f"SELECT e.level, COUNT(*) FROM evaluation e WHERE {ev} GROUP BY e.level", **cp))
    ratings = tuple(CountRow(str(lv), label, int(levels.get(lv, 0))) for lv, label in EVALUATION_LEVELS.items())
    bad = tuple(RatingRow(number or "", int(level), EVALUATION_LEVELS[int(level)], "、".join(_tags(tags)), txt or "",
                          _as_dt(at_), clerk or "", window)
                for number, level, tags, txt, at_, clerk, window in _q(s, f"""
        SELECT c.number, e.level, e.reason_tags, e.text, e.created_at, u.display_name, w.number
        FROM evaluation e LEFT JOIN case_file c ON c.id = e.case_id LEFT JOIN user_account u ON u.id = e.clerk_id
             LEFT JOIN "window" w ON w.id = e.window_id
        WHERE {ev} AND e.level IN (1, 2) ORDER BY e.created_at, e.id""", **cp))
    day_names = []
    workdays = 0
    day = d0
    while day <= d1:
        workdays += cal.is_workday(day)
        name = day_name(cal, day)
        if name:
            day_names.append(f"{day:%m-%d} {name}{'（调休上班）' if cal.is_workday(day) else '（休）'}")
        day += dt.timedelta(days=1)
    return Figures(hall_name=hall_name, start=d0, end=d1, tickets=tc(all_states), wait=wait_all, serve=serve_all,
                   by_zone=by_zone, by_hour=by_hour, cases_accepted=int(accepted), immediate=int(immediate),
                   by_matter=by_matter, by_window=by_window, by_clerk=by_clerk, notices=tuple(notices),
                   refusals=tuple(refusals), deferred_outstanding=len(deferred_rows),
                   deferred_overdue=overdue_deferred, deferred=deferred_rows, overdue=red, due_soon=yellow,
                   delivered=int(delivered), delivered_at_most_once=int(once), ratings=ratings, bad_ratings=bad,
                   workdays=workdays, day_names=tuple(day_names))


def _missing_names(s: Session, decided: str, cp: dict[str, Any]) -> list[tuple[int, str]]:
    rows = _q(s, f"""SELECT k.case_id, k.name FROM material_check k JOIN case_file c ON c.id = k.case_id
                      WHERE {decided} AND c.state = 'notified' AND k.status = 'missing' ORDER BY k.case_id, k.position""",
              **cp)
    out: dict[int, list[str]] = {}
    for cid, name in rows:
        out.setdefault(int(cid), []).append(name)
    return [(cid, "缺：" + "、".join(names)) for cid, names in out.items()]


def _tags(tags: Any) -> list[str]:
    if isinstance(tags, str):
        import json

        try:
            tags = json.loads(tags)
        except ValueError:
            return [tags]
    return [str(t) for t in (tags or [])]


def _check_range(d0: dt.date, d1: dt.date) -> None:
    if d1 < d0:
        raise ValidationError(f"结束日期 {d1} 早于开始日期 {d0}", "end date before start date")
    if (d1 - d0).days >= MAX_RANGE_DAYS:
        raise ValidationError(f"统计区间不能超过 {MAX_RANGE_DAYS} 天", f"range longer than {MAX_RANGE_DAYS} days")


def daily_report(db: Database, hall_code: str, day: dt.date) -> DailyReport:
    """日报 of one day (any day: an empty day or a holiday gives zeros, not an error)."""
    with db.uow() as s:
        hall_id, name = _hall(s, hall_code)
        cal = WorkCalendar.load(s)
        figures = _figures(s, hall_id, name, cal, day, day)
        return DailyReport(day, cal.is_workday(day), day_name(cal, day), figures)


def range_report(db: Database, hall_code: str, d0: dt.date, d1: dt.date) -> RangeReport:
    """周报/月报/任意区间: the daily figures over the range, a day-by-day series and a per-clerk table."""
    _check_range(d0, d1)
    with db.uow() as s:
        hall_id, name = _hall(s, hall_code)
        cal = WorkCalendar.load(s)
        figures = _figures(s, hall_id, name, cal, d0, d1)
        return RangeReport(d0, d1, figures, _series(s, hall_id, cal, d0, d1), _per_clerk(s, hall_id, d0, d1))


def _day_sql(s: Session, col: str) -> str:
    if s.get_bind().dialect.name == "postgresql":
        return f"CAST({col} AS DATE)"
    return f"date({col})"


def _series(s: Session, hall_id: int, cal: WorkCalendar, d0: dt.date, d1: dt.date) -> tuple[DayPoint, ...]:
    start = dt.datetime.combine(d0, dt.time())
    end = dt.datetime.combine(d1 + dt.timedelta(days=1), dt.time())
    wait_sql = _minutes(s, "issued_at", "called_at")
    tickets = {_as_date(d): (int(i), int(sv), int(ns), w) for d, i, sv, ns, w in _q(s, f"""
        SELECT service_date, COUNT(*), SUM(CASE WHEN state = 'done' THEN 1 ELSE 0 END),
               SUM(CASE WHEN state = 'no_show' THEN 1 ELSE 0 END),
               AVG(CASE WHEN state = 'done' THEN {wait_sql} END)
        FROM ticket WHERE hall_id = {hall_id} AND service_date >= :d0 AND service_date <= :d1
        GROUP BY service_date""", d0=d0, d1=d1)}
    acc_day = _day_sql(s, "accepted_at")
    accepted = {_as_date(d): int(n) for d, n in _q(s, f"""
        SELECT {acc_day}, COUNT(*) FROM case_file WHERE parent_id IS NULL AND hall_id = {hall_id}
        AND accepted_at >= :start AND accepted_at < :end GROUP BY {acc_day}""", start=start, end=end)}
    fin_day = _day_sql(s, "finished_at")
    delivered = {_as_date(d): (int(n), int(o)) for d, n, o in _q(s, f"""
        SELECT {fin_day}, COUNT(*), SUM(CASE WHEN visits <= 1 THEN 1 ELSE 0 END) FROM case_file
        WHERE parent_id IS NULL AND hall_id = {hall_id} AND state = 'delivered'
        AND finished_at >= :start AND finished_at < :end GROUP BY {fin_day}""", start=start, end=end)}
    ev_day = _day_sql(s, "created_at")
    ratings = {_as_date(d): (int(n), int(g)) for d, n, g in _q(s, f"""
        SELECT {ev_day}, COUNT(*), SUM(CASE WHEN level >= 3 THEN 1 ELSE 0 END) FROM evaluation
        WHERE created_at >= :start AND created_at < :end GROUP BY {ev_day}""", start=start, end=end)}
    out = []
    day = d0
    while day <= d1:
        i, sv, ns, w = tickets.get(day, (0, 0, 0, None))
        dn, once = delivered.get(day, (0, 0))
        rn, good = ratings.get(day, (0, 0))
        out.append(DayPoint(day, cal.is_workday(day), i, sv, ns, _round(w), accepted.get(day, 0), dn,
                            once / dn if dn else None, rn, good / rn if rn else None))
        day += dt.timedelta(days=1)
    return tuple(out)


def _per_clerk(s: Session, hall_id: int, d0: dt.date, d1: dt.date) -> tuple[ClerkRow, ...]:
    start = dt.datetime.combine(d0, dt.time())
    end = dt.datetime.combine(d1 + dt.timedelta(days=1), dt.time())
    rows = _q(s, f"""
        SELECT u.display_name, u.username,
          SUM(CASE WHEN c.accepted_at >= :start AND c.accepted_at < :end THEN 1 ELSE 0 END),
          SUM(CASE WHEN c.accepted_at >= :start AND c.accepted_at < :end AND m.kind = 'immediate' THEN 1 ELSE 0 END),
          SUM(CASE WHEN c.state = 'notified' AND c.finished_at >= :start AND c.finished_at < :end THEN 1 ELSE 0 END),
          SUM(CASE WHEN c.state = 'refused' AND c.finished_at >= :start AND c.finished_at < :end THEN 1 ELSE 0 END)
        FROM case_file c JOIN user_account u ON u.id = c.clerk_id LEFT JOIN matter m ON m.id = c.matter_id
        WHERE c.parent_id IS NULL AND c.hall_id = {hall_id}
          AND ((c.accepted_at >= :start AND c.accepted_at < :end) OR (c.finished_at >= :start AND c.finished_at < :end))
        GROUP BY u.display_name, u.username""", start=start, end=end)
    ev = {uname: (int(n), float(avg) if avg is not None else None, int(bad)) for uname, n, avg, bad in _q(s, """
        SELECT u.username, COUNT(*), AVG(e.level), SUM(CASE WHEN e.level <= 2 THEN 1 ELSE 0 END)
        FROM evaluation e JOIN user_account u ON u.id = e.clerk_id
        WHERE e.created_at >= :start AND e.created_at < :end GROUP BY u.username""", start=start, end=end)}
    out = []
    for name, uname, acc, imm, notices, refusals in rows:
        n, avg, bad = ev.get(uname, (0, None, 0))
        out.append(ClerkRow(name, int(acc or 0), int(imm or 0), int(notices or 0), int(refusals or 0), n,
                            _round(avg), bad))
    return tuple(sorted(out, key=lambda r: (-r.accepted, r.clerk)))


# --------------------------------------------------------------------------- dashboard

def dashboard(db: Database, hall_code: str, now: dt.datetime | None = None) -> Dashboard:
    """What the manager's home shows, in a handful of statements (no per-window query)."""
    now = now or clock.now()
    today = now.date()
    start = dt.datetime.combine(today, dt.time())
    end = start + dt.timedelta(days=1)
    with db.uow() as s:
        hall_id, _name = _hall(s, hall_code)
        cal = WorkCalendar.load(s)
        names = dict(_q(s, f"SELECT code, name FROM zone WHERE hall_id = {hall_id}"))
        of_day = f"hall_id = {hall_id} AND service_date = :today"
        oldest_wait = _minutes(s, "MIN(issued_at)", ":at")
        waiting = tuple(ZoneLane(z, names.get(z, z), lane, LANE_LABELS.get(lane, lane), int(n), _round(m) or 0.0)
                        for z, lane, n, m in _q(s, f"""
            SELECT zone_code, lane, COUNT(*), {oldest_wait} FROM ticket
            WHERE {of_day} AND state = 'waiting' GROUP BY zone_code, lane ORDER BY zone_code, lane""",
                                                today=today, at=now))
        longest = max((z.longest_minutes for z in waiting), default=None)
        states = dict(_q(s, f"SELECT state, COUNT(*) FROM ticket WHERE {of_day} GROUP BY state", today=today))
        holding = {int(wid): (disp, st) for wid, disp, st in _q(s, f"""
            SELECT window_id, display, state FROM ticket
            WHERE {of_day} AND state IN ('called', 'serving') AND window_id IS NOT NULL""", today=today)}
        # who sits at a window: the clerk of its latest case today
        who = {int(wid): name for wid, name in _q(s, f"""
            SELECT c.window_id, u.display_name FROM case_file c JOIN user_account u ON u.id = c.clerk_id
            WHERE c.id IN (SELECT MAX(id) FROM case_file WHERE created_at >= :start AND created_at < :end
                           AND hall_id = {hall_id} AND window_id IS NOT NULL GROUP BY window_id)""",
                                                   start=start, end=end)}
        windows = []
        for wid, number, wname, paused in _q(s, f'SELECT id, number, name, paused FROM "window" WHERE hall_id = {hall_id} ORDER BY number'):
            disp, tstate = holding.get(int(wid), (None, None))
            if paused:
                status, label = "paused", "暂停"
            elif tstate == "serving":
                status, label = "serving", f"办理中 {disp}"
            elif tstate == "called":
                status, label = "called", f"已呼叫 {disp}"
            else:
                status, label = "open", "空闲"
            windows.append(WindowLive(int(number), wname or f"{number}号窗口", status, label, disp, who.get(int(wid), "")))
        cases_today, delivered, once = _q(s, f"""
            SELECT SUM(CASE WHEN accepted_at >= :start AND accepted_at < :end THEN 1 ELSE 0 END),
                   SUM(CASE WHEN state = 'delivered' AND finished_at >= :start AND finished_at < :end THEN 1 ELSE 0 END),
                   SUM(CASE WHEN state = 'delivered' AND finished_at >= :start AND finished_at < :end AND visits <= 1
                            THEN 1 ELSE 0 END)
            FROM case_file WHERE parent_id IS NULL AND hall_id = {hall_id}
              AND (accepted_at >= :start OR finished_at >= :start)""", start=start, end=end)[0]
        horizon = cal.add_working_days(today, NEAR_DAYS).date
        overdue, soon = _q(s, f"""SELECT SUM(CASE WHEN c.promised_date < :today THEN 1 ELSE 0 END),
                                    SUM(CASE WHEN c.promised_date >= :today THEN 1 ELSE 0 END)
                                    FROM case_file c WHERE {_OPEN_NOW} AND c.promised_date <= :horizon""",
                           at=now, today=today, horizon=horizon)[0]
        deferred_overdue = _q(s, f"""SELECT COUNT(*) FROM material_check k JOIN case_file c ON c.id = k.case_id
            WHERE k.status = 'deferred' AND k.supplied_at IS NULL AND k.due_date < :today AND c.hall_id = {hall_id}
              AND c.state IN ('accepted', 'in_review', 'supplement', 'approved', 'rejected', 'result_ready')""",
                              today=today)[0][0]
        bad = _q(s, "SELECT COUNT(*) FROM evaluation WHERE level <= 2 AND created_at >= :start AND created_at < :end",
                 start=start, end=end)[0][0]
        backlog = _q(s, "SELECT COUNT(*) FROM outbox_entry WHERE state <> 'sent'")[0][0]
    alerts = []
    if overdue:
        alerts.append(f"超期办件 {int(overdue)} 件")
    if soon:
        alerts.append(f"2 个工作日内到期 {int(soon)} 件")
    if deferred_overdue:
        alerts.append(f"容缺材料逾期未补交 {int(deferred_overdue)} 项")
    if bad:
        alerts.append(f"今日差评 {int(bad)} 条")
    if backlog:
        alerts.append(f"待同步 {int(backlog)} 条")
    delivered = int(delivered or 0)
    return Dashboard(now, waiting, longest, tuple(windows), sum(int(v) for v in states.values()),
                     int(states.get("done", 0)), int(cases_today or 0), delivered,
                     int(once or 0) / delivered if delivered else None, int(overdue or 0), int(soon or 0),
                     int(deferred_overdue or 0), int(bad or 0), int(backlog or 0), tuple(alerts))


def days_between(d0: dt.date, d1: dt.date) -> Sequence[dt.date]:
    return [d0 + dt.timedelta(days=i) for i in range((d1 - d0).days + 1)]
