"""The manager's reports against a seeded hall history: every figure is recomputed here from the
rows themselves (plain Python over the tables, not clerk.reports) and must match; the PDF's text
and the workbook's cells are read back.

The history (clerk demo seed) covers 2026-09-29, 09-30, 10-08 and 10-09: the National Day
holidays (10-01 … 10-07) lie inside it, and 10-10 (a Saturday) is an adjusted working day.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import math
import statistics

import pytest
from sqlalchemy import func, select

from clerk import queue, reports
from clerk.calendar import WorkCalendar
from clerk.db import Database
from clerk.demo import seed_demo
from clerk.errors import PermissionDenied, ValidationError
from clerk.migrate import upgrade
from clerk.models import (Case, Evaluation, MaterialCheck, Matter, OutboxEntry, Ticket, User, Window)
from clerk.seed import seed_defaults

HALL = "33022501"
END = dt.date(2026, 10, 9)
DAYS = (dt.date(2026, 9, 29), dt.date(2026, 9, 30), dt.date(2026, 10, 8), dt.date(2026, 10, 9))


def _seeded(url: str, files, cases: int = 90) -> Database:
    upgrade(url)
    db = Database(url)
    seed_defaults(db)
    result = seed_demo(db, files, cases_total=cases, days=4, seed=7, end=END, attachments_mb=1)
    assert result.days == DAYS
    return db


@pytest.fixture(scope="module")
def hall_db(tmp_path_factory) -> Database:
    root = tmp_path_factory.mktemp("reports")
    db = _seeded(f"sqlite:///{(root / 'hall.sqlite3').as_posix()}", root / "files")
    yield db
    db.dispose()


# --------------------------------------------------------------------------- independent figures

def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) < 0.011


def _minutes(a: dt.datetime, b: dt.datetime) -> float:
    return (b - a).total_seconds() / 60


def _expected(db: Database, day: dt.date) -> dict:
    start = dt.datetime.combine(day, dt.time())
    end = start + dt.timedelta(days=1)
    with db.uow() as s:
        tickets = list(s.scalars(select(Ticket).where(Ticket.service_date == day)))
        cases_ = list(s.scalars(select(Case)))
        matters = {m.id: m for m in s.scalars(select(Matter))}
        users = {u.id: u.display_name for u in s.scalars(select(User))}
        windows = {w.id: w.number for w in s.scalars(select(Window))}
        evaluations = list(s.scalars(select(Evaluation)))
        checks = list(s.scalars(select(MaterialCheck).where(MaterialCheck.status == "deferred")))
        cal = WorkCalendar.load(s)
        by_id = {c.id: c for c in cases_}
        served = [t for t in tickets if t.state == "done"]
        waits = [_minutes(t.issued_at, t.called_at) for t in served]
        serves = [_minutes(t.started_at, t.finished_at) for t in served]
        top = [c for c in cases_ if c.parent_id is None]
        accepted = [c for c in top if c.accepted_at and start <= c.accepted_at < end]
        immediate = [c for c in accepted if c.matter_id and matters[c.matter_id].kind == "immediate"]
        matter_counts: dict[str, int] = {}
        for c in cases_:
            if c.matter_id and c.accepted_at and start <= c.accepted_at < end:
                code = matters[c.matter_id].code
                matter_counts[code] = matter_counts.get(code, 0) + 1
        clerk_counts: dict[str, int] = {}
        for c in accepted:
            clerk_counts[users[c.clerk_id]] = clerk_counts.get(users[c.clerk_id], 0) + 1
        finished = [c for c in top if c.finished_at and start <= c.finished_at < end]
        delivered = [c for c in finished if c.state == "delivered"]
        day_evals = [e for e in evaluations if start <= e.created_at < end]
        outstanding = [k for k in checks if k.due_date and by_id[k.case_id].accepted_at
                       and by_id[k.case_id].accepted_at < end and (k.supplied_at is None or k.supplied_at >= end)]
        horizon = cal.add_working_days(day, 2).date
        open_cases = [c for c in cases_ if c.matter_id and c.accepted_at and c.accepted_at < end and c.promised_date
                      and c.state not in ("refused", "notified", "draft")
                      and ((c.decided_at or c.finished_at) is None or (c.decided_at or c.finished_at) >= end)]
        red = sorted(c.number for c in open_cases if c.promised_date < day)
        yellow = sorted(c.number for c in open_cases if day <= c.promised_date <= horizon)
        left = {c.number: cal.working_days_between(day, c.promised_date) for c in open_cases}
        zone_waits: dict[str, list[float]] = {}
        for t in served:
            zone_waits.setdefault(t.zone_code, []).append(_minutes(t.issued_at, t.called_at))
        hours: dict[int, int] = {}
        for t in tickets:
            hours[t.issued_at.hour] = hours.get(t.issued_at.hour, 0) + 1
        return dict(
            issued=len(tickets), served=len(served), no_show=sum(t.state == "no_show" for t in tickets),
            cancelled=sum(t.state == "cancelled" for t in tickets), waits=waits, serves=serves,
            zone_waits=zone_waits, hours=hours, accepted=len(accepted), immediate=len(immediate),
            matter_counts=matter_counts, clerk_counts=clerk_counts,
            window_counts={windows[c.window_id]: sum(1 for x in accepted if x.window_id == c.window_id) for c in accepted},
            notices=sorted(c.number for c in finished if c.state == "notified"),
            refusals=sorted(c.number for c in finished if c.state == "refused"),
            delivered=len(delivered), once=sum(c.visits <= 1 for c in delivered),
            levels={lv: sum(e.level == lv for e in day_evals) for lv in range(1, 6)},
            bad=sorted((by_id[e.case_id].number, e.level) for e in day_evals if e.level <= 2),
            deferred=len(outstanding), deferred_overdue=sum(k.due_date < end.date() for k in outstanding),
            red=red, yellow=yellow, left=left)


def _assert_matches(rep: reports.DailyReport, exp: dict) -> None:
    f = rep.figures
    assert (f.tickets.issued, f.tickets.served, f.tickets.no_show, f.tickets.cancelled) == (
        exp["issued"], exp["served"], exp["no_show"], exp["cancelled"])
    if exp["waits"]:
        assert f.wait.count == len(exp["waits"])
        assert _close(f.wait.mean, statistics.fmean(exp["waits"]))
        assert _close(f.wait.median, statistics.median(exp["waits"]))
        assert _close(f.wait.p90, _p90(exp["waits"]))
        assert _close(f.serve.mean, statistics.fmean(exp["serves"]))
        assert _close(f.serve.p90, _p90(exp["serves"]))
    else:
        assert f.wait == reports.Stat()
    for z in f.by_zone:
        values = exp["zone_waits"].get(z.code, [])
        assert z.wait.count == len(values)
        if values:
            assert _close(z.wait.median, statistics.median(values)) and _close(z.wait.p90, _p90(values))
    assert {h.hour: h.issued for h in f.by_hour} == exp["hours"]
    assert f.cases_accepted == exp["accepted"] and f.immediate == exp["immediate"]
    top20 = sorted(exp["matter_counts"].items(), key=lambda kv: (-kv[1], kv[0]))[:20]
    assert [(r.key, r.count) for r in f.by_matter] == top20
    assert {r.label: r.count for r in f.by_clerk} == exp["clerk_counts"]
    assert {int(r.key): r.count for r in f.by_window} == exp["window_counts"]
    assert sorted(r.number for r in f.notices) == exp["notices"]
    assert sorted(r.number for r in f.refusals) == exp["refusals"]
    assert all(r.reason for r in f.refusals + f.notices)
    assert (f.delivered, f.delivered_at_most_once) == (exp["delivered"], exp["once"])
    assert {int(r.key): r.count for r in f.ratings} == exp["levels"]
    assert sorted((r.number, r.level) for r in f.bad_ratings) == exp["bad"]
    assert all(r.reasons or r.text for r in f.bad_ratings)
    assert (f.deferred_outstanding, f.deferred_overdue) == (exp["deferred"], exp["deferred_overdue"])
    assert sorted(r.number for r in f.overdue) == exp["red"]
    assert sorted(r.number for r in f.due_soon) == exp["yellow"]
    for r in f.overdue + f.due_soon:
        assert r.working_days_left == exp["left"][r.number]
        assert (r.level == "red") == (r.working_days_left < 0 or r.promised_date < rep.day)


# --------------------------------------------------------------------------- tests

def test_normal_day_figures_equal_the_rows(hall_db):
    """Given four seeded working days, when the 日报 of 09-30 is made, then every figure equals
    the one computed here from the tickets, cases, checks and ratings."""
    rep = reports.daily_report(hall_db, HALL, dt.date(2026, 9, 30))
    exp = _expected(hall_db, dt.date(2026, 9, 30))
    assert exp["issued"] > 20 and exp["accepted"] > 10 and exp["served"] > 10  # a real day, not a trivial one
    assert rep.is_workday
    _assert_matches(rep, exp)


def test_day_after_the_holiday_sees_overdue_cases(hall_db):
    """10-09, after the National Day week: figures match, and the supervision list counts working
    days over the holiday (a case due 09-30 still open is red)."""
    rep = reports.daily_report(hall_db, HALL, dt.date(2026, 10, 9))
    exp = _expected(hall_db, dt.date(2026, 10, 9))
    _assert_matches(rep, exp)
    assert rep.figures.overdue or rep.figures.due_soon


def test_holiday_and_empty_day_give_zeros_not_errors(hall_db):
    rep = reports.daily_report(hall_db, HALL, dt.date(2026, 10, 3))
    f = rep.figures
    assert not rep.is_workday and rep.day_name
    assert (f.tickets.issued, f.cases_accepted, f.rating_count, len(f.notices)) == (0, 0, 0, 0)
    assert f.wait == reports.Stat() and f.at_most_once_rate is None and f.immediate_share is None
    assert f.by_hour == () and f.by_matter == ()
    _assert_matches(rep, _expected(hall_db, dt.date(2026, 10, 3)))


def test_range_across_the_holiday(hall_db):
    rr = reports.range_report(hall_db, HALL, dt.date(2026, 9, 28), dt.date(2026, 10, 11))
    assert [p.day for p in rr.series][0] == dt.date(2026, 9, 28) and len(rr.series) == 14
    by_day = {p.day: p for p in rr.series}
    for day in DAYS:
        exp = _expected(hall_db, day)
        point = by_day[day]
        assert (point.issued, point.served, point.no_show, point.accepted) == (
            exp["issued"], exp["served"], exp["no_show"], exp["accepted"])
        assert _close(point.mean_wait, statistics.fmean(exp["waits"]) if exp["waits"] else None)
    assert all(by_day[dt.date(2026, 10, d)].issued == 0 and not by_day[dt.date(2026, 10, d)].is_workday
               for d in range(1, 8))
    assert by_day[dt.date(2026, 10, 10)].is_workday  # the adjusted Saturday
    import chinese_calendar

    assert rr.figures.workdays == sum(chinese_calendar.is_workday(p.day) for p in rr.series) == 6
    assert "10-03 国庆节（休）" in rr.figures.day_names and "10-10 国庆节（调休上班）" in rr.figures.day_names
    total = sum(_expected(hall_db, d)["accepted"] for d in DAYS)
    assert rr.figures.cases_accepted == total == sum(p.accepted for p in rr.series)
    assert sum(c.accepted for c in rr.per_clerk) == total
    with pytest.raises(ValidationError):
        reports.range_report(hall_db, HALL, dt.date(2026, 10, 9), dt.date(2026, 10, 1))


def test_day_with_only_no_shows(tmp_path):
    url = f"sqlite:///{(tmp_path / 'ns.sqlite3').as_posix()}"
    upgrade(url)
    db = Database(url)
    seed_defaults(db, catalog=None)
    day = dt.datetime(2026, 11, 17, 9, 0)
    for i in range(3):
        t = queue.take_ticket(db, HALL, "ZH", now=day + dt.timedelta(minutes=i))
        queue.call_next(db, HALL, 1, "w1:1", now=day + dt.timedelta(minutes=10 + i))
        queue.no_show(db, t.id, "w1:1", now=day + dt.timedelta(minutes=11 + i))
    rep = reports.daily_report(db, HALL, day.date())
    f = rep.figures
    assert (f.tickets.issued, f.tickets.no_show, f.tickets.served) == (3, 3, 0)
    assert f.wait == reports.Stat() and f.by_zone[0].tickets.no_show == 3
    from printing.report import daily_pdf, daily_xlsx
    from printing.data import HallInfo

    text = _pdf_text(daily_pdf(rep, HallInfo("测试大厅")))
    assert "均未办理" in text and "过号" in text
    wb = _workbook(daily_xlsx(rep))
    assert _summary(wb)["过号"] == 3 and _summary(wb)["平均等候（分钟）"] is None
    db.dispose()


# --------------------------------------------------------------------------- documents

def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _workbook(data: bytes):
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(data))


def _summary(wb) -> dict:
    return {row[0]: row[1] for row in wb["概况"].iter_rows(values_only=True)}


def test_pdf_text_and_xlsx_cells(hall_db):
    from printing.data import HallInfo
    from printing.report import daily_pdf, daily_xlsx

    day = dt.date(2026, 9, 30)
    rep = reports.daily_report(hall_db, HALL, day)
    f = rep.figures
    text = _pdf_text(daily_pdf(rep, HallInfo("象山县行政服务中心", "丹东街道", "0574-65700000")))
    flat = text.replace(" ", "").replace("\n", "")
    assert "象山县行政服务中心" in flat and "大厅运行日报" in flat and "2026-09-30" in flat
    assert f"取号总数{f.tickets.issued}" in flat
    assert f"受理办件{f.cases_accepted}" in flat
    assert "各时段等候时间" in flat and "各分区受理办件" in flat
    for r in f.bad_ratings:
        assert r.number in flat
    for r in f.refusals:
        assert r.number in flat
    if f.by_matter:
        assert f.by_matter[0].label.replace(" ", "") in flat

    wb = _workbook(daily_xlsx(rep))
    summary = _summary(wb)
    assert summary["统计日期"] == dt.datetime(2026, 9, 30)
    assert summary["取号总数"] == f.tickets.issued and isinstance(summary["取号总数"], int)
    assert summary["受理办件"] == f.cases_accepted
    assert abs(summary["平均等候（分钟）"] - f.wait.mean) < 1e-9
    assert summary["最多跑一次实现率"] == pytest.approx(f.at_most_once_rate) if f.delivered else True
    zones = list(wb["分区"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[2], r[3], r[4]) for r in zones] == [
        (z.code, z.tickets.issued, z.tickets.served, z.tickets.no_show) for z in f.by_zone]
    matters = list(wb["事项前20"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[3]) for r in matters] == [(m.key, m.count) for m in f.by_matter]
    bad = list(wb["差评"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1]) for r in bad] == [(b.number, b.level) for b in f.bad_ratings]
    assert all(isinstance(r[5], dt.datetime) for r in bad)
    levels = {r[0]: r[2] for r in wb["评价"].iter_rows(min_row=2, values_only=True)}
    assert levels == {int(r.key): r.count for r in f.ratings}
    sup = list(wb["电子监察"].iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in sup] == [r.number for r in f.overdue + f.due_soon]
    assert all(isinstance(r[7], dt.datetime) and isinstance(r[8], int) for r in sup)


def test_range_pdf_and_xlsx(hall_db):
    from printing.data import HallInfo
    from printing.report import range_pdf, range_xlsx

    rr = reports.range_report(hall_db, HALL, dt.date(2026, 9, 28), dt.date(2026, 10, 4))
    flat = _pdf_text(range_pdf(rr, HallInfo("象山县行政服务中心"))).replace(" ", "").replace("\n", "")
    assert "大厅运行周报" in flat and "每日取号、办结与受理" in flat and "工作人员统计" in flat
    wb = _workbook(range_xlsx(rr))
    days = list(wb["逐日"].iter_rows(min_row=2, values_only=True))
    assert [(r[0].date(), r[2], r[6]) for r in days] == [(p.day, p.issued, p.accepted) for p in rr.series]
    clerks = list(wb["人员统计"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1]) for r in clerks] == [(c.clerk, c.accepted) for c in rr.per_clerk]


def test_cli_handler_writes_files_and_checks_the_role(hall_db, tmp_path):
    from clerk.auth import to_info
    from printing.cli import run_report

    with hall_db.uow() as s:
        manager = to_info(s.scalar(select(User).where(User.username == "manager")))
        clerk = to_info(s.scalar(select(User).where(User.username == "clerk")))
    out = tmp_path / "d.xlsx"
    args = argparse.Namespace(report_command="daily", date=dt.date(2026, 9, 30), out=str(out))
    assert run_report(hall_db, HALL, args, user=manager) == out
    assert _summary(_workbook(out.read_bytes()))["取号总数"] == reports.daily_report(
        hall_db, HALL, dt.date(2026, 9, 30)).figures.tickets.issued
    with pytest.raises(PermissionDenied):
        run_report(hall_db, HALL, args, user=clerk)
    bad = argparse.Namespace(report_command="daily", date=dt.date(2026, 9, 30), out=str(tmp_path / "d.doc"))
    with pytest.raises(ValidationError):
        run_report(hall_db, HALL, bad)
    pdf = tmp_path / "r.pdf"
    run_report(hall_db, HALL, argparse.Namespace(report_command="range", date_from=dt.date(2026, 9, 29),
                                                 date_to=dt.date(2026, 10, 9), out=str(pdf)))
    assert pdf.read_bytes().startswith(b"%PDF")


def test_supervision_levels_and_dashboard(hall_db):
    at = dt.datetime(2026, 10, 9, 18, 0)
    rows = reports.supervision(hall_db, at)
    exp = _expected(hall_db, dt.date(2026, 10, 9))
    assert sorted(r.number for r in rows if r.level == "red") == exp["red"]
    assert sorted(r.number for r in rows if r.level == "yellow") == exp["yellow"]
    horizon = reports.near_horizon(hall_db, at.date())
    for r in rows:
        assert reports.supervision_level(r.state, r.promised_date, at.date(), horizon) == r.level
    board = reports.dashboard(hall_db, HALL, now=dt.datetime(2026, 10, 9, 16, 0))
    assert board.tickets_today == exp["issued"] and board.waiting_total == 0
    assert board.overdue == len(exp["red"])
    with hall_db.uow() as s:
        pending = s.scalar(select(func.count()).select_from(OutboxEntry).where(OutboxEntry.state == "pending"))
    assert board.sync_backlog == pending > 0 and len(board.windows) == 8


@pytest.mark.pg
def test_figures_on_postgresql(pg_url, tmp_path):
    """The same SQL on PostgreSQL gives the figures recomputed from its rows."""
    db = _seeded(pg_url, tmp_path / "files", cases=40)
    try:
        for day in (dt.date(2026, 9, 30), dt.date(2026, 10, 9)):
            _assert_matches(reports.daily_report(db, HALL, day), _expected(db, day))
        rr = reports.range_report(db, HALL, DAYS[0], END)
        assert rr.figures.cases_accepted == sum(p.accepted for p in rr.series)
        board = reports.dashboard(db, HALL, now=dt.datetime(2026, 10, 9, 16, 0))
        assert board.tickets_today == _expected(db, END)["issued"]
    finally:
        db.dispose()


def test_report_command_signs_in_as_manager(hall_db, tmp_path, monkeypatch):
    """``clerk --user manager report daily``: the command signs in; a clerk or nobody is refused."""
    from clerk.config import load_config
    from printing.cli import _handler

    data = tmp_path / "data"
    data.mkdir()
    (data / "config.json").write_text('{"database_url": "%s"}' % hall_db.url, encoding="utf-8")
    assert load_config(data).database_url == hall_db.url
    monkeypatch.delenv("CLERK_USER", raising=False)
    monkeypatch.delenv("CLERK_DATABASE_URL", raising=False)
    out = tmp_path / "daily.pdf"

    def args(user):
        return argparse.Namespace(data_dir=str(data), user=user, report_command="daily",
                                  date=dt.date(2026, 9, 30), out=str(out))

    monkeypatch.setenv("CLERK_PASSWORD", "clerk123")
    with pytest.raises(PermissionDenied):
        _handler(args("clerk"))
    with pytest.raises(PermissionDenied):
        _handler(args(None))
    assert not out.exists()
    monkeypatch.setenv("CLERK_PASSWORD", "manager123")
    assert _handler(args("manager")) == 0
    assert "大厅运行日报" in _pdf_text(out.read_bytes()).replace(" ", "")
