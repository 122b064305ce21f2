"""The clerk's calling panel on a real SQLite hall: call, recall, start, finish, no-show,
过号重排, transfer, walk-in, pause, F8 from any tab, and a hall database that goes away while a
ticket is in hand."""
from __future__ import annotations

import datetime as dt
import socket

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog

from clerk import queue
from clerk.db import Database
from clerk.errors import StorageError
from ui.queue_panel import QueuePanel

HALL = "33022501"


@pytest.fixture(autouse=True)
def no_real_dialogs(monkeypatch):
    """A dialog a test did not answer fails the test instead of waiting for a click forever."""
    def unexpected(*_a, **_k):
        raise AssertionError("unexpected QInputDialog")
    for name in ("getItem", "getText", "getInt"):
        monkeypatch.setattr(QInputDialog, name, unexpected)


@pytest.fixture
def panel(qtbot, ui_ctx, wait_tasks):
    p = QueuePanel(ui_ctx)
    qtbot.addWidget(p)
    p.show()
    wait_tasks(ui_ctx)  # restore() of the window's state on start
    yield p
    wait_tasks(ui_ctx)  # nothing delivered into a deleted panel


def press(qtbot, panel, key, wait_tasks):
    qtbot.mouseClick(panel.buttons[key], Qt.MouseButton.LeftButton)
    wait_tasks(panel.ctx)


def enabled(panel) -> set[str]:
    return {k for k, b in panel.buttons.items() if b.isEnabled()}


def test_nobody_waiting(qtbot, panel, wait_tasks):
    assert enabled(panel) == {"next", "return", "walk_in", "pause"}
    press(qtbot, panel, "next", wait_tasks)
    assert panel.current.text() == "—"
    assert panel.message.text() == "暂无等候的群众"


def test_call_recall_start_finish(qtbot, panel, ui_ctx, wait_tasks):
    queue.take_ticket(ui_ctx.db, HALL, "SS")
    with qtbot.waitSignal(panel.called) as sig:
        press(qtbot, panel, "next", wait_tasks)
    assert sig.args == ["A001", 1]
    assert panel.current.text() == "A001"
    assert panel.message.text() == "请 A001 号到 1 号窗口"
    assert enabled(panel) == {"recall", "start", "finish", "no_show", "return", "transfer", "pause"}

    with qtbot.waitSignal(panel.called) as sig:
        press(qtbot, panel, "recall", wait_tasks)
    assert sig.args == ["A001", 1]
    assert "已呼 2 次" in panel.detail.text()

    press(qtbot, panel, "start", wait_tasks)
    assert "办理中" in panel.detail.text()
    assert enabled(panel) == {"next", "finish", "return", "transfer", "pause"}

    press(qtbot, panel, "finish", wait_tasks)
    assert panel.current.text() == "—" and panel.ticket is None
    assert panel.message.text() == "A001 已办结"
    assert enabled(panel) == {"next", "return", "walk_in", "pause"}
    assert queue.find_ticket(ui_ctx.db, HALL, "A001").state == "done"


def test_no_show(qtbot, panel, ui_ctx, wait_tasks):
    queue.take_ticket(ui_ctx.db, HALL, "ZH")
    press(qtbot, panel, "next", wait_tasks)
    press(qtbot, panel, "no_show", wait_tasks)
    assert panel.ticket is None
    assert panel.message.text() == f"Z001 已过号（{queue.NO_SHOW_GRACE_MINUTES} 分钟内回来可重排）"
    assert queue.find_ticket(ui_ctx.db, HALL, "Z001").state == "no_show"


def test_transfer_to_another_zone_keeps_the_number(qtbot, panel, ui_ctx, wait_tasks, monkeypatch):
    queue.take_ticket(ui_ctx.db, HALL, "ZH")
    press(qtbot, panel, "next", wait_tasks)
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("不动产登记（BDC）", True))
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("需查档", True))
    press(qtbot, panel, "transfer", wait_tasks)
    assert panel.ticket is None and panel.message.text() == "Z001 已转移"
    [moved] = queue.waiting_list(ui_ctx.db, HALL, "BDC")
    assert (moved.display, moved.transfer_note) == ("Z001", "需查档")


def test_transfer_cancelled_changes_nothing(qtbot, panel, ui_ctx, wait_tasks, monkeypatch):
    queue.take_ticket(ui_ctx.db, HALL, "ZH")
    press(qtbot, panel, "next", wait_tasks)
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("", False))
    press(qtbot, panel, "transfer", wait_tasks)
    assert panel.current.text() == "Z001"
    assert queue.find_ticket(ui_ctx.db, HALL, "Z001").state == "called"


def test_walk_in(qtbot, panel, ui_ctx, wait_tasks, monkeypatch):
    monkeypatch.setattr(QInputDialog, "getItem", lambda _p, _t, _l, items, current, _e: (items[current], True))
    press(qtbot, panel, "walk_in", wait_tasks)
    assert panel.current.text() == "Z001"
    assert panel.message.text() == "无号办理：Z001"
    assert panel.ticket is not None and panel.ticket.state == "serving"
    assert enabled(panel) == {"next", "finish", "return", "transfer", "pause"}


def test_paused_window_refuses_to_call(qtbot, panel, ui_ctx, wait_tasks):
    queue.take_ticket(ui_ctx.db, HALL, "ZH")
    press(qtbot, panel, "pause", wait_tasks)
    assert panel.paused and panel.buttons["pause"].text() == "恢复"
    assert "next" not in enabled(panel)
    panel.call_next()  # F8 still reaches the slot
    wait_tasks(ui_ctx)
    assert panel.message.text() == "窗口已暂停，请先恢复"
    assert panel.ticket is None
    press(qtbot, panel, "pause", wait_tasks)
    press(qtbot, panel, "next", wait_tasks)
    assert panel.current.text() == "Z001"


def test_window_paused_elsewhere_refuses_with_the_service_message(qtbot, panel, ui_ctx, wait_tasks):
    queue.take_ticket(ui_ctx.db, HALL, "ZH")
    queue.pause_window(ui_ctx.db, HALL, 1)  # e.g. by the manager's console
    press(qtbot, panel, "next", wait_tasks)
    assert panel.message.text() == "1 号窗口已暂停，请先恢复叫号"
    assert queue.find_ticket(ui_ctx.db, HALL, "Z001").state == "waiting"


def test_unreachable_database_keeps_the_ticket_in_hand(qtbot, panel, ui_ctx, wait_tasks):
    queue.take_ticket(ui_ctx.db, HALL, "ZH")
    queue.take_ticket(ui_ctx.db, HALL, "ZH")
    press(qtbot, panel, "next", wait_tasks)
    press(qtbot, panel, "start", wait_tasks)
    real = ui_ctx.db
    # A hall database server that is not there (nothing listens on port 1 of loopback).
    ui_ctx.db = Database("postgresql+psycopg://clerk:clerk@127.0.0.1:1/clerk?connect_timeout=2")
    try:
        with qtbot.assertNotEmitted(panel.called):
            press(qtbot, panel, "next", wait_tasks)
        assert panel.message.text().startswith("无法连接大厅数据库")
        assert "当前号可继续办理" in panel.message.text()
        assert panel.current.text() == "Z001" and panel.ticket is not None
        assert "finish" in enabled(panel)
    finally:
        ui_ctx.db.dispose()
        ui_ctx.db = real
    press(qtbot, panel, "next", wait_tasks)  # back online: Z001 is finished, Z002 called
    assert panel.current.text() == "Z002"
    assert panel.message.text() == "已自动办结上一号 Z001；请 Z002 号到 1 号窗口"


def test_storage_error_on_call_names_the_ticket_in_hand(qtbot, panel, ui_ctx, wait_tasks, monkeypatch):
    queue.take_ticket(ui_ctx.db, HALL, "ZH")
    press(qtbot, panel, "next", wait_tasks)
    press(qtbot, panel, "start", wait_tasks)

    def down(*_a, **_k):
        raise StorageError("数据库正忙，请稍后重试。", "database is busy")

    monkeypatch.setattr(queue, "call_next", down)
    press(qtbot, panel, "next", wait_tasks)
    assert panel.message.text() == "数据库正忙，请稍后重试。（当前号 Z001 可继续办理）"
    assert panel.current.text() == "Z001"


def test_restarted_app_takes_back_the_ticket_its_crashed_run_called(qtbot, ui_ctx, wait_tasks):
    queue.take_ticket(ui_ctx.db, HALL, "ZH")
    crashed = f"{socket.gethostname()}:1:999999"  # the same seat (host, window 1), an old pid
    queue.call_next(ui_ctx.db, HALL, 1, crashed)
    p = QueuePanel(ui_ctx)
    qtbot.addWidget(p)
    wait_tasks(ui_ctx)
    assert p.current.text() == "Z001"
    assert p.message.text() == "已恢复本窗口的当前号 Z001"
    assert {"recall", "start", "no_show"} <= enabled(p)
    press(qtbot, p, "no_show", wait_tasks)  # refused before: the ticket was held by the dead run
    assert queue.find_ticket(ui_ctx.db, HALL, "Z001").state == "no_show"


def test_ticket_of_another_computer_on_the_same_window_number_is_not_taken(qtbot, ui_ctx, wait_tasks):
    queue.take_ticket(ui_ctx.db, HALL, "ZH")
    queue.call_next(ui_ctx.db, HALL, 1, "other-pc:1:42")
    p = QueuePanel(ui_ctx)
    qtbot.addWidget(p)
    wait_tasks(ui_ctx)
    assert p.ticket is None and p.current.text() == "—"
    assert p.message.text() == "Z001 由其他电脑以本窗口号呼叫，请核对窗口设置"
    assert queue.find_ticket(ui_ctx.db, HALL, "Z001").holder == "other-pc:1:42"


def test_paused_flag_survives_a_restart(qtbot, ui_ctx, wait_tasks):
    queue.pause_window(ui_ctx.db, HALL, 1)
    p = QueuePanel(ui_ctx)
    qtbot.addWidget(p)
    wait_tasks(ui_ctx)
    assert p.paused and p.buttons["pause"].text() == "恢复"
    assert "next" not in enabled(p)


# --------------------------------------------------------------------------- 过号重排

def test_no_show_states_the_halls_grace(qtbot, panel, ui_ctx, wait_tasks):
    queue.set_no_show_grace(ui_ctx.db, HALL, 10)
    queue.take_ticket(ui_ctx.db, HALL, "ZH")
    press(qtbot, panel, "next", wait_tasks)
    press(qtbot, panel, "no_show", wait_tasks)
    assert panel.message.text() == "Z001 已过号（10 分钟内回来可重排）"


def test_a_missed_ticket_comes_back_at_the_window(qtbot, panel, ui_ctx, wait_tasks, monkeypatch):
    """Given Z001 marked 过号, when the person comes back and the clerk presses 过号重排 (the
    dialog offers Z001), then Z001 waits again, ahead of Z002, and the clerk reads so."""
    queue.take_ticket(ui_ctx.db, HALL, "ZH")
    press(qtbot, panel, "next", wait_tasks)
    press(qtbot, panel, "no_show", wait_tasks)
    queue.take_ticket(ui_ctx.db, HALL, "ZH")
    asked = []
    monkeypatch.setattr(QInputDialog, "getText",
                        lambda _p, title, label, _echo, text: (asked.append((title, label, text)), (" z001 ", True))[1])
    assert panel.buttons["return"].isEnabled()
    press(qtbot, panel, "return", wait_tasks)
    assert asked == [("过号重排", "过号的号码（如 A003）：", "Z001")]
    assert panel.message.text() == "Z001 已重新排队（综合，前面没有人等候），请群众留意叫号"
    assert queue.find_ticket(ui_ctx.db, HALL, "Z001").state == "waiting"
    press(qtbot, panel, "next", wait_tasks)
    assert panel.current.text() == "Z001"


def test_a_missed_ticket_past_the_grace_is_refused_with_the_reason(qtbot, panel, ui_ctx, wait_tasks, monkeypatch):
    from sqlalchemy import update

    from clerk.models import Ticket

    queue.take_ticket(ui_ctx.db, HALL, "ZH")
    press(qtbot, panel, "next", wait_tasks)
    press(qtbot, panel, "no_show", wait_tasks)
    with ui_ctx.db.uow() as s:  # the person comes back 41 minutes later
        s.execute(update(Ticket).values(no_show_at=dt.datetime.now() - dt.timedelta(minutes=41)))
    queue.take_ticket(ui_ctx.db, HALL, "ZH")
    press(qtbot, panel, "next", wait_tasks)  # the window holds Z002 meanwhile
    answers = iter([("Z001", True), ("A009", True), ("Z002", True)])
    monkeypatch.setattr(QInputDialog, "getText", lambda *a: next(answers))
    press(qtbot, panel, "return", wait_tasks)
    assert panel.message.text() == "Z001 过号已超过 30 分钟（41 分钟），请重新取号"  # no "当前号 … 可继续办理"
    assert queue.find_ticket(ui_ctx.db, HALL, "Z001").state == "no_show"
    press(qtbot, panel, "return", wait_tasks)
    assert panel.message.text() == "今天没有 A009 号"
    press(qtbot, panel, "return", wait_tasks)
    assert panel.message.text() == "Z002 已呼叫，不能过号重排"
    assert panel.current.text() == "Z002"


# --------------------------------------------------------------------------- transfer and walk-in zones

@pytest.fixture
def own_zones(ui_ctx):
    """The hall has no 投资项目 zone but its own 农业农村 (N) zone served by window 1."""
    from sqlalchemy import select

    from clerk.models import Hall, Window, WindowZone, Zone

    with ui_ctx.db.uow() as s:
        hall = s.scalar(select(Hall).where(Hall.code == HALL))
        s.delete(s.scalar(select(Zone).where(Zone.hall_id == hall.id, Zone.code == "TZ")))
        ny = Zone(hall_id=hall.id, code="NY", name="农业农村", prefix="N", position=9)
        s.add(ny)
        s.flush()
        w1 = s.scalar(select(Window).where(Window.hall_id == hall.id, Window.number == 1))
        s.add(WindowZone(window_id=w1.id, zone_id=ny.id, priority=99))


def test_transfer_lists_the_halls_own_zones(qtbot, panel, ui_ctx, wait_tasks, monkeypatch, own_zones):
    queue.take_ticket(ui_ctx.db, HALL, "ZH")
    press(qtbot, panel, "next", wait_tasks)
    offered = []

    def pick(_p, _title, _label, items, _current, _editable):
        offered.extend(items)
        return "农业农村（NY）", True
    monkeypatch.setattr(QInputDialog, "getItem", pick)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("土地流转", True))
    press(qtbot, panel, "transfer", wait_tasks)
    assert offered == ["商事登记（SS）", "不动产登记（BDC）", "社会事务（SH）", "公安服务（GA）", "医保社保（YB）",
                       "农业农村（NY）", "指定窗口…"]  # no 投资项目, not its own zone 综合
    assert panel.message.text() == "Z001 已转移"
    [moved] = queue.waiting_list(ui_ctx.db, HALL, "NY")
    assert (moved.display, moved.transfer_note) == ("Z001", "土地流转")


def test_transfer_of_a_ticket_another_window_took_over_is_refused(qtbot, panel, ui_ctx, wait_tasks, monkeypatch):
    """Given this window's lease on Z001 ran out and window 2 called Z001, when the clerk here
    presses 转移, then the move is refused with the reason and Z001 leaves this window's hand."""
    queue.take_ticket(ui_ctx.db, HALL, "ZH")
    press(qtbot, panel, "next", wait_tasks)
    queue.release_expired(ui_ctx.db, now=dt.datetime.now() + dt.timedelta(minutes=5))
    assert queue.call_next(ui_ctx.db, HALL, 2, "pc-2:2:1").display == "Z001"
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("不动产登记（BDC）", True))
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("", True))
    with qtbot.waitSignal(panel.ticket_changed) as changed:
        press(qtbot, panel, "transfer", wait_tasks)
    assert changed.args == [None]
    assert panel.message.text() == "Z001 已由其他窗口呼叫（2 号窗口），不能在此转移"
    assert panel.ticket is None and panel.current.text() == "—"
    t = queue.find_ticket(ui_ctx.db, HALL, "Z001")
    assert (t.state, t.zone_code, t.window_number) == ("called", "ZH", 2)


def test_walk_in_zone_is_chosen_and_defaults_to_the_windows_first_zone(qtbot, ui_ctx, wait_tasks, monkeypatch,
                                                                        own_zones):
    ui_ctx.window_number = 4  # serves 不动产登记, then 综合
    p = QueuePanel(ui_ctx)
    qtbot.addWidget(p)
    wait_tasks(ui_ctx)
    asked = []

    def default(_p, _title, _label, items, current, _editable):
        asked.append((items, current))
        return items[current], True
    monkeypatch.setattr(QInputDialog, "getItem", default)
    press(qtbot, p, "walk_in", wait_tasks)
    [(items, current)] = asked
    assert items[current] == "不动产登记（BDC）" and "农业农村（NY）" in items and "投资项目（TZ）" not in items
    assert p.message.text() == "无号办理：B001"
    press(qtbot, p, "finish", wait_tasks)
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a: ("农业农村（NY）", True))
    press(qtbot, p, "walk_in", wait_tasks)
    assert p.message.text() == "无号办理：N001"
    assert queue.find_ticket(ui_ctx.db, HALL, "N001").window_number == 4
    p.finish()
    wait_tasks(ui_ctx)
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a: ("", False))  # cancelled: nothing issued
    press(qtbot, p, "walk_in", wait_tasks)
    assert p.ticket is None and queue.queue_status(ui_ctx.db, HALL).issued == 2


# --------------------------------------------------------------------------- F8 from any tab

def test_f8_calls_from_a_main_window_whose_queue_tab_is_hidden(qtbot, ui_ctx, wait_tasks):
    from PySide6.QtWidgets import QLineEdit as Edit
    from PySide6.QtWidgets import QMainWindow, QTabWidget

    win = QMainWindow()
    qtbot.addWidget(win)
    tabs = QTabWidget()
    intake = Edit()  # stands for the 受理 tab, where the clerk types
    tabs.addTab(intake, "受理")
    p = QueuePanel(ui_ctx)
    tabs.addTab(p, "叫号")
    win.setCentralWidget(tabs)
    p.install_shortcuts(win)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    intake.setFocus()
    qtbot.waitUntil(lambda: win.isActiveWindow())
    wait_tasks(ui_ctx)
    assert not p.isVisible()
    queue.take_ticket(ui_ctx.db, HALL, "ZH")
    queue.take_ticket(ui_ctx.db, HALL, "ZH")

    with qtbot.waitSignal(p.called) as sig:
        qtbot.keyClick(intake, Qt.Key.Key_F8)
    wait_tasks(ui_ctx)
    assert sig.args == ["Z001", 1] and p.current.text() == "Z001"

    p.start()
    wait_tasks(ui_ctx)
    tabs.setCurrentWidget(p)  # on the 叫号 tab F8 still calls once (no ambiguous second shortcut)
    assert p.isVisible()
    with qtbot.waitSignal(p.called) as sig:
        qtbot.keyClick(p, Qt.Key.Key_F8)
    wait_tasks(ui_ctx)
    assert sig.args == ["Z002", 1]
