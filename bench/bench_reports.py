"""The manager's reports at hall scale.

``python bench/bench_reports.py [--cases 3000] [--month-cases 90000] [--skip-month] [--pg URL]``

1. A day of 3,000 cases (~4,000 tickets) at a 57-window hall, seeded through the real services
   (``clerk demo seed``; its seconds per 1,000 cases are printed): the 日报 as PDF and as XLSX
   (goal ≤ 2 s each, figures included).
2. A month of 90,000 cases: seeded in bulk (plain INSERTs of tickets, cases, deferred materials and
   ratings shaped like the demo seed's — the service-level seed would take hours for that many),
   then the 月报 as PDF and XLSX (goal ≤ 15 s each).
3. The dashboard refresh on the 57-window database with a live morning (goal ≤ 100 ms).

Each measured step runs in its own process, so its peak memory (max RSS) is its own.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

HALL = "33022501"
DAY = dt.date(2026, 11, 27)                  # a Friday: the daily report
MONTH = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------- measured steps (child processes)

def step(url: str, name: str) -> None:
    from clerk import reports
    from clerk.db import Database
    from printing import report as rp
    from printing.data import HallInfo

    db = Database(url)
    hall = HallInfo("象山县行政服务中心", "象山县丹东街道", "0574-65700000")
    from printing.pdfdoc import styles

    t0 = time.perf_counter()
    styles()  # fonts registered once per process (the app does it at start): timed on its own
    out: dict[str, float | int] = {"fonts_s": time.perf_counter() - t0}
    base = _rss_mb()
    t0, c0 = time.perf_counter(), time.process_time()
    if name in ("daily-pdf", "daily-xlsx"):
        rep = reports.daily_report(db, HALL, DAY)
        out["figures_s"] = time.perf_counter() - t0
        data = rp.daily_pdf(rep, hall) if name == "daily-pdf" else rp.daily_xlsx(rep)
        out["cases"] = rep.figures.cases_accepted
        out["tickets"] = rep.figures.tickets.issued
    elif name in ("month-pdf", "month-xlsx"):
        rr = reports.range_report(db, HALL, *MONTH)
        out["figures_s"] = time.perf_counter() - t0
        data = rp.range_pdf(rr, hall) if name == "month-pdf" else rp.range_xlsx(rr)
        out["cases"] = rr.figures.cases_accepted
        out["tickets"] = rr.figures.tickets.issued
    elif name == "dashboard":
        now = dt.datetime.combine(dt.date.today(), dt.time(11, 0))
        reports.dashboard(db, HALL, now=now)  # warm
        times, cpu = [], []
        for _ in range(20):
            t, c = time.perf_counter(), time.process_time()
            board = reports.dashboard(db, HALL, now=now)
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
        out.update(median_ms=statistics.median(times), max_ms=max(times), cpu_median_ms=statistics.median(cpu),
                   windows=len(board.windows), waiting=board.waiting_total, tickets=board.tickets_today)
        print(json.dumps(out | {"peak_rss_mb": _rss_mb(), "base_rss_mb": base}))
        return
    else:
        raise SystemExit(f"unknown step {name}")
    out["total_s"] = time.perf_counter() - t0
    out["cpu_s"] = time.process_time() - c0
    out["bytes"] = len(data)
    out["peak_rss_mb"] = _rss_mb()
    out["base_rss_mb"] = base
    print(json.dumps(out))


def run_step(url: str, name: str) -> dict:
    res = subprocess.run([sys.executable, __file__, "--step", name, "--url", url], capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(res.stderr)
    return json.loads(res.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- seeding

def seed_day(url: str, files: Path, cases: int) -> float:
    from clerk.demo import fast_sqlite, seed_demo
    from clerk.migrate import upgrade
    from clerk.seed import seed_defaults

    upgrade(url)
    db = fast_sqlite(url)
    seed_defaults(db)
    c0 = time.process_time()
    result = seed_demo(db, files, cases_total=cases, days=1, seed=11, end=DAY, windows=57)
    cpu = time.process_time() - c0
    db.dispose()
    print(f"service-level seed: {result.cases} cases ({result.matter_cases} bundle matter cases), "
          f"{result.tickets} tickets, {result.evaluations} ratings in {result.seconds:.1f} s wall "
          f"({cpu:.1f} s CPU) = {result.seconds_per_1000_cases:.0f} s wall, "
          f"{cpu / max(1, result.cases) * 1000:.0f} s CPU per 1,000 cases")
    return result.seconds


def live_morning(url: str, windows: int = 57) -> None:
    """Today 08:30–11:00 through the services: tickets taken, most windows serving one."""
    from clerk import queue
    from clerk.db import Database

    db = Database(url)
    rng = random.Random(3)
    start = dt.datetime.combine(dt.date.today(), dt.time(8, 30))
    zones = ("ZH", "SS", "BDC", "TZ", "SH", "GA", "YB")
    for i in range(400):
        queue.take_ticket(db, HALL, rng.choice(zones), "elderly" if i % 11 == 0 else "normal",
                          now=start + dt.timedelta(seconds=20 * i))
    for w in range(1, windows + 1, 2):
        t = queue.call_next(db, HALL, w, f"bench:{w}:1", now=start + dt.timedelta(hours=2, seconds=w))
        if t is not None and w % 4 == 1:
            queue.start_serving(db, t.id, now=start + dt.timedelta(hours=2, seconds=w + 30))
    queue.pause_window(db, HALL, 2)
    db.dispose()


def bulk_month(url: str, total: int) -> float:
    """A month of cases in bulk INSERTs (not through the services): the shapes the report reads."""
    from sqlalchemy import insert, select

    from clerk.calendar import WorkCalendar
    from clerk.demo import demo_clerks, fast_sqlite, working_days
    from clerk.bootstrap import ensure_hall
    from clerk.migrate import upgrade
    from clerk.models import Applicant, Case, Evaluation, MaterialCheck, Matter, Ticket, Window
    from clerk.seed import seed_defaults

    t0 = time.perf_counter()
    upgrade(url)
    db = fast_sqlite(url)
    seed_defaults(db)
    rng = random.Random(5)
    with db.uow() as s:
        hall = ensure_hall(s, windows=57)
        cal = WorkCalendar.load(s)
        windows = {w.number: w.id for w in s.scalars(select(Window).where(Window.hall_id == hall.id))}
        matters = [(m.id, m.zone_code, m.kind, m.promised_days) for m in s.scalars(select(Matter))]
        applicant = Applicant(name="批量", id_number="330225199001011234")
        s.add(applicant)
        s.flush()
        hall_id, applicant_id = hall.id, applicant.id
    clerks = demo_clerks(db, HALL, 57)
    days = [d for d in working_days(cal, MONTH[1], 40) if d >= MONTH[0]]
    per_day = total // len(days)
    zone_prefix = {"ZH": "Z", "SS": "A", "BDC": "B", "TZ": "C", "SH": "D", "GA": "E", "YB": "F"}
    n = 0
    for day in days:
        tickets, cases_, checks, evals = [], [], [], []
        seq: dict[str, int] = {}
        for i in range(int(per_day / 0.76)):
            mid, zone, kind, promised = rng.choice(matters)
            zone = zone if zone in zone_prefix else "ZH"
            seq[zone] = seq.get(zone, 0) + 1
            issued = dt.datetime.combine(day, dt.time(8, 30)) + dt.timedelta(seconds=rng.randrange(8 * 3600))
            called = issued + dt.timedelta(minutes=rng.expovariate(1 / 12))
            state = rng.choices(("done", "no_show", "cancelled"), (0.9, 0.07, 0.03))[0]
            w = rng.randint(1, 57)
            tickets.append(dict(hall_id=hall_id, service_date=day, zone_code=zone, seq=seq[zone],
                                display=f"{zone_prefix[zone]}{seq[zone]:04d}", lane="normal", priority=0, state=state,
                                window_id=windows[w], issued_at=issued,
                                called_at=called if state != "cancelled" else None,
                                started_at=called + dt.timedelta(minutes=1) if state == "done" else None,
                                finished_at=called + dt.timedelta(minutes=rng.uniform(3, 20)) if state == "done" else None,
                                no_show_at=called + dt.timedelta(minutes=2) if state == "no_show" else None))
            if state != "done" or i >= per_day:
                continue
            n += 1
            accepted = called + dt.timedelta(minutes=8)
            fate = rng.random()
            # like the demo seed: most decided by the promised date, some late, a few still open
            cstate = "notified" if fate < 0.07 else "refused" if fate < 0.09 else (
                "delivered" if kind == "immediate" or fate < 0.75 else "result_ready" if fate < 0.97 else "in_review")
            due = cal.add_working_days(day, promised).date
            late = rng.random() < 0.1
            cases_.append(dict(uuid=str(uuid.UUID(int=rng.getrandbits(128))), number=f"B{day:%Y%m%d}{n:07d}",
                               matter_id=mid, hall_id=hall_id, window_id=windows[w], clerk_id=clerks[w].id,
                               applicant_id=applicant_id, state=cstate, created_at=called, department="",
                               accepted_at=accepted if cstate not in ("notified", "refused") else None,
                               promised_date=due if cstate not in ("notified", "refused") else None,
                               decided_at=(dt.datetime.combine(due, dt.time(15)) + dt.timedelta(days=3 if late else 0))
                               if cstate in ("delivered", "result_ready") else None,
                               finished_at=(accepted + dt.timedelta(days=promised + 1)) if cstate == "delivered" else (
                                   accepted if cstate in ("notified", "refused") else None),
                               visits=1 if rng.random() < 0.8 else 2, reason="申请人不具备申请资格" if cstate == "refused" else ""))
            if rng.random() < 0.65:
                level = rng.choices((5, 4, 3, 2, 1), (0.7, 0.2, 0.06, 0.03, 0.01))[0]
                evals.append(dict(uuid=str(uuid.UUID(int=rng.getrandbits(128))), level=level, stage="accept",
                                  reason_tags=["等候时间长"] if level <= 2 else [], text="", created_at=accepted,
                                  window_id=windows[w], clerk_id=clerks[w].id, _number=cases_[-1]["number"]))
        with db.uow() as s:
            s.execute(insert(Ticket), tickets)
            s.execute(insert(Case), cases_)
            ids = dict(s.execute(select(Case.number, Case.id).where(Case.number.like(f"B{day:%Y%m%d}%"))).all())
            for c in cases_:
                if c["state"] == "in_review" and rng.random() < 0.2:
                    checks.append(dict(case_id=ids[c["number"]], material_key="later", name="容缺材料",
                                       status="deferred", due_date=cal.add_working_days(day, 1).date,
                                       supplied_at=None if rng.random() < 0.3 else c["accepted_at"] + dt.timedelta(days=1)))
            if checks:
                s.execute(insert(MaterialCheck), checks)
            for e in evals:
                e["case_id"] = ids[e.pop("_number")]
            if evals:
                s.execute(insert(Evaluation), evals)
    db.dispose()
    return time.perf_counter() - t0


# --------------------------------------------------------------------------- main

def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=3000)
    ap.add_argument("--month-cases", type=int, default=90_000)
    ap.add_argument("--skip-month", action="store_true")
    ap.add_argument("--step")
    ap.add_argument("--url")
    ap.add_argument("--keep", help="folder to keep the databases in (default: a temp folder)")
    args = ap.parse_args()
    if args.step:
        step(args.url, args.step)
        return 0
    root = Path(args.keep or tempfile.mkdtemp(prefix="bench-reports-"))
    root.mkdir(parents=True, exist_ok=True)
    day_url = f"sqlite:///{(root / 'day.sqlite3').as_posix()}"
    if not (root / "day.sqlite3").exists():
        seed_day(day_url, root / "files", args.cases)
        live_morning(day_url)
    for name in ("daily-pdf", "daily-xlsx"):
        r = run_step(day_url, name)
        print(f"{name}: {r['total_s']:.2f} s wall, {r['cpu_s']:.2f} s CPU (figures {r['figures_s']:.2f} s; "
              f"font registration before, {r['fonts_s']:.2f} s) for {r['cases']} cases, {r['tickets']} tickets; "
              f"{r['bytes'] / 1024:.0f} KB; peak RSS {r['peak_rss_mb']:.0f} MB  goal <= 2 s")
    r = run_step(day_url, "dashboard")
    print(f"dashboard refresh: median {r['median_ms']:.1f} ms wall ({r['cpu_median_ms']:.1f} ms CPU), max "
          f"{r['max_ms']:.1f} ms over 20 ({r['windows']} windows, {r['waiting']} waiting, {r['tickets']} tickets "
          f"today); peak RSS {r['peak_rss_mb']:.0f} MB  goal <= 100 ms")
    if not args.skip_month:
        month_url = f"sqlite:///{(root / 'month.sqlite3').as_posix()}"
        if not (root / "month.sqlite3").exists():
            secs = bulk_month(month_url, args.month_cases)
            print(f"bulk month seed ({args.month_cases} cases, plain INSERTs): {secs:.1f} s")
        for name in ("month-pdf", "month-xlsx"):
            r = run_step(month_url, name)
            print(f"{name}: {r['total_s']:.2f} s wall, {r['cpu_s']:.2f} s CPU (figures {r['figures_s']:.2f} s) "
                  f"for {r['cases']} cases, {r['tickets']} tickets; {r['bytes'] / 1024:.0f} KB; "
                  f"peak RSS {r['peak_rss_mb']:.0f} MB  goal <= 15 s")
        r = run_step(month_url, "dashboard")
        print(f"dashboard refresh on the month's database: median {r['median_ms']:.1f} ms wall "
              f"({r['cpu_median_ms']:.1f} ms CPU), max {r['max_ms']:.1f} ms  goal <= 100 ms")
    print(f"databases in {root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
