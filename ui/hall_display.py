"""The hall call screen (叫号屏): the call now being made, the last calls, and who waits per zone.

It reads ``clerk.queue.queue_status`` off the GUI thread whenever the hall's queue changed
(``ui.queue_changes``: NOTIFY on PostgreSQL, a counter on SQLite) and every 30 s anyway, so calls
made at any window on the shared database appear; a call made in this process arrives at once through ``QueueBus``.

One rule: every call is announced once. A call is known by (number, window, called_at), so a
recall (called_at moves) is a new call; a call heard on the bus is not announced again by the poll,
and the calls already on the screen when the display starts are shown, not announced.
"""
from __future__ import annotations

import datetime as dt
import time
from collections import Counter

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from clerk import queue
from clerk.queue import QueueStatus, RecentCall

from .context import AppContext
from .queue_bus import QueueBus
from .queue_changes import watch
from .voice import VoiceCaller

POLL_MS = 30_000      # the whole board at least this often (changes bring it at once)
CHECK_MS = 250        # the clock and the change flag (in memory) are looked at this often
CHANGE_POLL_S = 0.5   # SQLite: how often the change counter is read (PostgreSQL pushes)
RECENT_SHOWN = 8
STYLE = """
#hall { background: #0b2a5b; }
QLabel { color: #e8eefc; }
QLabel#hall_title { font-size: 34px; font-weight: bold; }
QLabel#hall_clock { font-size: 30px; }
QLabel#calling_caption { font-size: 40px; color: #ffd34d; font-weight: bold; }
QLabel#calling_number { font-size: 170px; font-weight: bold; color: #ffd34d; }
QLabel#calling_window { font-size: 58px; font-weight: bold; }
QLabel#recent_caption, QLabel#zones_caption { font-size: 30px; color: #9fb8e8; }
QLabel[role="recent"] { font-size: 38px; }
QLabel[role="zone"] { font-size: 26px; background: #143c7a; border-radius: 8px; padding: 6px 12px; }
QLabel#hall_problem { font-size: 22px; color: #ff9c8a; }
QFrame#calling_box { background: #12376f; border: 3px solid #ffd34d; border-radius: 16px; }
QFrame#recent_box { background: #0f3166; border-radius: 16px; }
"""


def call_key(c: RecentCall) -> tuple[str, int | None, dt.datetime]:
    return (c.display, c.window_number, c.called_at)


class HallDisplay(QWidget):
    """``voice`` given: announce calls seen by the poll (the display runs as its own process);
    ``bus`` given: show this process's calls at once (the bus's own voice announces them)."""

    def __init__(self, ctx: AppContext, hall_name: str = "行政服务中心", *, voice: VoiceCaller | None = None,
                 bus: QueueBus | None = None, poll_ms: int = POLL_MS) -> None:
        super().__init__()
        self.ctx = ctx
        self.voice = voice
        self.setObjectName("hall")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(STYLE)
        self.setWindowTitle(f"{hall_name} 叫号屏")
        self._seen: set[tuple[str, int | None, dt.datetime]] | None = None  # None until the first poll
        self._heard: Counter[tuple[str, int | None]] = Counter()  # bus calls the poll must not re-announce
        self._polling = False
        self.status: QueueStatus | None = None

        title = QLabel(hall_name)
        title.setObjectName("hall_title")
        self.clock = QLabel("")
        self.clock.setObjectName("hall_clock")
        head = QHBoxLayout()
        head.addWidget(title, 1)
        head.addWidget(self.clock)

        box = QFrame()
        box.setObjectName("calling_box")
        caption = QLabel("正在呼叫")
        caption.setObjectName("calling_caption")
        self.number = QLabel("—")
        self.number.setObjectName("calling_number")
        self.window_label = QLabel("请留意叫号")
        self.window_label.setObjectName("calling_window")
        inner = QVBoxLayout(box)
        for w in (caption, self.number, self.window_label):
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
            inner.addWidget(w)

        recent_box = QFrame()
        recent_box.setObjectName("recent_box")
        rlay = QVBoxLayout(recent_box)
        rcap = QLabel("最近呼叫")
        rcap.setObjectName("recent_caption")
        rlay.addWidget(rcap)
        grid = QGridLayout()
        grid.setHorizontalSpacing(30)
        self.recent_rows: list[tuple[QLabel, QLabel]] = []
        for i in range(RECENT_SHOWN):
            pair = (QLabel(""), QLabel(""))
            for col, label in enumerate(pair):
                label.setProperty("role", "recent")
                grid.addWidget(label, i, col)
            pair[1].setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.recent_rows.append(pair)
        rlay.addLayout(grid)
        rlay.addStretch(1)

        middle = QHBoxLayout()
        middle.addWidget(box, 3)
        middle.addWidget(recent_box, 2)

        zcap = QLabel("等候人数")
        zcap.setObjectName("zones_caption")
        self.zone_grid = QGridLayout()
        self.zone_labels: dict[str, QLabel] = {}
        self.problem = QLabel("")
        self.problem.setObjectName("hall_problem")

        lay = QVBoxLayout(self)
        lay.setContentsMargins(28, 18, 28, 18)
        lay.addLayout(head)
        lay.addLayout(middle, 1)
        lay.addWidget(zcap)
        lay.addLayout(self.zone_grid)
        lay.addWidget(self.problem)

        if bus is not None:
            bus.called.connect(self.on_bus_call)
        # The clock ticks every second; the board is read when the queue changed (NOTIFY on
        # PostgreSQL, the change counter on SQLite: clerk.queue_watch) and every poll_ms anyway.
        self._last_poll = 0.0
        self.poll_ms = poll_ms
        self.timer = QTimer(self)
        self.timer.setInterval(min(poll_ms, CHECK_MS))
        self.timer.timeout.connect(self._timer)
        self.timer.start()
        self.watcher = watch(self, ctx.db, ctx.cfg.hall_code, poll_s=CHANGE_POLL_S)
        self._tick()
        self.poll()

    # ---------------------------------------------------------------- data in
    def _timer(self) -> None:
        self._tick()
        if self.watcher.take_changed() or (time.monotonic() - self._last_poll) * 1000 >= self.poll_ms:
            self.poll()

    def poll(self) -> None:
        self._tick()
        if self._polling:  # a slow database: never stack polls
            return
        self._last_poll = time.monotonic()
        self._polling = True
        db, hall = self.ctx.db, self.ctx.cfg.hall_code
        self.ctx.tasks.run(lambda: queue.queue_status(db, hall), self._polled, self._failed)

    def _failed(self, message: str) -> None:
        self._polling = False
        # The last calls stay on screen; the next poll retries.
        # The hall reads the short line; the cause is for staff (tooltip / log).
        self.problem.setText("叫号数据暂时无法更新，正在重试…")
        self.problem.setToolTip(message)

    def _polled(self, st: QueueStatus) -> None:
        self._polling = False
        self.problem.setText("")
        self.status = st
        # A ticket transferred or released back to the queue keeps its called_at but has no window.
        recent = tuple(c for c in st.recent if c.window_number is not None)
        keys = [call_key(c) for c in recent]
        if self._seen is not None:
            fresh = [c for c in reversed(recent) if call_key(c) not in self._seen]  # oldest first
            for c in fresh:
                heard = (c.display, c.window_number)
                if self._heard[heard] > 0:
                    self._heard[heard] -= 1
                elif self.voice is not None:
                    self.voice.announce(c.display, c.window_number)
        self._seen = set(keys)
        self._show_recent(recent)
        self._show_zones(st)

    def on_bus_call(self, display: str, window: int) -> None:
        """A call made in this process: on screen now; the next poll will find it already heard."""
        self._heard[(display, window)] += 1
        self._show_current(display, window)

    # ---------------------------------------------------------------- data out
    def _tick(self) -> None:
        self.clock.setText(f"{dt.datetime.now():%H:%M:%S}")

    def _show_current(self, display: str, window: int) -> None:
        self.number.setText(display)
        self.window_label.setText(f"请到 {window} 号窗口")

    def _show_recent(self, recent: tuple[RecentCall, ...]) -> None:
        if recent:
            self._show_current(recent[0].display, recent[0].window_number)
        for i, (number, window) in enumerate(self.recent_rows):
            # recent[0] is the big one; the list shows the calls before it.
            c = recent[i + 1] if i + 1 < len(recent) else None
            number.setText(c.display if c else "")
            window.setText(f"{c.window_number} 号窗口" if c else "")

    def _show_zones(self, st: QueueStatus) -> None:
        for i, z in enumerate(st.zones):
            label = self.zone_labels.get(z.zone_code)
            if label is None:
                label = QLabel("")
                label.setProperty("role", "zone")
                label.setAlignment(Qt.AlignmentFlag.AlignCenter)
                self.zone_grid.addWidget(label, i // 4, i % 4)
                self.zone_labels[z.zone_code] = label
            label.setText(f"{z.zone_name}　{z.waiting} 人")

    def recent_texts(self) -> list[str]:
        """The recent-call rows as read on screen, e.g. ``"E001 → 7 号窗口"``."""
        return [f"{n.text()} → {w.text()}" for n, w in self.recent_rows if n.text()]
