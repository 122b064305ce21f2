"""Sync with the departments' back office, on screen: the status area of the main window
(待上传 N · 上次同步 时:分 · 在线/离线 · 错误) and the 同步 page (pending and dead items, 重新发送).

One rule: the sync loop runs on a plain thread (``SyncRunner``) that holds no widget; each round's
status — a plain dict made on that thread — reaches the screen only through ``ctx.tasks.stream``
(``ui/ops.py``), on the GUI thread, and is dropped there if the window is gone.
"""
from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from clerk import sync
from clerk.db import Database
from clerk.sync.offline import offline_text

from .context import AppContext

KIND_LABELS = {"case.accept": "受理", "case.notify": "一次性告知", "case.refuse": "不予受理", "attachment": "扫描件",
               "case.hand_over": "出件", "case.finish_on_the_spot": "当场办结", "case.supply_supplement": "补正材料",
               "case.supply_deferred": "补交容缺材料", "case.withdraw": "撤回", "evaluation": "评价",
               "handover.list": "交接单"}


def snapshot(db: Database, report: Any = None) -> dict[str, Any]:
    """What the screen shows, as plain values (made on the sync thread)."""
    st = sync.status(db)
    st["items"] = sync.items(db, limit=300)
    st["round"] = report.to_dict() if report is not None else {}
    return st


def status_text(st: dict[str, Any], now: dt.datetime | None = None) -> str:
    if not st.get("configured"):
        return "未接入部门后台（本窗口办理审批）"
    if not st.get("online"):  # 离线: for how long, since when, how many cases wait
        return offline_text(st, now or dt.datetime.now())
    last = (st.get("last_sync") or "")[11:16] or "—"
    parts = [f"待上传 {st.get('pending', 0)}", f"上次同步 {last}", "在线" if st.get("online") else "离线"]
    if st.get("dead"):
        parts.append(f"失败 {st['dead']} 条待重新发送")
    if st.get("last_error"):
        parts.append(f"错误：{st['last_error']}")
    return " · ".join(parts)


class SyncRunner:
    """The app's background sync: ``clerk.sync.loop`` on one thread; ``post`` (an ``ops.stream``
    post) gets a plain status dict after each round. Holds no widget."""

    def __init__(self, db: Database, files_dir: Path, post: Callable[[dict[str, Any]], None]) -> None:
        self.db, self.files_dir, self.post = db, files_dir, post
        self.stop, self.wake = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._run, name="clerk-sync", daemon=True)

    def start(self) -> SyncRunner:
        self.thread.start()
        return self

    def _run(self) -> None:
        sync.loop(self.db, self.files_dir, self.stop, wake=self.wake, on_round=self._round)

    def _round(self, report: Any) -> None:
        try:
            self.post(snapshot(self.db, report))
        except Exception:  # noqa: BLE001 - a status that cannot be read now is shown next round
            pass

    def kick(self) -> None:
        self.wake.set()

    def close(self, timeout: float = 5.0) -> None:
        self.stop.set()
        self.wake.set()
        if self.thread.is_alive():
            self.thread.join(timeout)
        close = getattr(self.post, "close", None)
        if close is not None:
            close()


class SyncStatus(QLabel):
    """The status bar's sync area."""

    def __init__(self) -> None:
        super().__init__("")
        self.setObjectName("sync_status")

    def show_status(self, st: dict[str, Any]) -> None:
        self.setText(status_text(st))
        self.setStyleSheet("color: #c0392b;" if st.get("dead") or (st.get("configured") and not st.get("online"))
                           else "")


class SyncPage(QWidget):
    """同步: pending and dead items with the server's reason; 重新发送 one or all; 立即同步."""

    resend_requested = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.runner: SyncRunner | None = None
        self.summary = QLabel("")
        self.summary.setObjectName("sync_summary")
        self.table = QTableWidget(0, 6)
        self.table.setObjectName("sync_items")
        self.table.setHorizontalHeaderLabels(["#", "办件编号", "内容", "状态", "尝试次数", "原因"])
        self.table.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.resend = QPushButton("重新发送")
        self.resend.setObjectName("sync_resend")
        self.resend.clicked.connect(self._resend_selected)
        self.resend_all = QPushButton("全部重新发送")
        self.resend_all.setObjectName("sync_resend_all")
        self.resend_all.clicked.connect(lambda: self._retry(None))
        self.now = QPushButton("立即同步")
        self.now.setObjectName("sync_now")
        self.now.clicked.connect(self.kick)
        buttons = QHBoxLayout()
        for b in (self.resend, self.resend_all, self.now):
            buttons.addWidget(b)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addWidget(self.table, 1)
        lay.addLayout(buttons)
        self._items: list[dict[str, Any]] = []

    def show_status(self, st: dict[str, Any]) -> None:
        self.summary.setText(status_text(st))
        self._items = list(st.get("items") or [])
        self.table.setRowCount(len(self._items))
        for i, it in enumerate(self._items):
            state = "失败" if it["state"] == "dead" else ("等待重试" if it.get("attempts") else "待上传")
            values = [str(it["id"]), it.get("number") or "", KIND_LABELS.get(it["kind"], it["kind"]), state,
                      str(it.get("attempts") or 0), it.get("last_error") or ""]
            for j, v in enumerate(values):
                self.table.setItem(i, j, QTableWidgetItem(v))
        self.resend_all.setEnabled(any(it["state"] == "dead" for it in self._items))

    def _resend_selected(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self._items):
            self._retry(self._items[row]["id"])

    def _retry(self, entry_id: int | None) -> None:
        db, user, ws = self.ctx.db, self.ctx.user, self.ctx.workstation  # the signed-in clerk resends (audited)
        self.ctx.tasks.run(lambda: sync.retry(db, entry_id, user=user, workstation=ws), lambda _n: self.kick(),
                           lambda m: self.summary.setText(m))

    def kick(self) -> None:
        if self.runner is not None:
            self.runner.kick()
        else:  # no loop yet: look again (registered meanwhile? the area starts it)
            self.resend_requested.emit()


class SyncArea(QObject):
    """Wires a runner (started only when a back office is configured) to the status label and the
    page; ``round_done`` carries each status dict for other views (the case list reloads)."""

    round_done = Signal(dict)

    def __init__(self, ctx: AppContext, status: SyncStatus, page: SyncPage, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.status, self.page = ctx, status, page
        self.runner: SyncRunner | None = None
        self.closed = False
        page.resend_requested.connect(self.kick)
        self.kick()

    def _first(self, st: dict[str, Any]) -> None:
        self._show(st)
        if st.get("configured") and self.runner is None and not self.closed:
            post = self.ctx.tasks.stream(self._show, owner=self)
            self.runner = self.page.runner = SyncRunner(self.ctx.db, self.ctx.cfg.files_dir, post).start()

    def _show(self, st: dict[str, Any]) -> None:
        self.status.show_status(st)
        self.page.show_status(st)
        self.round_done.emit(st)

    def kick(self) -> None:
        """Sync now; without a loop (no back office when the window opened) the status is read
        again, and the loop starts if this desk has been registered since."""
        if self.runner is not None:
            self.runner.kick()
            return
        db = self.ctx.db
        self.ctx.tasks.run(lambda: snapshot(db), self._first, owner=self)

    def close(self) -> None:
        self.closed = True
        runner, self.runner = self.runner, None
        self.page.runner = None
        if runner is not None:
            runner.close()
