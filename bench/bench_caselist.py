"""The case list at volume: every view and a set of searches, on a year of data.

``python bench/bench_caselist.py [--sqlite FILE] [--pg URL] [--runs 15]``

Without ``--sqlite`` a year (100,000 cases) is generated into a temporary SQLite file first
(bench/gen_year.py, about 1–2 minutes). ``--pg URL`` runs the same views on a PostgreSQL database
filled with ``gen_year.py URL --replicate 9`` (1,000,000 cases). For each view / search it prints
p50 and p95 (ms) of ``clerk.case_rows.case_rows`` for one page (``PAGE`` + 1 rows, what the
app's table asks for first) and the number of SQL statements — the same whatever the page holds;
``--full`` also measures ``clerk.cases.list_cases`` (full ``CaseInfo`` pages). Then the
first page's full time in the app: ``CaseListView`` (offscreen Qt) from choosing the view until
the rows are in the table, through the worker hop, with the longest time the GUI thread was busy
in one go (a timer that should fire every 5 ms measures its own lateness).

The machine may be shared by other work: the figures are medians/p95 of repeated runs and the
load average is printed with them.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event  # noqa: E402

from clerk import case_rows, cases  # noqa: E402
from clerk.db import Database  # noqa: E402

VIEWS = ("today", "open", "overdue", "due_soon", "deferred", "all")
SEARCHES = (("name", "王"), ("full name", "王伟"), ("rare name", "欧阳"), ("case number", None),
            ("number beginning", "33022501W01"), ("ID number", None), ("no hit", "无此人"), ("wildcard %", "%"))


def p95(values: list[float]) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))]


def measure(db: Database, runs: int, label: str, full: bool = False) -> None:
    count = [0]

    def seen(*_a: object) -> None:
        count[0] += 1

    event.listen(db.engine, "before_cursor_execute", seen)
    with db.read() as s:
        from sqlalchemy import select

        from clerk.models import Applicant, Case
        number = s.scalar(select(Case.number).where(Case.number.is_not(None)).order_by(Case.id.desc()).limit(1))
        id_number = s.scalar(select(Applicant.id_number).order_by(Applicant.id.desc()).limit(1))
    fn = (lambda v, q: cases.list_cases(db, v, q, limit=cases.PAGE + 1)) if full else \
        (lambda v, q: case_rows.case_rows(db, v, q, limit=case_rows.PAGE + 1))
    what = "cases.list_cases (full CaseInfo)" if full else "case_rows (the table's rows)"
    print(f"-- {label}, {what}: one page of {cases.PAGE} rows, {runs} runs each (load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores, shared machine)")
    worst = 0.0
    for kind, value in [("view", v) for v in VIEWS] + list(SEARCHES):
        query = value
        view = value if kind == "view" else "all"
        if kind == "view":
            query = ""
        elif kind == "case number":
            query = number
        elif kind == "ID number":
            query = id_number
        times, rows, statements = [], 0, 0
        for i in range(runs + 1):
            count[0] = 0
            t0 = time.perf_counter()
            found = fn(view, query or "")
            if i:  # the first run warms caches
                times.append((time.perf_counter() - t0) * 1000)
            rows, statements = len(found), count[0]
        name = f"view {value}" if kind == "view" else f"search {kind} {query!r}"
        worst = max(worst, p95(times))
        print(f"{name:40s} rows {rows:4d}  p50 {statistics.median(times):6.1f} ms  p95 {p95(times):6.1f} ms  "
              f"{statements} statements")
    print(f"worst p95 {worst:.1f} ms")
    event.remove(db.engine, "before_cursor_execute", seen)


def in_app(url: str, runs: int) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from clerk.config import Config
    from ui.bootstrap import close_context, make_context
    from ui.caselist import CaseListView

    app = QApplication.instance() or QApplication([])
    from ui import gcguard

    gcguard.install(app)  # as the app does: cyclic garbage is collected on the GUI thread, counted here
    cfg = Config(data_dir=Path(tempfile.mkdtemp()), database_url=url)
    ctx = make_context(cfg, db=Database(url))
    view = CaseListView(ctx)
    view.resize(1300, 800)
    view.show()
    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]

    def beat() -> None:
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(beat)
    timer.start()

    def settle(deadline: float = 60.0) -> None:
        end = time.perf_counter() + deadline
        while ctx.tasks.pending and time.perf_counter() < end:
            app.processEvents()
        app.processEvents()

    settle()
    opens: list[float] = []
    freezes: list[float] = []
    for i in range(runs):
        for key, _label in (("today", ""), ("open", ""), ("all", "")):
            gaps.clear()
            last[0] = clock.elapsed()
            t0 = time.perf_counter()
            view.query.setText("")
            index = view.view.findData(key)
            if view.view.currentIndex() == index:  # the same view again: ask again
                view.reload()
            else:
                view.view.setCurrentIndex(index)
            settle()
            opens.append((time.perf_counter() - t0) * 1000)
            freezes.append(max(gaps, default=0) - 5)
    print(f"-- in the app (CaseListView, offscreen): choosing a view until its first page is in the table: "
          f"p50 {statistics.median(opens):.0f} ms, p95 {p95(opens):.0f} ms; longest GUI-thread stall "
          f"p50 {statistics.median(freezes):.0f} ms, max {max(freezes):.0f} ms ({len(opens)} opens)")
    timer.stop()
    view.close()
    close_context(ctx)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sqlite", help="an existing SQLite file made by gen_year.py")
    ap.add_argument("--pg", help="a PostgreSQL URL filled by gen_year.py --replicate 9")
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--no-app", action="store_true")
    ap.add_argument("--full", action="store_true", help="also measure cases.list_cases (full CaseInfo pages)")
    args = ap.parse_args()
    if args.sqlite:
        url = f"sqlite:///{args.sqlite}"
    else:
        from bench.gen_year import generate

        path = Path(tempfile.mkdtemp()) / "year.sqlite3"
        url = f"sqlite:///{path}"
        generate(url, progress=lambda _m: None)
    from clerk.migrate import upgrade

    upgrade(url)
    db = Database(url)
    measure(db, args.runs, f"SQLite, {url.split('///')[-1]}")
    if args.full:
        measure(db, args.runs, f"SQLite, {url.split('///')[-1]}", full=True)
    if not args.no_app:
        in_app(url, max(3, args.runs // 3))
    db.dispose()
    if args.pg:
        upgrade(args.pg)
        pg = Database(args.pg)
        measure(pg, args.runs, "PostgreSQL")
        if args.full:
            measure(pg, args.runs, "PostgreSQL", full=True)
        pg.dispose()


if __name__ == "__main__":
    main()
