"""The clerk's calling panel on a real SQLite hall: call, recall, start, finish, no-show,
transfer, walk-in, pause, and a hall database that goes away while a ticket is in hand."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog

from clerk import queue
from clerk.db import Database
from clerk.errors import StorageError
import socket

from ui.queue_panel import QueuePanel

HALL = "33022501"


@pytest.fixture
def panel(qtbot, ui_ctx, wait_tasks):
    p = QueuePanel(ui_ctx)
    qtbot.addWidget(p)
    p.show()
    wait_tasks(ui_ctx)  # restore() of the window's state on start
    return p


def press(qtbot, panel, key, wait_tasks):
    qtbot.mouseClick(panel.buttons[key], Qt.MouseButton.LeftButton)
    wait_tasks(panel.ctx)


def enabled(panel) -> set[str]:
    return {k for k, b in panel.buttons.items() if b.isEnabled()}


def test_nobody_waiting(qtbot, panel, wait_tasks):
    assert enabled(panel) == {"next", "walk_in", "pause"}
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
    assert enabled(panel) == {"recall", "start", "finish", "no_show", "transfer", "pause"}

    with qtbot.waitSignal(panel.called) as sig:
        press(qtbot, panel, "recall", wait_tasks)
    assert sig.args == ["A001", 1]
    assert "已呼 2 次" in panel.detail.text()

    press(qtbot, panel, "start", wait_tasks)
    assert "办理中" in panel.detail.text()
    assert enabled(panel) == {"next", "finish", "transfer", "pause"}

    press(qtbot, panel, "finish", wait_tasks)
    assert panel.current.text() == "—" and panel.ticket is None
    assert panel.message.text() == "A001 已办结"
    assert enabled(panel) == {"next", "walk_in", "pause"}
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


def test_walk_in(qtbot, panel, ui_ctx, wait_tasks):
    press(qtbot, panel, "walk_in", wait_tasks)
    assert panel.current.text() == "Z001"
    assert panel.message.text() == "无号办理：Z001"
    assert panel.ticket is not None and panel.ticket.state == "serving"
    assert enabled(panel) == {"next", "finish", "transfer", "pause"}


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
