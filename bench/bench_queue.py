"""Queue calling under load: many windows calling at once until the hall is empty.

``python bench/bench_queue.py [--pg URL] [--windows 60] [--tickets 3000]`` prints, for
PostgreSQL (60 windows: a few processes, each running window threads with their own engine and
connection) and for SQLite (4 processes): call latency p50/p95/p99 in ms, calls per second, and
the set check — tickets called twice and tickets never called, both of which must be 0.
The PostgreSQL run uses a scratch database created next to the URL's one and dropped afterwards.
"""
from __future__ import annotations

import argparse
import collections
import datetime as dt
import multiprocessing as mp
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from clerk import queue  # noqa: E402
from clerk.bootstrap import ensure_hall  # noqa: E402
from clerk.db import Database  # noqa: E402
from clerk.migrate import upgrade  # noqa: E402
from clerk.models import Ticket, Zone  # noqa: E402

HALL = "33022501"
ZONES = ("ZH", "SS", "BDC", "TZ", "SH", "GA", "YB")
LANES = ("normal", "normal", "normal", "normal", "elderly", "booked", "military", "disabled")
DEFAULT_PG = "postgresql+psycopg://clerk:clerk@127.0.0.1/clerk_test"


def fill(url: str, tickets: int, windows: int) -> None:
    upgrade(url)
    db = Database(url)
    now = dt.datetime.now()
    with db.uow() as s:
        hall = ensure_hall(s, windows=windows)
        prefix = {z.code: z.prefix for z in s.scalars(select(Zone).where(Zone.hall_id == hall.id))}
        seqs: collections.Counter[str] = collections.Counter()
        for i in range(tickets):
            zone, lane = ZONES[i % len(ZONES)], LANES[i % len(LANES)]
            seqs[zone] += 1
            s.add(Ticket(hall_id=hall.id, service_date=now.date(), zone_code=zone, seq=seqs[zone],
                         display=f"{prefix[zone]}{seqs[zone]:04d}", lane=lane,
                         priority=queue.LANES[lane].priority,
                         issued_at=now - dt.timedelta(seconds=tickets - i)))
    db.dispose()


def _window(url: str, number: int, out: list[tuple[int, float]], pace: float = 0.0) -> None:
    """One window with its own engine and connection: call, finish, until nobody waits.
    ``pace`` > 0: the window serves for a random 0…2×pace seconds between calls (a real window
    calls every few minutes; 2 s is already hundreds of times busier)."""
    db = Database(url, pool_size=1, max_overflow=0) if not url.startswith("sqlite") else Database(url)
    holder = f"bench-{number}-{os.getpid()}"
    if pace:  # windows open at different moments, not all in the same millisecond
        time.sleep(random.uniform(0, 2 * pace))
    try:
        while True:
            t0 = time.perf_counter()
            t = queue.call_next(db, HALL, number, holder)
            elapsed = (time.perf_counter() - t0) * 1000
            if t is None:
                return
            out.append((t.id, elapsed))
            queue.finish(db, t.id)
            if pace:
                time.sleep(random.uniform(0, 2 * pace))
    finally:
        db.dispose()


def _process(url: str, numbers: list[int], pace: float = 0.0) -> list[tuple[int, float]]:
    results: list[list[tuple[int, float]]] = [[] for _ in numbers]
    threads = [threading.Thread(target=_window, args=(url, n, results[i], pace)) for i, n in enumerate(numbers)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return [r for rs in results for r in rs]


def run(url: str, windows: int, processes: int, pace: float = 0.0) -> tuple[list[tuple[int, float]], float]:
    groups = [list(range(1 + p, windows + 1, processes)) for p in range(processes)]
    ctx = mp.get_context("spawn")
    with ctx.Pool(processes) as pool:
        t0 = time.perf_counter()
        per_process = pool.starmap(_process, [(url, g, pace) for g in groups], chunksize=1)
        wall = time.perf_counter() - t0
    return [r for rs in per_process for r in rs], wall


def report(label: str, url: str, calls: list[tuple[int, float]], wall: float) -> bool:
    db = Database(url)
    with db.uow() as s:
        issued = set(s.scalars(select(Ticket.id)))
    db.dispose()
    counts = collections.Counter(tid for tid, _ in calls)
    doubles = sum(1 for n in counts.values() if n > 1)
    lost = len(issued - set(counts))
    ms = sorted(lat for _, lat in calls)
    q = statistics.quantiles(ms, n=100) if len(ms) > 1 else ms * 99
    print(f"{label}: {len(issued)} tickets, {len(calls)} calls in {wall:.1f} s "
          f"({len(calls) / wall:.0f} calls/s)")
    print(f"  call latency ms: p50 {q[49]:.1f}  p95 {q[94]:.1f}  p99 {q[98]:.1f}  max {ms[-1]:.1f}")
    print(f"  called twice: {doubles}   never called: {lost}   (cpus: {os.cpu_count()}, "
          f"load average: {os.getloadavg()[0]:.1f})", flush=True)
    return doubles == 0 and lost == 0


def bench_pg(base: str, windows: int, tickets: int, processes: int, pace: float, paced_tickets: int) -> bool:
    name = f"clerk_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    scratch: Database | None = None
    try:
        # One window alone first: the latency of a call with nobody to contend with.
        fill(url, 300, windows)
        calls, wall = run(url, 1, 1)
        ok = report("PostgreSQL, 1 window (baseline)", url, calls, wall)
        scratch = Database(url)
        with scratch.uow() as s:
            s.execute(text("DELETE FROM ticket"))
        fill(url, tickets, windows)
        calls, wall = run(url, windows, processes)
        ok = report(f"PostgreSQL, {windows} windows in {processes} processes, calling back to back (saturation)",
                    url, calls, wall) and ok
        if pace:
            with scratch.uow() as s:
                s.execute(text("DELETE FROM ticket"))
            fill(url, paced_tickets, windows)
            calls, wall = run(url, windows, processes, pace)
            ok = report(f"PostgreSQL, {windows} windows in {processes} processes, each serving 0–{2 * pace:.0f} s "
                        "between calls", url, calls, wall) and ok
        return ok
    finally:
        if scratch is not None:
            scratch.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bench_sqlite(tickets: int, processes: int) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{(Path(tmp) / 'bench.sqlite3').as_posix()}"
        fill(url, tickets, max(processes, 8))
        calls, wall = run(url, processes, processes)
        return report(f"SQLite, {processes} windows in {processes} processes", url, calls, wall)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pg", default=os.environ.get("CLERK_BENCH_PG_URL") or os.environ.get("CLERK_TEST_PG_URL")
                   or DEFAULT_PG, help="PostgreSQL server URL (a scratch database is created there)")
    p.add_argument("--windows", type=int, default=60)
    p.add_argument("--processes", type=int, default=4, help="processes carrying the PostgreSQL windows")
    p.add_argument("--tickets", type=int, default=3000)
    p.add_argument("--sqlite-processes", type=int, default=4)
    p.add_argument("--sqlite-tickets", type=int, default=600)
    p.add_argument("--pace", type=float, default=2.0, help="paced run: mean seconds a window serves between calls")
    p.add_argument("--paced-tickets", type=int, default=900)
    p.add_argument("--skip-pg", action="store_true")
    args = p.parse_args(argv)
    ok = True
    if not args.skip_pg:
        ok &= bench_pg(args.pg, args.windows, args.tickets, args.processes, args.pace, args.paced_tickets)
    ok &= bench_sqlite(args.sqlite_tickets, args.sqlite_processes)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
