"""Offline for days (C17) against a real back office that is down: the sync loop backs off (at
least the base wait between tries, the ceiling doubling up to the cap — never a busy poll), the
status says how long the desk has been offline, since when and how many cases wait, the same after
a restart, and it all goes up once the back office is back."""
from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import update

from clerk import sync
from clerk.db import Database
from clerk.models import SyncState
from clerk.sync.engine import OFFLINE_BASE, OFFLINE_CAP
from clerk.sync.offline import offline_text
from tests.sync.desk import accept_matter
from tests.sync.support import fast_options, run


class CountedStop(threading.Event):
    """The loop's stop event: every wait the loop asks for is noted (and not slept); after
    ``rounds`` waits the loop is told to stop."""

    def __init__(self, rounds: int) -> None:
        super().__init__()
        self.rounds, self.waits = rounds, []

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout)
        if len(self.waits) >= self.rounds:
            self.set()
        return self.is_set()


def test_the_loop_backs_off_while_the_back_office_is_down(linked, backoffice):
    accept_matter(linked.db, linked.files, 1)
    backoffice.stop()
    stop, reports = CountedStop(rounds=10), []
    sync.loop(linked.db, linked.files, stop, opts=fast_options(), on_round=reports.append)

    assert len(reports) == len(stop.waits) == 10        # each round is followed by a wait: no busy loop
    assert all(not r.online and "离线" in r.error for r in reports)
    for n, wait in enumerate(stop.waits, start=1):
        ceiling = min(OFFLINE_CAP, OFFLINE_BASE * 2 ** (n - 1))
        assert OFFLINE_BASE <= wait <= max(OFFLINE_BASE, ceiling), (n, wait)
    assert stop.waits[0] == OFFLINE_BASE                 # the first retry after the base wait
    assert sum(stop.waits) >= 10 * OFFLINE_BASE          # ten tries take at least 50 s of waiting


def test_offline_for_days_says_since_when_and_how_many_cases_wait_even_after_a_restart(
        linked, backoffice, sqlite_url):
    a = accept_matter(linked.db, linked.files, 2)
    assert run(linked.db, linked.files).online            # it went up: the last contact is now
    backoffice.stop()
    accept_matter(linked.db, linked.files, 3)
    accept_matter(linked.db, linked.files, 4)
    rep = run(linked.db, linked.files)
    assert not rep.online
    contact = dt.datetime(2026, 11, 29, 14, 5)
    with linked.db.uow() as s:  # as if the last contact had been three days ago
        s.execute(update(SyncState).where(SyncState.id == 1).values(last_sync_at=contact))
    st = sync.status(linked.db)
    assert st["online"] is False and st["waiting_cases"] == 2 and st["pending"] == 2
    now = dt.datetime(2026, 12, 2, 16, 30)
    assert offline_text(st, now) == "离线 3 天（自 11月29日 14:05）· 待同步 2 件"
    assert offline_text(st, contact + dt.timedelta(hours=5, minutes=59)).startswith("离线 5 小时（自 11月29日 14:05）")

    linked.db.dispose()
    again = Database(sqlite_url)   # the laptop restarted, still offline: the same words
    try:
        assert offline_text(sync.status(again), now) == "离线 3 天（自 11月29日 14:05）· 待同步 2 件"
        backoffice.start()   # back up (on a new loopback port: the round names it)
        back = run(again, linked.files, server=backoffice.url)
        assert back.online and back.sent == 2
        st = sync.status(again)
        assert st["online"] and st["waiting_cases"] == 0
        assert dt.datetime.fromisoformat(st["last_sync"]) > contact
    finally:
        again.dispose()
    assert a.number


def test_a_desk_that_never_reached_the_back_office_says_so(linked, backoffice, tmp_path, capsys):
    from clerk.cli import main

    backoffice.stop()
    accept_matter(linked.db, linked.files, 5)
    run(linked.db, linked.files)
    st = sync.status(linked.db)
    assert st["last_sync"] is None
    assert offline_text(st, dt.datetime(2026, 12, 2)) == "离线（尚未与部门后台同步过）· 待同步 1 件"
    assert main(["--data-dir", str(tmp_path), "sync", "--status"]) == 0   # the same words on the CLI
    assert capsys.readouterr().out.strip() == "离线（尚未与部门后台同步过）· 待同步 1 件 · 待上传 1 条"
