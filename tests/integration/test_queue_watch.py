"""The queue's change signal on both engines: a ticket issued, called or finished and a window
paused reach a watching window (NOTIFY on PostgreSQL, the trigger-kept counter on SQLite); a
lease renewal does not (it would make 57 windows re-read the board every 30 s for nothing)."""
from __future__ import annotations

import threading

import pytest

from clerk import queue
from clerk.bootstrap import ensure_hall
from clerk.queue_watch import QueueWatcher

HALL = "33022501"


@pytest.fixture
def hall_db(any_db):
    with any_db.uow() as s:
        ensure_hall(s)
    return any_db


class Seen:
    def __init__(self) -> None:
        self.count = 0
        self.event = threading.Event()
        self.lock = threading.Lock()

    def __call__(self) -> None:
        with self.lock:
            self.count += 1
        self.event.set()

    def next(self) -> bool:
        """Wait for the next change report (a generous bound: a loaded machine is slow)."""
        got = self.event.wait(20)
        self.event.clear()
        return got


def test_changes_are_signalled_and_heartbeats_are_not(hall_db):
    seen = Seen()
    watcher = QueueWatcher(hall_db, HALL, seen, poll_s=0.05, fallback_s=3600).start()
    try:
        if hall_db.dialect == "postgresql":
            assert seen.next()  # the first report once the LISTEN is in place
        else:
            threading.Event().wait(0.2)  # the counter's first reading is the baseline
        seen.event.clear()
        queue.take_ticket(hall_db, HALL, "ZH")
        assert seen.next()
        t = queue.call_next(hall_db, HALL, 1, "host:1:1")
        assert t is not None and seen.next()
        before = seen.count
        for _ in range(3):
            queue.heartbeat(hall_db, "host:1:1")
        queue.pause_window(hall_db, HALL, 2)  # a real change after the renewals
        assert seen.next()
        assert seen.count == before + 1  # the pause, not the three renewals
    finally:
        watcher.stop()
    assert watcher._thread is not None and not watcher._thread.is_alive()


def test_sqlite_counter_moves_with_each_change(hall_db):
    if hall_db.dialect != "sqlite":
        pytest.skip("the counter is SQLite's; PostgreSQL notifies instead")
    marks = [queue.change_mark(hall_db, HALL)]
    t = queue.take_ticket(hall_db, HALL, "ZH")
    marks.append(queue.change_mark(hall_db, HALL))
    queue.call_next(hall_db, HALL, 1, "host:1:1")
    marks.append(queue.change_mark(hall_db, HALL))
    queue.heartbeat(hall_db, "host:1:1")
    marks.append(queue.change_mark(hall_db, HALL))
    queue.finish(hall_db, t.id)
    marks.append(queue.change_mark(hall_db, HALL))
    assert marks == [0, 1, 2, 2, 3]


def test_a_call_is_three_statements_whatever_the_day(hall_db):
    """下一位 costs three statements (window, free/release, pick-and-call) with a served ticket to
    finish and an expired lease to release on the way; the rules hold (the serving ticket is
    done, the released one is called first again by issue time)."""
    import datetime as dt

    from sqlalchemy import event

    t0 = dt.datetime.combine(dt.date.today(), dt.time(9, 0))
    for i in range(5):
        queue.take_ticket(hall_db, HALL, "ZH", now=t0 + dt.timedelta(minutes=i))
    first = queue.call_next(hall_db, HALL, 1, "host:1:1", now=t0 + dt.timedelta(minutes=10))
    queue.start_serving(hall_db, first.id, "host:1:1", now=t0 + dt.timedelta(minutes=11))
    lost = queue.call_next(hall_db, HALL, 2, "host:2:1", now=t0 + dt.timedelta(minutes=11), lease_seconds=60)
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_a):
        if statement.split()[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            seen.append(statement)

    event.listen(hall_db.engine, "before_cursor_execute", count)
    try:
        nxt = queue.call_next(hall_db, HALL, 1, "host:1:1", now=t0 + dt.timedelta(minutes=20))
    finally:
        event.remove(hall_db.engine, "before_cursor_execute", count)
    assert len(seen) == 3, seen
    assert nxt.display == lost.display and nxt.auto_finished == first.display  # released, issued earlier
    assert nxt.zone_name == "综合" and nxt.lane_label == "普通" and nxt.window_number == 1
    assert queue.find_ticket(hall_db, HALL, first.display).state == "done"
