"""运行概况: waiting per zone and lane, the longest wait, every window (open, paused, serving,
by whom), today's tickets and cases, the at-most-once rate so far, and the alerts. Refreshed in
the background every ``REFRESH_MS`` (and on 刷新); the GUI thread only draws the result."""
from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QGridLayout, QGroupBox, QHBoxLayout, QHeaderView, QLabel,
                               QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from clerk import reports

from ..context import AppContext
from .background import run_for

REFRESH_MS = 5000
STATUS_COLOURS = {"paused": "#eeeeee", "serving": "#e3f2e1", "called": "#fff4e0", "open": "#ffffff"}


def _table(headers: list[str], name: str) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setObjectName(name)
    t.setHorizontalHeaderLabels(headers)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.verticalHeader().setVisible(False)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    return t


def _rate(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


class DashboardView(QWidget):
    refreshed = Signal(object)  # the Dashboard just shown

    def __init__(self, ctx: AppContext, refresh_ms: int = REFRESH_MS) -> None:
        super().__init__()
        self.ctx = ctx
        self.board: reports.Dashboard | None = None
        self.figures: dict[str, QLabel] = {}
        grid = QGridLayout()
        for i, (key, label) in enumerate((("waiting", "当前等候"), ("longest", "最长等候"), ("tickets", "今日取号"),
                                          ("served", "已办结号票"), ("cases", "今日受理"), ("once", "最多跑一次"),
                                          ("windows", "窗口 开/停/办理中"), ("backlog", "待同步"))):
            box = QGroupBox(label)
            value = QLabel("—")
            value.setObjectName(f"fig_{key}")
            value.setProperty("role", "title")
            QVBoxLayout(box).addWidget(value)
            self.figures[key] = value
            grid.addWidget(box, i // 4, i % 4)
        self.alerts = QLabel("")
        self.alerts.setObjectName("dashboard_alerts")
        self.alerts.setWordWrap(True)
        self.waiting = _table(["分区", "通道", "等候人数", "最长等候（分钟）"], "waiting_table")
        self.windows = _table(["窗口", "状态", "当前号", "工作人员"], "windows_table")
        self.stamp = QLabel("")
        self.stamp.setObjectName("dashboard_stamp")
        refresh = QPushButton("刷新")
        refresh.clicked.connect(self.refresh)
        top = QHBoxLayout()
        top.addWidget(self.stamp, 1)
        top.addWidget(refresh)
        tables = QHBoxLayout()
        tables.addWidget(self.waiting, 1)
        tables.addWidget(self.windows, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addLayout(grid)
        lay.addWidget(self.alerts)
        lay.addLayout(tables, 1)
        self.timer = QTimer(self)
        self.timer.setInterval(refresh_ms)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.refresh()

    def refresh(self) -> None:
        db, hall = self.ctx.db, self.ctx.cfg.hall_code  # plain values: the work holds no widget
        run_for(self.ctx, self, "dashboard", lambda: reports.dashboard(db, hall), "show_board", "show_error")

    def show_error(self, message: str) -> None:
        self.stamp.setText(f"刷新失败：{message}")

    def show_board(self, b: reports.Dashboard) -> None:
        self.board = b
        f = self.figures
        f["waiting"].setText(f"{b.waiting_total} 人")
        f["longest"].setText("—" if b.longest_wait_minutes is None else f"{b.longest_wait_minutes:.0f} 分钟")
        f["tickets"].setText(str(b.tickets_today))
        f["served"].setText(str(b.served_today))
        f["cases"].setText(f"{b.cases_today} 件")
        f["once"].setText(_rate(b.at_most_once_today))
        f["windows"].setText(f"{b.windows_open} / {b.windows_paused} / {b.windows_serving}")
        f["backlog"].setText(str(b.sync_backlog))
        if b.alerts:
            self.alerts.setStyleSheet("background: #fdecea; color: #c0392b; padding: 4px;")
            self.alerts.setText("提醒：" + "；".join(b.alerts))
        else:
            self.alerts.setStyleSheet("")
            self.alerts.setText("无提醒")
        self.waiting.setRowCount(len(b.waiting))
        for i, z in enumerate(b.waiting):
            for j, v in enumerate((z.zone_name, z.lane_label, str(z.waiting), f"{z.longest_minutes:.0f}")):
                self.waiting.setItem(i, j, QTableWidgetItem(v))
        self.windows.setRowCount(len(b.windows))
        for i, w in enumerate(b.windows):
            for j, v in enumerate((w.name, w.status_label, w.ticket or "", w.clerk)):
                item = QTableWidgetItem(v)
                item.setBackground(QColor(STATUS_COLOURS.get(w.status, "#ffffff")))
                self.windows.setItem(i, j, item)
        self.stamp.setText(f"更新于 {b.at:%H:%M:%S}（每 {self.timer.interval() // 1000} 秒自动刷新）")
        self.refreshed.emit(b)
