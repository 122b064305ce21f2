"""The status area of a laptop offline for days (C17), with a real back office down: 离线 with how
long, since when (the last contact, kept in the database) and how many cases wait — and the same
words after the app is started again, before any round has run."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from clerk import sync
from clerk.models import SyncState
from clerk.sync.offline import since_label
from tests.backoffice_server import backoffice  # noqa: F401
from tests.sync.desk import accept_matter
from tests.sync.support import ENROL
from tests.ui.conftest import drain
from ui.main_window import MainWindow

WAIT = 90_000


def _window(qtbot, ctx) -> MainWindow:
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    return win


def test_offline_for_days_shows_since_when_and_the_cases_waiting(qtbot, intake_ctx, backoffice):  # noqa: F811
    ctx = intake_ctx
    sync.enrol(ctx.db, backoffice.url, ENROL, "3号窗口")
    backoffice.stop()
    for n in range(3):
        accept_matter(ctx.db, ctx.cfg.files_dir, n)
    contact = (dt.datetime.now() - dt.timedelta(days=3, hours=2)).replace(second=0, microsecond=0)
    with ctx.db.uow() as s:
        s.execute(update(SyncState).where(SyncState.id == 1).values(last_sync_at=contact, online=False))
    expected = f"离线 3 天（自 {since_label(contact, dt.datetime.now())}）· 待同步 3 件"

    win = _window(qtbot, ctx)
    try:
        qtbot.waitUntil(lambda: win.sync_status.text() == expected, timeout=WAIT)
        assert "#c0392b" in win.sync_status.styleSheet()          # shown in red
        assert win.sync_page.summary.text() == expected
        assert win.sync.runner is not None                          # the loop runs, backing off
    finally:
        win.sync.close()
        drain(ctx)
    win.close()

    again = _window(qtbot, ctx)   # a restart, still offline: the same words from the first status
    try:
        qtbot.waitUntil(lambda: again.sync_status.text() == expected, timeout=WAIT)
    finally:
        again.sync.close()
        drain(ctx)
