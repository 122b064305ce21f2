"""UI fixtures: an ``AppContext`` on a fresh, migrated SQLite database with the demo hall (zones,
windows 1–8) and the default accounts, and ``wait_tasks`` to let background work finish;
``intake_ctx`` (the small test catalog, a clerk signed in at window 3) and ``window`` (the main
window on it, with the applicant screen) for the intake flows."""
from __future__ import annotations

from collections.abc import Callable

import pytest

from clerk.bootstrap import ensure_hall, ensure_users
from clerk.config import Config
from clerk.db import Database
from clerk.migrate import upgrade
from tests.casefixtures import clerk_user, make_catalog
from ui.context import AppContext
from ui.modes import guard_signal_refcount
from ui.taskman import TaskManager

# PySide6 6.12.0 on CPython 3.11 takes a reference from True on every Signal.emit(); a UI test
# session emits thousands of signals and would abort at exit (see ui.modes.guard_signal_refcount).
guard_signal_refcount()


@pytest.fixture
def ui_ctx(tmp_path) -> AppContext:
    url = f"sqlite:///{(tmp_path / 'clerk.sqlite3').as_posix()}"
    upgrade(url)
    db = Database(url)
    with db.uow() as s:
        ensure_users(s, ensure_hall(s))
    ctx = AppContext(cfg=Config(data_dir=tmp_path, database_url=url), db=db, tasks=TaskManager(), window_number=1)
    yield ctx
    ctx.tasks.shutdown()
    db.dispose()


@pytest.fixture
def wait_tasks(qtbot) -> Callable[[AppContext], None]:
    """``wait_tasks(ctx)``: block (processing Qt events) until no background task is pending."""
    def wait(ctx: AppContext) -> None:
        qtbot.waitUntil(lambda: ctx.tasks.pending == 0, timeout=10_000)
    return wait


@pytest.fixture
def answer_questions(qtbot):
    """``answer_questions(intake)``: answer every open question that decides materials with its
    first option, by keyboard (Space on the question the panel puts the focus on), as a clerk
    would before F5; returns the number of keys pressed."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    def answer(intake) -> int:
        keys = 0
        while intake.situation.focus_first_unanswered():
            before = len(intake.situation.unanswered())
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
            keys += 1
            # the app's barcode-gun filter holds a key for a few ms before it reaches the widget
            qtbot.waitUntil(lambda: len(intake.situation.unanswered()) < before, timeout=5000)
        return keys
    return answer


@pytest.fixture
def intake_ctx(tmp_path) -> AppContext:
    url = f"sqlite:///{(tmp_path / 'clerk.sqlite3').as_posix()}"
    upgrade(url)
    db = Database(url)
    make_catalog(db)
    ctx = AppContext(cfg=Config(data_dir=tmp_path, database_url=url), db=db, tasks=TaskManager(),
                     user=clerk_user(db), window_number=3)
    yield ctx
    ctx.tasks.shutdown()
    db.dispose()


@pytest.fixture
def window(qtbot, intake_ctx):
    from ui.applicant_screen import ApplicantScreen
    from ui.documents import DocumentService
    from ui.main_window import MainWindow

    docs = DocumentService(intake_ctx, preview=False)
    screen2 = ApplicantScreen("象山县行政服务中心")
    qtbot.addWidget(screen2)
    win = MainWindow(intake_ctx, documents=docs, applicant_screen=screen2)
    qtbot.addWidget(win)
    win.show()
    yield win
    # Let background work finish while its widgets still exist: a callback delivered into a
    # window already deleted by qtbot's teardown can crash the next test.
    drain(intake_ctx)


def drain(ctx: AppContext, timeout: float = 10.0) -> None:
    """Process events until no background task of ``ctx`` is pending (or ``timeout``)."""
    import time

    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout
    while ctx.tasks.pending and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.005)
