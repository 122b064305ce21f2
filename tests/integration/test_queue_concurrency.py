"""Many windows and kiosks at once, in separate processes, on real PostgreSQL and SQLite.

Checks in the manner of Jepsen's set check: every issued ticket is called exactly once (none
lost, none twice), kiosks never print the same number, and a caller killed with SIGKILL while
holding a ticket's row lock leaves that ticket callable by the other windows.
"""
from __future__ import annotations

import collections
import datetime as dt
import multiprocessing as mp
import os
import signal
import time

import pytest
from sqlalchemy import select

from clerk import queue
from clerk.bootstrap import ensure_hall
from clerk.db import Database
from clerk.migrate import upgrade
from clerk.models import Ticket, Zone

HALL = "33022501"
ZONES = ("ZH", "SS", "BDC", "TZ", "SH", "GA", "YB")
LANES = ("normal", "normal", "normal", "elderly", "booked")
SPAWN = mp.get_context("spawn")


def _prepare(url: str, tickets: int, windows: int = 8) -> Database:
    upgrade(url)
    db = Database(url)
    now = dt.datetime.now()
    with db.uow() as s:
        hall = ensure_hall(s, windows=windows)
        prefix = {z.code: z.prefix for z in s.scalars(select(Zone).where(Zone.hall_id == hall.id))}
        # One bulk insert: the numbering path is exercised by the kiosk test, not here.
        seqs: collections.Counter[str] = collections.Counter()
        for i in range(tickets):
            zone, lane = ZONES[i % len(ZONES)], LANES[i % len(LANES)]
            seqs[zone] += 1
            s.add(Ticket(hall_id=hall.id, service_date=now.date(), zone_code=zone, seq=seqs[zone],
                         display=f"{prefix[zone]}{seqs[zone]:03d}", lane=lane,
                         priority=queue.LANES[lane].priority, issued_at=now - dt.timedelta(seconds=tickets - i)))
    return db


# --------------------------------------------------------------------------- child processes

def _call_until_empty(url: str, window: int) -> list[int]:
    """One window: call, finish, repeat until nobody waits. Returns the ticket ids it called."""
    db = Database(url)
    called: list[int] = []
    try:
        while True:
            t = queue.call_next(db, HALL, window, f"w{window}-{os.getpid()}")
            if t is None:
                return called
            called.append(t.id)
            queue.finish(db, t.id)
    finally:
        db.dispose()


def _take_many(url: str, zone: str, count: int) -> list[str]:
    db = Database(url)
    try:
        return [queue.take_ticket(db, HALL, zone).display for _ in range(count)]
    finally:
        db.dispose()


def _call_and_hang(url: str, window: int, ready: "mp.synchronize.Event", shown: "mp.Queue[str]") -> None:
    """Calls inside a transaction that never commits: the row stays locked until the process dies."""
    db = Database(url)
    with db.uow() as s:
        t, _ = queue.call_next_in(s, HALL, window, "doomed", dt.datetime.now())
        assert t is not None
        shown.put(t.display)
        ready.set()
        time.sleep(600)


# --------------------------------------------------------------------------- checks

@pytest.fixture(scope="module")
def pool():
    """Worker processes shared by the tests here: starting a Python process is the slow part."""
    with SPAWN.Pool(8) as workers:
        yield workers


def _run_windows(pool, url: str, windows: range) -> list[int]:
    per_window = pool.starmap(_call_until_empty, [(url, w) for w in windows], chunksize=1)
    return [tid for ids in per_window for tid in ids]


def _assert_called_exactly_once(db: Database, called: list[int]) -> None:
    with db.uow() as s:
        rows = s.execute(select(Ticket.id, Ticket.state, Ticket.call_count)).all()
    issued = {r.id for r in rows}
    twice = [tid for tid, n in collections.Counter(called).items() if n > 1]
    assert twice == [], f"called more than once: {twice[:10]}"
    assert issued - set(called) == set(), "lost (never called)"
    assert set(called) - issued == set(), "unexpected (called but never issued)"
    assert {(r.state, r.call_count) for r in rows} == {("done", 1)}


@pytest.mark.pg
def test_pg_eight_windows_call_two_thousand_tickets_exactly_once(pg_url, pool):
    db = _prepare(pg_url, 2000)
    try:
        called = _run_windows(pool, pg_url, range(1, 9))
        assert len(called) == 2000
        _assert_called_exactly_once(db, called)
    finally:
        db.dispose()


@pytest.mark.pg
def test_pg_concurrent_kiosks_never_issue_the_same_number(pg_url, pool):
    db = _prepare(pg_url, 0)
    try:
        per_kiosk = pool.starmap(_take_many, [(pg_url, "SS", 80)] * 6, chunksize=1)
        shown = [d for batch in per_kiosk for d in batch]
        assert sorted(shown) == [f"A{i:03d}" for i in range(1, 481)]
        for batch in per_kiosk:  # each kiosk sees its own numbers rising
            assert batch == sorted(batch)
    finally:
        db.dispose()


@pytest.mark.pg
def test_pg_a_killed_callers_locked_ticket_goes_to_another_window(pg_url):
    db = _prepare(pg_url, 0)
    try:
        first = queue.take_ticket(db, HALL, "ZH").display
        second = queue.take_ticket(db, HALL, "ZH").display
        ready, shown = SPAWN.Event(), SPAWN.Queue()
        doomed = SPAWN.Process(target=_call_and_hang, args=(pg_url, 1, ready, shown))
        doomed.start()
        assert ready.wait(30), "the doomed caller never called"
        assert shown.get(timeout=5) == first
        # While the doomed window holds the row lock, another window passes over it.
        other = queue.call_next(db, HALL, 2, "w2")
        assert other is not None and other.display == second
        assert queue.call_next(db, HALL, 3, "w3") is None
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.join(10)
        assert doomed.exitcode == -signal.SIGKILL
        # The server ends the dead backend and rolls its transaction back; wait for that.
        got = None
        deadline = time.monotonic() + 20
        while got is None and time.monotonic() < deadline:
            got = queue.call_next(db, HALL, 3, "w3")
            if got is None:
                time.sleep(0.1)
        assert got is not None and (got.display, got.window_number, got.call_count) == (first, 3, 1)
    finally:
        db.dispose()


def test_sqlite_four_processes_call_every_ticket_exactly_once(tmp_path, pool):
    url = f"sqlite:///{(tmp_path / 'clerk.sqlite3').as_posix()}"
    db = _prepare(url, 240)
    try:
        called = _run_windows(pool, url, range(1, 5))
        assert len(called) == 240
        _assert_called_exactly_once(db, called)
    finally:
        db.dispose()


@pytest.mark.pg
def test_pg_lanes_transfers_and_expired_leases_follow_the_same_rules(pg_url):
    """The PostgreSQL statements (SKIP LOCKED pick, locked release) give the SQLite answers."""
    db = _prepare(pg_url, 0)
    t0 = dt.datetime.now().replace(microsecond=0)
    try:
        a1 = queue.take_ticket(db, HALL, "SS", now=t0)
        a2 = queue.take_ticket(db, HALL, "SS", lane="disabled", now=t0 + dt.timedelta(seconds=1))
        b1 = queue.take_ticket(db, HALL, "BDC", now=t0 + dt.timedelta(seconds=2))
        got = queue.call_next(db, HALL, 3, "w3", now=t0 + dt.timedelta(seconds=3), lease_seconds=30)
        assert got.display == a2.display  # 残疾人 before the earlier 普通 ticket
        moved = queue.transfer(db, a1.id, to_zone="BDC", note="不动产", now=t0 + dt.timedelta(seconds=4))
        assert (moved.display, moved.zone_code) == ("A001", "BDC")
        # window 3 stops renewing; after its lease window 1 gets A002 back before anything else
        again = queue.call_next(db, HALL, 1, "w1", now=t0 + dt.timedelta(seconds=40))
        assert (again.display, again.call_count) == (a2.display, 2)
        nxt = queue.call_next(db, HALL, 4, "w4", now=t0 + dt.timedelta(seconds=41))
        assert nxt.display == "A001" and nxt.issued_at < b1.issued_at
    finally:
        db.dispose()
