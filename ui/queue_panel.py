"""Calling from the clerk window (叫号): next, recall, start, finish, no-show, 过号重排, transfer,
pause, walk-in. Keeps the window's lease alive with a heartbeat so a crashed window's ticket goes
back to the queue; if the hall database is unreachable it says so and keeps the ticket in hand.

F8 calls the next person from anywhere in the clerk's main window once the window calls
``panel.install_shortcuts(main_window)``; until then only while the panel itself is shown."""
from __future__ import annotations

import os
import socket
import time
from typing import Any

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QGroupBox, QHBoxLayout, QInputDialog, QLabel, QLineEdit, QPushButton,
                               QVBoxLayout, QWidget)

from clerk import queue
from clerk.errors import ClerkError, StorageError
from clerk.queue import HallZone, TicketInfo

from .context import AppContext
from .queue_changes import watch

HEARTBEAT_MS = 30_000
REFRESH_MS = 3000    # the waiting counts under the panel: at most this often, only after a change
SAFETY_MS = 60_000   # and at least this often (a change signal missed while reconnecting)
TO_WINDOW = "指定窗口…"


@dataclass(frozen=True)
class _Refused:
    """The queue said no (a Chinese reason); unlike a storage failure the ticket in hand is unaffected."""
    message: str


def zone_choice(z: HallZone) -> str:
    return f"{z.name}（{z.code}）"


def missed_note(display: str, grace_minutes: int) -> str:
    if grace_minutes <= 0:
        return f"{display} 已过号（本大厅过号后不能重排）"
    return f"{display} 已过号（{grace_minutes} 分钟内回来可重排）"


class QueuePanel(QGroupBox):
    """The ticket in hand and the calling buttons. F8 calls the next person."""

    called = Signal(str, int)          # display, window number — for voice and hall display
    ticket_changed = Signal(object)    # TicketInfo | None — intake links cases to it

    def __init__(self, ctx: AppContext) -> None:
        super().__init__("叫号")
        self.ctx = ctx
        # seat:instance — a restarted app of the same seat takes its ticket back (queue.window_state).
        # this seat and run, bound to the signed-in clerk (the service compares it so)
        self.holder = queue.bind_holder(f"{socket.gethostname()}:{ctx.window_number}:{os.getpid()}", ctx.user)
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
                                 ("no_show", "过号", self.no_show), ("return", "过号重排", self.return_missed),
                                 ("transfer", "转移", self.transfer), ("walk_in", "无号办理", self.walk_in),
                                 ("pause", "暂停", self.toggle_pause)):
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
        self.last_missed = ""  # the ticket this window marked 过号 last: the likely one to come back
        # Until install_shortcuts() moves it to the main window, F8 works while the panel is shown.
        self.shortcuts: list[QShortcut] = [QShortcut(QKeySequence("F8"), self, activated=self.call_next)]
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

    def install_shortcuts(self, window: QWidget) -> None:
        """F8 (下一位) anywhere in ``window`` (the clerk's main window), whichever tab is shown —
        the panel's own shortcut would only fire while the 叫号 tab is visible. Replaces the
        panel's own, so F8 is never ambiguous."""
        for sc in self.shortcuts:
            sc.setEnabled(False)
            sc.deleteLater()
        sc = QShortcut(QKeySequence("F8"), window.window())
        sc.setContext(Qt.ShortcutContext.WindowShortcut)
        sc.activated.connect(self.call_next)
        self.shortcuts = [sc]

    @property
    def hall(self) -> str:
        return self.ctx.cfg.hall_code

    def say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #c0392b;" if error else "")
        self.message.setText(text)

    def _run(self, fn: Callable[[], Any], on_done: Callable[[Any], None]) -> None:
        def guarded() -> Any:
            try:
                return fn()
            except StorageError:
                raise
            except ClerkError as exc:
                return _Refused(exc.message)

        def done(result: Any) -> None:
            if isinstance(result, _Refused):
                self._refused(result.message)
            else:
                on_done(result)

        def failed(msg: str) -> None:
            # The hall database may be down: the ticket in hand stays, the clerk keeps serving.
            held = f"（当前号 {self.ticket.display} 可继续办理）" if self.ticket and "当前号" not in msg else ""
            self.say(msg + held, error=True)
        self.ctx.tasks.run(guarded, done, failed)

    def _refused(self, message: str) -> None:
        if self.ticket is not None and message.startswith(self.ticket.display) and queue.HELD_ELSEWHERE in message:
            # Our lease ran out and another window has called the person: it is no longer ours.
            self._show(None)
        self.say(message, error=True)

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
        allowed["return"] = True  # acts on a missed ticket asked by number, not on the one in hand
        for key, b in self.buttons.items():
            b.setEnabled(allowed.get(key, False))
        self.buttons["pause"].setText("恢复" if self.paused else "暂停")

    # ---------------------------------------------------------------- actions
    def _who(self) -> dict[str, Any]:
        """The signed-in user and workstation every queue change is checked and audited with
        (plain values, safe to hand to a worker)."""
        return {"user": self.ctx.user, "workstation": self.ctx.workstation}

    def call_next(self) -> None:
        if self.paused:
            self.say("窗口已暂停，请先恢复", error=True)
            return
        db, hall, win, holder, who = self.ctx.db, self.hall, self.ctx.window_number, self.holder, self._who()
        self._run(lambda: queue.call_next(db, hall, win, holder, **who), self._called)

    def _called(self, t: TicketInfo | None) -> None:
        if t is None:
            self._show(None, "暂无等候的群众")
            return
        note = f"已自动办结上一号 {t.auto_finished}；" if t.auto_finished else ""
        self._show(t, note + f"请 {t.display} 号到 {self.ctx.window_number} 号窗口")
        self.called.emit(t.display, self.ctx.window_number)

    def recall(self) -> None:
        if self.ticket:
            tid, db, holder, who = self.ticket.id, self.ctx.db, self.holder, self._who()
            self._run(lambda: queue.recall(db, tid, holder, **who), self._called)

    def start(self) -> None:
        if self.ticket:
            tid, db, holder, who = self.ticket.id, self.ctx.db, self.holder, self._who()
            self._run(lambda: queue.start_serving(db, tid, holder, **who), lambda t: self._show(t, "开始办理"))

    def finish(self) -> None:
        if self.ticket:
            tid, db, holder, who = self.ticket.id, self.ctx.db, self.holder, self._who()
            self._run(lambda: queue.finish(db, tid, holder, **who),
                      lambda t: self._show(None, f"{t.display} 已办结"))

    def no_show(self) -> None:
        if self.ticket:
            tid, db, hall, holder, who = self.ticket.id, self.ctx.db, self.hall, self.holder, self._who()

            def miss() -> tuple[TicketInfo, int]:
                return queue.no_show(db, tid, holder, **who), queue.no_show_grace_minutes(db, hall)

            def done(result: tuple[TicketInfo, int]) -> None:
                t, grace = result
                self.last_missed = t.display
                self._show(None, missed_note(t.display, grace))
            self._run(miss, done)

    def return_missed(self) -> None:
        """过号重排: the person whose number was missed is back; within the hall's grace the ticket
        waits again with its original issue time."""
        number, ok = QInputDialog.getText(self, "过号重排", "过号的号码（如 A003）：", QLineEdit.EchoMode.Normal,
                                          self.last_missed)
        number = (number or "").strip().upper()
        if not ok or not number:
            return
        db, hall, who = self.ctx.db, self.hall, self._who()

        def done(t: TicketInfo) -> None:
            if self.last_missed == t.display:
                self.last_missed = ""
            ahead = f"前面还有 {t.ahead} 人" if t.ahead else "前面没有人等候"
            self.say(f"{t.display} 已重新排队（{t.zone_name}，{ahead}），请群众留意叫号")
        self._run(lambda: queue.return_ticket(db, hall, number, **who), done)

    def transfer(self) -> None:
        """转移 to one of the hall's own zones (read from the database) or to a window."""
        if not self.ticket:
            return
        tk, db, hall = self.ticket, self.ctx.db, self.hall
        self._run(lambda: queue.hall_zones(db, hall), lambda zones: self._transfer_to(tk, zones))

    def _transfer_to(self, tk: TicketInfo, zones: list[HallZone]) -> None:
        if self.ticket is None or self.ticket.id != tk.id:
            return
        choices = {zone_choice(z): z.code for z in zones if z.code != tk.zone_code}
        names = [*choices, TO_WINDOW]
        choice, ok = QInputDialog.getItem(self, "转移", f"{tk.display} 转到：", names, 0, False)
        if not ok or not choice:
            return
        if choice != TO_WINDOW and choice not in choices:
            self.say(f"没有“{choice}”分区", error=True)
            return
        note, ok = QInputDialog.getText(self, "转移", "转移说明（下一个窗口可见）：")
        if not ok:
            return
        db, tid, holder, who = self.ctx.db, tk.id, self.holder, self._who()
        if choice == TO_WINDOW:
            number, ok = QInputDialog.getInt(self, "转移", "窗口号：", 1, 1, 999)
            if not ok:
                return
            fn: Any = lambda: queue.transfer(db, tid, to_window=number, note=note, holder=holder, **who)
        else:
            code = choices[choice]
            fn = lambda: queue.transfer(db, tid, to_zone=code, note=note, holder=holder, **who)
        self._run(fn, lambda t: self._show(None, f"{t.display} 已转移"))

    def walk_in(self) -> None:
        """无号办理: a person at the window without a ticket; the clerk picks the zone (the
        window's first zone is offered)."""
        db, hall, win = self.ctx.db, self.hall, self.ctx.window_number
        self._run(lambda: (queue.hall_zones(db, hall), queue.window_zone_codes(db, hall, win)), self._walk_in_to)

    def _walk_in_to(self, found: tuple[list[HallZone], list[str]]) -> None:
        zones, mine = found
        if self.ticket is not None or not zones:
            return
        codes = [z.code for z in zones]
        first = codes.index(mine[0]) if mine and mine[0] in codes else 0
        choice, ok = QInputDialog.getItem(self, "无号办理", "办理事项所属分区：",
                                          [zone_choice(z) for z in zones], first, False)
        if not ok or not choice:
            return
        code = next((z.code for z in zones if zone_choice(z) == choice), None)
        if code is None:
            self.say(f"没有“{choice}”分区", error=True)
            return
        db, hall, win, holder, who = self.ctx.db, self.hall, self.ctx.window_number, self.holder, self._who()
        self._run(lambda: queue.walk_in(db, hall, win, code, holder, **who), lambda t: self._show(t, f"无号办理：{t.display}"))

    def toggle_pause(self) -> None:
        db, hall, win, who = self.ctx.db, self.hall, self.ctx.window_number, self._who()
        fn = queue.resume_window if self.paused else queue.pause_window

        def done(_r: Any) -> None:
            self.paused = not self.paused
            self.say("窗口已暂停" if self.paused else "窗口已恢复")
            self._refresh_buttons()

        self._run(lambda: fn(db, hall, win, **who), done)

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
        # The board is read when the hall's queue changed (clerk.queue_watch: NOTIFY on
        # PostgreSQL, a counter on SQLite), at most every REFRESH_MS, and every SAFETY_MS anyway;
        # no longer all of it every 3 s whether anything happened or not.
        self._last = time.monotonic()
        self.watcher = watch(self, ctx.db, ctx.cfg.hall_code, poll_s=REFRESH_MS / 1000)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self._check)
        self.timer.start()
        self.refresh()

    def _check(self) -> None:
        if self.watcher.take_changed() or (time.monotonic() - self._last) * 1000 >= SAFETY_MS:
            self.refresh()

    def refresh(self) -> None:
        self._last = time.monotonic()
        db, hall = self.ctx.db, self.ctx.cfg.hall_code
        self.ctx.tasks.run_latest("queue_board", lambda: queue.queue_status(db, hall), self._show, lambda m: None)

    def _show(self, st: queue.QueueStatus) -> None:
        zones = "　".join(f"{z.zone_name} {z.waiting} 人" for z in st.zones)
        avg = f"{st.average_wait_minutes:.0f} 分钟" if st.average_wait_minutes is not None else "—"
        self.status.setText(f"等候：{zones}\n今日取号 {st.issued}，已办结 {st.done}，过号 {st.no_show}，平均等候 {avg}")
