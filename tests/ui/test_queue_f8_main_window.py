"""F8 (下一位) in the real clerk main window while the clerk works on the 受理 tab: what the one
line ``self.queue.panel.install_shortcuts(self)`` in ``MainWindow.__init__`` gives (the test calls
it itself, so it holds before and after main_window adds that line)."""
from __future__ import annotations

from PySide6.QtCore import Qt

from clerk import queue
from tests.casefixtures import clerk_user
from ui.documents import DocumentService
from ui.main_window import MainWindow

HALL = "33022501"


def test_f8_on_the_intake_tab_calls_the_next_ticket(qtbot, ui_ctx, wait_tasks):
    ui_ctx.user = clerk_user(ui_ctx.db)
    win = MainWindow(ui_ctx, documents=DocumentService(ui_ctx, preview=False))
    qtbot.addWidget(win)
    win.queue.panel.install_shortcuts(win)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    wait_tasks(ui_ctx)
    win.tabs.setCurrentWidget(win.intake)
    assert not win.queue.panel.isVisible()
    queue.take_ticket(ui_ctx.db, HALL, "ZH")

    with qtbot.waitSignal(win.queue.panel.called) as sig:
        qtbot.keyClick(win.focusWidget() or win, Qt.Key.Key_F8)
    wait_tasks(ui_ctx)
    assert sig.args == ["Z001", 1]
    assert win.tabs.currentWidget() is win.intake  # the clerk stays where they were typing
    assert queue.find_ticket(ui_ctx.db, HALL, "Z001").state == "called"
