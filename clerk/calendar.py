"""The working-day calendar: which days the hall works, and the promised date of a committed matter.

One rule: never guess silently. Days come, in order of authority, from the hall's own overrides
(tables ``calendar_day`` / ``calendar_year``), then the ``chinesecalendar`` package (official
holidays and adjusted working days for the years it covers), then plain Monday–Friday. A year that
neither the package nor ``calendar_year`` covers still works, Monday–Friday, but every answer that
touches it carries a Chinese warning asking for the year's arrangement to be imported.

Lookups are dictionary hits: ``WorkCalendar.load(session)`` reads the overrides in one query.
Import files (CSV or JSON, see :func:`import_calendar_file`) are all-or-nothing.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from . import audit
from .auth import authorize
from .db import Database
from .dto import UserInfo
from .errors import ValidationError
from .models import CalendarDay, CalendarYear

ONE_DAY = dt.timedelta(days=1)
MAX_SPAN_DAYS = 3660  # ten years: a loop guard, far beyond any promised time


@cache
def _package_days() -> tuple[dict[dt.date, bool], frozenset[int]]:
    """Holidays (False) and adjusted working days (True) from ``chinesecalendar``, and the years it
    covers, read from the package data itself so a newer package extends the range by itself."""
    from chinese_calendar import constants

    days: dict[dt.date, bool] = {d: False for d in constants.holidays}
    days.update({d: True for d in constants.workdays})
    return days, frozenset(d.year for d in days)


def package_years() -> frozenset[int]:
    """Years the installed ``chinesecalendar`` knows."""
    return _package_days()[1]


def missing_year_warning(year: int) -> str:
    return f"{year} 年节假日数据缺失，已按周末计算，请导入节假日安排"


@dataclass(frozen=True)
class DueDate:
    date: dt.date
    warnings: tuple[str, ...] = ()


@dataclass
class WorkCalendar:
    """Working days for the hall. ``overrides`` maps a date to True (work) or False (closed);
    ``known_years`` are years whose arrangement was imported in full."""

    overrides: Mapping[dt.date, bool] = field(default_factory=dict)
    known_years: frozenset[int] = frozenset()
    names: Mapping[dt.date, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # every warning met so far, in order, once

    @classmethod
    def load(cls, session: Session) -> WorkCalendar:
        rows = session.execute(select(CalendarDay.day, CalendarDay.is_workday, CalendarDay.name)).all()
        years = session.scalars(select(CalendarYear.year)).all()
        return cls(overrides={r.day: bool(r.is_workday) for r in rows},
                   known_years=frozenset(years),
                   names={r.day: r.name for r in rows if r.name})

    def year_known(self, year: int) -> bool:
        return year in self.known_years or year in package_years()

    def _note(self, year: int, into: list[str]) -> None:
        if not self.year_known(year):
            text = missing_year_warning(year)
            if text not in into:
                into.append(text)
            if text not in self.warnings:
                self.warnings.append(text)

    def is_workday(self, day: dt.date) -> bool:
        if isinstance(day, dt.datetime):
            day = day.date()
        found = self.overrides.get(day)
        if found is None:
            found = _package_days()[0].get(day)
        if found is None:
            self._note(day.year, [])
            return day.weekday() < 5
        return found

    def day_name(self, day: dt.date) -> str:
        """The holiday or adjusted-day name, if any (override name first)."""
        if day in self.names:
            return self.names[day]
        from chinese_calendar import constants

        return str(constants.holidays.get(day) or constants.workdays.get(day) or "")

    def add_working_days(self, start: dt.date, n: int) -> DueDate:
        """The n-th working day after ``start`` (the day of acceptance does not count); n=0 → start."""
        if n < 0:
            raise ValidationError(f"工作日天数不能为负数：{n}", f"working days must not be negative: {n}")
        if isinstance(start, dt.datetime):
            start = start.date()
        warnings: list[str] = []
        self._note(start.year, warnings)
        day, left = start, n
        while left > 0:
            day += ONE_DAY
            if (day - start).days > MAX_SPAN_DAYS:
                raise ValidationError(f"工作日天数过大：{n}", f"too many working days: {n}")
            self._note(day.year, warnings)
            if self.is_workday(day):
                left -= 1
        return DueDate(day, tuple(warnings))

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        """Working days in (a, b]: ``working_days_between(s, add_working_days(s, n).date) == n``.
        Negative when b is before a."""
        if b < a:
            return -self.working_days_between(b, a)
        if (b - a).days > MAX_SPAN_DAYS:
            raise ValidationError("日期跨度过大（超过十年）", "date span too large")
        count, day = 0, a
        while day < b:
            day += ONE_DAY
            count += self.is_workday(day)
        return count


# --------------------------------------------------------------------------- import

_REST = {"休", "假", "休息", "放假", "节假日", "holiday", "off", "rest", "false", "0"}
_WORK = {"班", "上班", "补班", "调休上班", "工作日", "workday", "work", "true", "1"}


@dataclass(frozen=True)
class CalendarImport:
    years: tuple[int, ...]
    days: int


def _parse_date(text: str) -> dt.date:
    s = text.strip().replace("/", "-").replace(".", "-")
    if len(s) == 8 and s.isdigit():
        s = f"{s[:4]}-{s[4:6]}-{s[6:]}"
    return dt.date.fromisoformat(s)


def _parse_kind(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _REST:
        return False
    if text in _WORK:
        return True
    raise ValueError(value)


def _read_csv(text: str) -> tuple[list[tuple[int, str, object, str]], set[int]]:
    rows = [r for r in csv.reader(io.StringIO(text))]
    out: list[tuple[int, str, object, str]] = []
    for number, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if number == 1 and cells[0].lower() in ("日期", "date"):
            continue  # header
        cells += [""] * (3 - len(cells))
        out.append((number, cells[0], cells[1], cells[2]))
    return out, set()


def _read_json(text: str) -> tuple[list[tuple[int, str, object, str]], set[int]]:
    data = json.loads(text)
    blocks = data if isinstance(data, list) else [data]
    out: list[tuple[int, str, object, str]] = []
    years: set[int] = set()
    number = 0
    for block in blocks:
        if not isinstance(block, dict) or not isinstance(block.get("days"), list):
            raise ValidationError("节假日文件格式错误：应为 {\"year\": 2027, \"days\": [...]}",
                                  "calendar JSON must be {\"year\": ..., \"days\": [...]}")
        if "year" in block:
            years.add(int(block["year"]))
        for item in block["days"]:
            number += 1
            if not isinstance(item, dict):
                out.append((number, "", None, ""))
                continue
            kind = item.get("workday", item.get("type", item.get("类型")))
            out.append((number, str(item.get("date", item.get("日期", ""))), kind,
                        str(item.get("name", item.get("名称", "")) or "")))
    return out, years


def parse_calendar_file(path: str | Path) -> tuple[dict[dt.date, tuple[bool, str]], set[int]]:
    """Read a calendar file into {date: (is_workday, name)} and its years; raise ValidationError
    listing every bad row (numbered: CSV lines, JSON day entries) if any row is wrong."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise ValidationError(f"无法读取节假日文件：{path}（{err.strerror}）", f"cannot read {path}: {err}") from err
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030", errors="replace")  # Excel on Chinese Windows saves GBK CSV
    label = "条"
    try:
        if path.suffix.lower() == ".json" or text.lstrip().startswith(("{", "[")):
            rows, years = _read_json(text)
        else:
            rows, years = _read_csv(text)
            label = "行"
    except json.JSONDecodeError as err:
        raise ValidationError(f"节假日文件不是有效的 JSON：第 {err.lineno} 行 {err.msg}",
                              f"invalid JSON at line {err.lineno}: {err.msg}") from err
    days: dict[dt.date, tuple[bool, str]] = {}
    errors: list[str] = []
    for number, date_text, kind, name in rows:
        try:
            day = _parse_date(date_text)
        except ValueError:
            errors.append(f"第 {number} {label}：日期无效「{date_text}」")
            continue
        try:
            workday = _parse_kind(kind)
        except ValueError:
            errors.append(f"第 {number} {label}：类型无效「{kind}」（应为 休/班 或 holiday/workday）")
            continue
        if day in days and days[day][0] != workday:
            errors.append(f"第 {number} {label}：{day.isoformat()} 重复且类型矛盾")
            continue
        if years and day.year not in years:
            errors.append(f"第 {number} {label}：{day.isoformat()} 不属于文件声明的年份 {sorted(years)}")
            continue
        days[day] = (workday, name[:40])
    if errors:
        raise ValidationError("节假日文件有误，未导入任何内容：" + "；".join(errors),
                              f"calendar file rejected, nothing imported: {len(errors)} bad row(s)",
                              rows=errors)
    if not days and not years:
        raise ValidationError("节假日文件为空，未导入任何内容", "calendar file is empty")
    return days, years | {d.year for d in days}


def import_calendar_file(session: Session, path: str | Path, *, source: str = "import",
                         user: UserInfo | None = None, workstation: str = "") -> CalendarImport:
    """Replace the overrides of the file's year(s) with the file's days and mark the year(s)
    complete. All or nothing: the file is checked in full before the first write, and the
    caller's unit of work rolls back anything on error."""
    days, years = parse_calendar_file(path)
    write_calendar(session, days, years, source=source, user=user, workstation=workstation)
    return CalendarImport(tuple(sorted(years)), len(days))


def write_calendar(session: Session, days: Mapping[dt.date, tuple[bool, str]], years: Iterable[int],
                   *, source: str = "import", user: UserInfo | None = None, workstation: str = "") -> None:
    """Store a complete arrangement for ``years`` (overrides of those years are replaced)."""
    who = authorize(user, "calendar.change")
    years = sorted(set(years))
    audit.record(session, "calendar.change", username=who, workstation=workstation, entity="calendar",
                 entity_id=",".join(map(str, years))[:60], source=source, days=len(days))
    for year in years:
        session.execute(delete(CalendarDay).where(CalendarDay.day >= dt.date(year, 1, 1),
                                                  CalendarDay.day <= dt.date(year, 12, 31)))
        if session.get(CalendarYear, year) is None:
            session.add(CalendarYear(year=year, source=source))
    session.add_all(CalendarDay(day=d, is_workday=w, name=n, source=source) for d, (w, n) in sorted(days.items()))
    session.flush()


def due_after(db: Database, start: dt.date, n: int) -> DueDate:
    """The n-th working day after ``start`` by the hall's calendar (with its warnings) — e.g. the
    latest due date a deferred material may get on a draft accepted today."""
    with db.uow() as s:
        return WorkCalendar.load(s).add_working_days(start, n)
