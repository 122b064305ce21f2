"""A 57-window hall on PostgreSQL: what the windows cost the server while idle, and 60 windows
calling at once — every window a real process.

``python bench/bench_hall.py [--pg URL] [--idle 30] [--callers 60] [--tickets 3000]``

1. Idle hall: 57 window processes and 1 hall-screen process run what the app runs — a
   ``clerk.queue_watch.QueueWatcher`` (LISTEN clerk_queue) and a board read
   (``queue.queue_status``) on each change and every 60 s (window) / 30 s (screen) anyway — for
   ``--idle`` seconds with nobody calling, then for the same time with one call every 5 s (a
   busy hall calls every 10–20 s). The server CPU is the CPU time of these processes' own server
   backends (read from /proc: the server runs on this machine), so other work on the shared
   server is not counted. For comparison the old way — every window reading the whole board
   every 3 s and the screen every 1 s — is run with the same processes and today's board.
2. 60 caller processes, one window each, all start together and call (then finish) until
   nobody waits: call latency p50/p95/p99, SQL statements per call, double or lost calls, and
   the CPU split — client processes (user+sys of the 60) against their server backends.

The machine has 2 cores shared by other work (the load average is printed): server and clients
run on the same cores here, so latency under 60 processes mostly measures the queue for a core.
"""
from __future__ import annotations

import argparse
import collections
import datetime as dt
import multiprocessing as mp
import os
import resource
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, event, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from clerk import queue  # noqa: E402
from clerk.bootstrap import ensure_hall  # noqa: E402
from clerk.db import Database  # noqa: E402
from clerk.migrate import upgrade  # noqa: E402
from clerk.models import Ticket, Zone  # noqa: E402

HALL = "33022501"
ZONES = ("ZH", "SS", "BDC", "TZ", "SH", "GA", "YB")
LANES = ("normal",) * 5 + ("elderly", "booked", "military")
TICK = os.sysconf("SC_CLK_TCK")


def backend_cpu(pid: int) -> float:
    """User+system seconds of a server process (its /proc entry; 0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def own_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def tracked(url: str) -> tuple[Database, list[int]]:
    """A database whose connections' server pids are recorded."""
    db = Database(url, pool_size=1, max_overflow=2)
    pids: list[int] = []

    @event.listens_for(db.engine, "connect")
    def _pid(dbapi_conn, _rec):  # noqa: ANN001
        cur = dbapi_conn.cursor()
        cur.execute("SELECT pg_backend_pid()")
        pids.append(cur.fetchone()[0])
        cur.close()
    return db, pids


def fill(url: str, tickets: int, windows: int, waiting: bool = True) -> None:
    db = Database(url)
    now = dt.datetime.now()
    with db.uow() as s:
        hall = ensure_hall(s, windows=windows)
        prefix = {z.code: z.prefix for z in s.scalars(select(Zone).where(Zone.hall_id == hall.id))}
        seqs: collections.Counter[str] = collections.Counter()
        base = s.scalar(select(Ticket.id).order_by(Ticket.id.desc()).limit(1)) or 0
        for i in range(tickets):
            zone, lane = ZONES[i % len(ZONES)], LANES[i % len(LANES)]
            seqs[zone] += 1
            s.add(Ticket(hall_id=hall.id, service_date=now.date(), zone_code=zone, seq=seqs[zone] + base,
                         display=f"{prefix[zone]}{seqs[zone] + base:04d}", lane=lane,
                         priority=queue.LANES[lane].priority, issued_at=now - dt.timedelta(seconds=tickets - i),
                         state="waiting" if waiting else "done"))
    db.dispose()


# --------------------------------------------------------------------------- idle hall

def _watching(url: str, kind: str, seconds: float, start_at: float, mode: str) -> tuple[float, int]:
    """One window (or the screen) for ``seconds``: returns (server CPU s of its backends, boards read)."""
    db, pids = tracked(url)
    reads = 0
    safety = 30.0 if kind == "screen" else 60.0
    every = 1.0 if kind == "screen" else 3.0
    try:
        if mode == "push":
            watcher = queue_watch.QueueWatcher(db, HALL, poll_s=1.0, fallback_s=3600).start()
            while watcher._conn is None:  # the LISTEN connection is up
                time.sleep(0.05)
            listen_pid = watcher._conn.info.backend_pid
            queue.queue_status(db, HALL)
            time.sleep(max(0.0, start_at - time.time()))
            cpu0 = sum(backend_cpu(p) for p in pids) + backend_cpu(listen_pid)
            end = time.time() + seconds
            last = time.monotonic()
            while time.time() < end:
                time.sleep(min(every, 0.25))
                if watcher.take_changed() or time.monotonic() - last >= safety:
                    # a window reads at most every 3 s (the screen at once)
                    queue.queue_status(db, HALL)
                    reads += 1
                    last = time.monotonic()
            cpu1 = sum(backend_cpu(p) for p in pids) + backend_cpu(listen_pid)
            watcher.stop()
        else:  # the old way: the whole board every 3 s (screen: 1 s)
            queue.queue_status(db, HALL)
            time.sleep(max(0.0, start_at - time.time()))
            cpu0 = sum(backend_cpu(p) for p in pids)
            end = time.time() + seconds
            while time.time() < end:
                queue.queue_status(db, HALL)
                reads += 1
                time.sleep(every)
            cpu1 = sum(backend_cpu(p) for p in pids)
        return cpu1 - cpu0, reads
    finally:
        db.dispose()


def _caller_pace(url: str, seconds: float, start_at: float, every: float) -> int:
    db = Database(url)
    time.sleep(max(0.0, start_at - time.time()))
    calls, end = 0, time.time() + seconds
    while time.time() < end:
        t = queue.call_next(db, HALL, 1 + calls % 57, f"pace-{calls % 57}")
        if t is not None:
            queue.finish(db, t.id)
            calls += 1
        time.sleep(every)
    db.dispose()
    return calls


def idle_hall(url: str, seconds: float, windows: int = 57) -> None:
    ctx = mp.get_context("spawn")
    for mode, calling in (("push", 0.0), ("push", 5.0), ("poll", 0.0)):
        with ctx.Pool(windows + 2) as pool:
            start_at = time.time() + 25  # every process connected and listening by then
            jobs = [pool.apply_async(_watching, (url, "window", seconds, start_at, mode)) for _ in range(windows)]
            jobs.append(pool.apply_async(_watching, (url, "screen", seconds, start_at, mode)))
            caller = pool.apply_async(_caller_pace, (url, seconds, start_at, calling)) if calling else None
            results = [j.get(timeout=seconds + 300) for j in jobs]
            calls = caller.get(timeout=seconds + 300) if caller else 0
        server = sum(c for c, _ in results)
        reads = sum(r for _, r in results)
        what = ("new: change-pushed (LISTEN/NOTIFY), board on change" if mode == "push"
                else "old way: whole board every 3 s (screen 1 s)")
        print(f"idle hall, {windows} windows + screen, {what}, {calls} calls in {seconds:.0f} s: "
              f"server CPU {100 * server / seconds:.2f} % of one core ({server * 1000 / seconds:.1f} ms/s), "
              f"{reads} board reads ({reads / seconds:.1f}/s), "
              f"{1000 * server / max(reads, 1):.2f} ms server CPU per board read "
              f"(load average {os.getloadavg()[0]:.1f})", flush=True)


# --------------------------------------------------------------------------- callers

def _caller(url: str, number: int, start_at: float) -> tuple[list[tuple[int, float]], float, float, int]:
    db, pids = tracked(url)
    statements = [0]

    @event.listens_for(db.engine, "before_cursor_execute")
    def _count(*_a):  # noqa: ANN002
        statements[0] += 1
    holder = f"bench-{number}-{os.getpid()}"
    out: list[tuple[int, float]] = []
    queue.hall_zones(db, HALL)  # connected before the start
    time.sleep(max(0.0, start_at - time.time()))
    cpu0, server0 = own_cpu(), sum(backend_cpu(p) for p in pids)
    statements[0] = 0
    calls_only = 0
    try:
        while True:
            before = statements[0]
            t0 = time.perf_counter()
            t = queue.call_next(db, HALL, number, holder)
            out.append((t.id if t else -1, (time.perf_counter() - t0) * 1000))
            calls_only += statements[0] - before
            if t is None:
                break
            queue.finish(db, t.id)
        return out, own_cpu() - cpu0, sum(backend_cpu(p) for p in pids) - server0, calls_only
    finally:
        db.dispose()


def callers(url: str, processes: int, tickets: int) -> None:
    fill(url, tickets, max(processes, 57))
    ctx = mp.get_context("spawn")
    with ctx.Pool(processes) as pool:
        start_at = time.time() + 20
        t0 = start_at
        results = pool.starmap(_caller, [(url, n + 1, start_at) for n in range(processes)], chunksize=1)
        wall = time.time() - t0
    calls = [c for r in results for c in r[0] if c[0] != -1]
    latencies = sorted(ms for r in results for _, ms in r[0])
    client = sum(r[1] for r in results)
    server = sum(r[2] for r in results)
    statements = sum(r[3] for r in results) / max(1, sum(len(r[0]) for r in results))
    counts = collections.Counter(tid for tid, _ in calls)
    # what the database holds afterwards (tickets left waiting by the idle phase's hall count too)
    db = Database(url)
    with db.read() as s:
        left = s.scalar(select(func.count()).select_from(Ticket).where(Ticket.state == "waiting")) or 0
    db.dispose()
    q = statistics.quantiles(latencies, n=100)
    print(f"{processes} caller processes, {len(calls)} calls in {wall:.1f} s ({len(calls) / wall:.0f} calls/s): "
          f"latency p50 {q[49]:.1f} ms, p95 {q[94]:.1f} ms, p99 {q[98]:.1f} ms; "
          f"{statements:.1f} SQL statements per call (BEGIN/COMMIT not counted); "
          f"called twice {sum(1 for n in counts.values() if n > 1)}, left waiting {left} "
          f"({len(counts)} tickets called; {tickets} filled for this run)")
    print(f"  CPU: clients {client:.1f} s ({1000 * client / len(calls):.1f} ms/call), server backends "
          f"{server:.1f} s ({1000 * server / len(calls):.1f} ms/call) — both on the same 2 cores "
          f"(load average {os.getloadavg()[0]:.1f})", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pg", default=os.environ.get("CLERK_BENCH_PG_URL") or os.environ.get("CLERK_TEST_PG_URL")
                    or "postgresql+psycopg://clerk:clerk@127.0.0.1:5544/clerk_test")
    ap.add_argument("--idle", type=float, default=30.0)
    ap.add_argument("--callers", type=int, default=60)
    ap.add_argument("--tickets", type=int, default=3000)
    ap.add_argument("--skip-idle", action="store_true")
    args = ap.parse_args()
    name = f"clerk_hall_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(args.pg).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        if not args.skip_idle:
            fill(url, 600, 57, waiting=False)  # a board with a morning's tickets on it
            fill(url, 300, 57)
            idle_hall(url, args.idle)
        callers(url, args.callers, args.tickets)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


from clerk import queue_watch  # noqa: E402

if __name__ == "__main__":
    main()
