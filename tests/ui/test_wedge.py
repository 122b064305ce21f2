"""The keyboard-wedge filter with real Qt key events (QTest) and a controllable clock: a fast
burst is a scan, a person's typing still reaches the widget; a scanned case number opens the case
in the main window; the serial gun (through a real pseudo-terminal) does the same."""
from __future__ import annotations

import os
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QVBoxLayout, QWidget

from clerk import cases
from clerk.config import Config
from clerk.db import Database
from clerk.migrate import upgrade
from tests.casefixtures import ZHANG, clerk_user, make_catalog
from ui.applicant_screen import ApplicantScreen
from ui.context import AppContext
from tests.ui.conftest import drain
from ui.device_hub import DeviceHub
from ui.documents import DocumentService
from ui.main_window import MainWindow
from ui.taskman import TaskManager
from ui.wedge import WedgeFilter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def form(qtbot):
    """A window with a line edit that has the keyboard focus and a filter on the application."""
    win = QWidget()
    edit = QLineEdit()
    lay = QVBoxLayout(win)
    lay.addWidget(edit)
    lay.addWidget(QPushButton("确定"))
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus, timeout=5000)
    clock = Clock()
    wedge = WedgeFilter(win, clock=clock).install()
    entered: list[str] = []
    edit.returnPressed.connect(lambda: entered.append(edit.text()))
    scans: list[str] = []
    wedge.scanned.connect(scans.append)
    yield edit, wedge, clock, entered, scans
    QApplication.instance().removeEventFilter(wedge)


def _type(qtbot, widget, text: str, clock: Clock, step_ms: float, enter: bool = True) -> None:
    for ch in text:
        clock.now += step_ms
        qtbot.keyClick(widget, ch)
    if enter:
        clock.now += step_ms
        qtbot.keyClick(widget, Qt.Key.Key_Return)


def test_slow_typing_reaches_the_widget_unchanged(qtbot, form):
    edit, wedge, clock, entered, scans = form
    _type(qtbot, edit, "Zhang San 123", clock, step_ms=120)
    assert edit.text() == "Zhang San 123" and entered == ["Zhang San 123"]
    assert scans == []


def test_last_slow_key_is_released_by_the_timer(qtbot, form):
    edit, wedge, clock, _entered, _scans = form
    _type(qtbot, edit, "abc", clock, step_ms=150, enter=False)
    assert edit.text() == "ab"            # 'c' may still start a burst: held
    clock.now += 150
    qtbot.waitUntil(lambda: edit.text() == "abc", timeout=5000)   # the flush timer hands it back


def test_editing_keys_keep_their_order(qtbot, form):
    edit, wedge, clock, _entered, _scans = form
    _type(qtbot, edit, "abcd", clock, step_ms=5, enter=False)     # fast: all four held
    clock.now += 5
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)                     # releases them, then deletes
    assert edit.text() == "abc"


def test_fast_burst_is_a_scan_and_unknown_codes_are_still_typed(qtbot, form):
    edit, wedge, clock, entered, scans = form
    _type(qtbot, edit, "9133022500012345", clock, step_ms=3)
    assert scans == ["9133022500012345"]
    assert edit.text() == "9133022500012345" and entered == ["9133022500012345"]


def test_short_fast_roll_over_is_typing(qtbot, form):
    edit, wedge, clock, entered, scans = form
    _type(qtbot, edit, "de", clock, step_ms=10)
    assert scans == [] and entered == ["de"]


@pytest.fixture
def window(qtbot, tmp_path):
    url = f"sqlite:///{(tmp_path / 'clerk.sqlite3').as_posix()}"
    upgrade(url)
    db = Database(url)
    make_catalog(db)
    ctx = AppContext(cfg=Config(data_dir=tmp_path, database_url=url), db=db, tasks=TaskManager(),
                     user=clerk_user(db), window_number=3)
    docs = DocumentService(ctx, preview=False)
    screen2 = ApplicantScreen("象山县行政服务中心")
    qtbot.addWidget(screen2)
    hubs: list[DeviceHub] = []

    def build(hub: DeviceHub | None = None) -> MainWindow:
        if hub is not None:
            hubs.append(hub)
        win = MainWindow(ctx, documents=docs, hub=hub, applicant_screen=screen2)
        qtbot.addWidget(win)
        win.show()
        win.activateWindow()
        return win

    yield build, ctx
    for hub in hubs:
        hub.stop()
    drain(ctx)  # callbacks land while the windows still exist
    ctx.tasks.shutdown()
    db.dispose()


def _accepted_case(ctx: AppContext):
    db, user = ctx.db, ctx.user
    case = cases.start_case(db, user, cases.ApplicantInput(name="张三", id_number=ZHANG), matter_code="M-YIBAO")
    for c in case.checks:
        cases.check_material(db, user, case.id, c.key, "presented")
    return cases.accept_case(db, user, case.id)


def test_scanned_receipt_opens_the_case_from_the_intake_screen(qtbot, window):
    build, ctx = window
    case = _accepted_case(ctx)
    win = build()
    clock = Clock()
    win.wedge.clock = clock
    name = win.intake.applicant.name
    name.setFocus()
    qtbot.waitUntil(name.hasFocus, timeout=5000)
    scans: list[str] = []
    win.wedge.scanned.connect(scans.append)
    _type(qtbot, name, case.number, clock, step_ms=4)
    assert scans == [case.number]
    assert win.tabs.currentWidget() is win.cases
    qtbot.waitUntil(lambda: win.cases.current is not None, timeout=5000)
    assert win.cases.current.number == case.number
    assert name.text() == ""               # the code was not typed into the applicant's name


@pytest.mark.skipif(sys.platform == "win32", reason="ptys are POSIX-only")
def test_serial_gun_opens_the_case(qtbot, window, monkeypatch):
    build, ctx = window
    case = _accepted_case(ctx)
    master, slave = os.openpty()
    try:
        hub = DeviceHub({"barcode_port": os.ttyname(slave)})
        win = build(hub)
        hub.start()
        # The first poll opens the port, and opening flushes input: write once it has run.
        hub.worker.submit(lambda: None).result(timeout=10)
        os.write(master, case.number.encode() + b"\r\n")
        qtbot.waitUntil(lambda: win.cases.current is not None, timeout=10_000)
        assert win.cases.current.number == case.number and win.tabs.currentWidget() is win.cases
    finally:
        os.close(master)
        os.close(slave)
