"""Calling from the clerk window (叫号): next, recall, start, finish, no-show, transfer, pause,
walk-in. Keeps the window's lease alive with a heartbeat so a crashed window's ticket goes back
to the queue; if the hall database is unreachable it says so and keeps the ticket in hand."""
from __future__ import annotations

import os
import socket
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QGroupBox, QHBoxLayout, QInputDialog, QLabel, QPushButton,
                               QVBoxLayout, QWidget)

from clerk import queue
from clerk.queue import TicketInfo
from clerk.zones import DEFAULT_ZONES

from .context import AppContext

HEARTBEAT_MS = 30_000


class QueuePanel(QGroupBox):
    """The ticket in hand and the calling buttons. F8 calls the next person."""

    called = Signal(str, int)          # display, window number — for voice and hall display
    ticket_changed = Signal(object)    # TicketInfo | None — intake links cases to it

    def __init__(self, ctx: AppContext) -> None:
        super().__init__("叫号")
        self.ctx = ctx
        # seat:instance — a restarted app of the same seat takes its ticket back (queue.window_state).
        self.holder = f"{socket.gethostname()}:{ctx.window_number}:{os.getpid()}"
        self.ticket: TicketInfo | None = None
        self.current = QLabel("—")
        self.current.setObjectName("current_ticket")
        self.current.setStyleSheet("font-size: 30px; font-weight: bold; color: #1d5fbf;")
        self.detail = QLabel("")
        self.detail.setWordWrap(True)
        self.message = QLabel("")
        self.message.setObjectName("queue_message")
        self.message.setWordWrap(True)
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for key, label, slot in (("next", "下一位 F8", self.call_next), ("recall", "重呼", self.recall),
                                 ("start", "开始办理", self.start), ("finish", "办结", self.finish),
                                 ("no_show", "过号", self.no_show), ("transfer", "转移", self.transfer),
                                 ("walk_in", "无号办理", self.walk_in), ("pause", "暂停", self.toggle_pause)):
            b = QPushButton(label)
            b.setObjectName(f"queue_{key}")
            b.clicked.connect(slot)
            self.buttons[key] = b
            row.addWidget(b)
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(self.current)
        top.addWidget(self.detail, 1)
        lay.addLayout(top)
        lay.addLayout(row)
        lay.addWidget(self.message)
        self.paused = False
        QShortcut(QKeySequence("F8"), self, activated=self.call_next)
        self.timer = QTimer(self)
        self.timer.setInterval(HEARTBEAT_MS)
        self.timer.timeout.connect(self.heartbeat)
        self.timer.start()
        self._refresh_buttons()
        self.restore()

    def restore(self) -> None:
        """On start: the window's paused flag and the ticket it still holds (after a crash)."""
        db, hall, win, holder = self.ctx.db, self.hall, self.ctx.window_number, self.holder

        def done(st: queue.WindowState) -> None:
            self.paused = st.paused
            if st.ticket is None:
                self._refresh_buttons()
                return
            if st.adopted or st.ticket.holder == holder:
                self._show(st.ticket, f"已恢复本窗口的当前号 {st.ticket.display}")
            else:
                self.say(f"{st.ticket.display} 由其他电脑以本窗口号呼叫，请核对窗口设置", error=True)
                self._refresh_buttons()
        self._run(lambda: queue.window_state(db, hall, win, holder), done)

    @property
    def hall(self) -> str:
        return self.ctx.cfg.hall_code

    def say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #c0392b;" if error else "")
        self.message.setText(text)

    def _run(self, fn, on_done) -> None:
        def failed(msg: str) -> None:
            # The hall database may be down: the ticket in hand stays, the clerk keeps serving.
            held = f"（当前号 {self.ticket.display} 可继续办理）" if self.ticket and "当前号" not in msg else ""
            self.say(msg + held, error=True)
        self.ctx.tasks.run(fn, on_done, failed)

    def _show(self, t: TicketInfo | None, note: str = "") -> None:
        self.ticket = t if t is not None and t.state in ("called", "serving") else None
        if self.ticket is None:
            self.current.setText("—")
            self.detail.setText("")
        else:
            tk = self.ticket
            self.current.setText(tk.display)
            extra = f"　转来：{tk.transfer_note}" if tk.transfer_note else ""
            self.detail.setText(f"{tk.zone_name} · {tk.lane_label} · {tk.state_label} · 已呼 {tk.call_count} 次"
                                f" · 取号 {tk.issued_at:%H:%M}{extra}")
        if note:
            self.say(note)
        self._refresh_buttons()
        self.ticket_changed.emit(self.ticket)

    def _refresh_buttons(self) -> None:
        state = self.ticket.state if self.ticket else None
        # 下一位 while a ticket is only called would be refused: mark it 过号 or start serving first.
        allowed = {"next": not self.paused and state != "called", "walk_in": self.ticket is None, "pause": True}
        for action, (sources, _label) in queue.ACTIONS.items():
            if action in self.buttons:
                allowed[action] = state in sources
        for key, b in self.buttons.items():
            b.setEnabled(allowed.get(key, False))
        self.buttons["pause"].setText("恢复" if self.paused else "暂停")

    # ---------------------------------------------------------------- actions
    def call_next(self) -> None:
        if self.paused:
            self.say("窗口已暂停，请先恢复", error=True)
            return
        db, hall, win, holder = self.ctx.db, self.hall, self.ctx.window_number, self.holder
        self._run(lambda: queue.call_next(db, hall, win, holder), self._called)

    def _called(self, t: TicketInfo | None) -> None:
        if t is None:
            self._show(None, "暂无等候的群众")
            return
        note = f"已自动办结上一号 {t.auto_finished}；" if t.auto_finished else ""
        self._show(t, note + f"请 {t.display} 号到 {self.ctx.window_number} 号窗口")
        self.called.emit(t.display, self.ctx.window_number)

    def recall(self) -> None:
        if self.ticket:
            tid = self.ticket.id
            self._run(lambda: queue.recall(self.ctx.db, tid, self.holder), self._called)

    def start(self) -> None:
        if self.ticket:
            tid = self.ticket.id
            self._run(lambda: queue.start_serving(self.ctx.db, tid, self.holder), lambda t: self._show(t, "开始办理"))

    def finish(self) -> None:
        if self.ticket:
            tid = self.ticket.id
            self._run(lambda: queue.finish(self.ctx.db, tid, self.holder),
                      lambda t: self._show(None, f"{t.display} 已办结"))

    def no_show(self) -> None:
        if self.ticket:
            tid = self.ticket.id
            self._run(lambda: queue.no_show(self.ctx.db, tid, self.holder),
                      lambda t: self._show(None, f"{t.display} 已过号（{queue.NO_SHOW_GRACE_MINUTES} 分钟内回来可重排）"))

    def transfer(self) -> None:
        if not self.ticket:
            return
        names = [f"{z.name}（{z.code}）" for z in DEFAULT_ZONES] + ["指定窗口…"]
        choice, ok = QInputDialog.getItem(self, "转移", "转到：", names, 0, False)
        if not ok:
            return
        note, ok = QInputDialog.getText(self, "转移", "转移说明（下一个窗口可见）：")
        if not ok:
            return
        tid = self.ticket.id
        if choice == "指定窗口…":
            number, ok = QInputDialog.getInt(self, "转移", "窗口号：", 1, 1, 999)
            if not ok:
                return
            fn: Any = lambda: queue.transfer(self.ctx.db, tid, to_window=number, note=note)
        else:
            code = choice.split("（")[1].rstrip("）")
            fn = lambda: queue.transfer(self.ctx.db, tid, to_zone=code, note=note)
        self._run(fn, lambda t: self._show(None, f"{t.display} 已转移"))

    def walk_in(self) -> None:
        db, hall, win, holder = self.ctx.db, self.hall, self.ctx.window_number, self.holder
        self._run(lambda: queue.walk_in(db, hall, win, "ZH", holder), lambda t: self._show(t, f"无号办理：{t.display}"))

    def toggle_pause(self) -> None:
        db, hall, win = self.ctx.db, self.hall, self.ctx.window_number
        fn = queue.resume_window if self.paused else queue.pause_window

        def done(_r: Any) -> None:
            self.paused = not self.paused
            self.say("窗口已暂停" if self.paused else "窗口已恢复")
            self._refresh_buttons()

        self._run(lambda: fn(db, hall, win), done)

    def heartbeat(self) -> None:
        if self.ticket is not None:
            self.ctx.tasks.run(lambda: queue.heartbeat(self.ctx.db, self.holder), None,
                               lambda m: self.say("无法连接大厅数据库：" + m + "（当前号可继续办理）", True))


class QueueWidget(QWidget):
    """The 叫号 tab: the panel plus today's waiting counts."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.panel = QueuePanel(ctx)
        self.status = QLabel("")
        self.status.setObjectName("queue_status")
        self.status.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(self.panel)
        lay.addWidget(self.status, 1)
        self.ctx = ctx
        self.timer = QTimer(self)
        self.timer.setInterval(3000)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.refresh()

    def refresh(self) -> None:
        self.ctx.tasks.run(lambda: queue.queue_status(self.ctx.db, self.ctx.cfg.hall_code), self._show, lambda m: None)

    def _show(self, st: queue.QueueStatus) -> None:
        zones = "　".join(f"{z.zone_name} {z.waiting} 人" for z in st.zones)
        avg = f"{st.average_wait_minutes:.0f} 分钟" if st.average_wait_minutes is not None else "—"
        self.status.setText(f"等候：{zones}\n今日取号 {st.issued}，已办结 {st.done}，过号 {st.no_show}，平均等候 {avg}")
