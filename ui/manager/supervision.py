"""电子监察: matter cases overdue (red) or due within 2 working days (yellow), most urgent first,
with an Excel export."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from clerk import reports

from ..context import AppContext
from .background import run_for

LEVEL_COLOURS = {"red": "#fdecea", "yellow": "#fff4e0"}
HEADERS = ["级别", "办件编号", "事项", "部门", "窗口", "工作人员", "承诺办结", "剩余工作日", "状态"]


def export_supervision(rows: tuple[reports.SupervisionRow, ...], path: Path) -> Path:
    from clerk.fileio import write_atomic
    from printing.report import supervision_xlsx

    return write_atomic(path, supervision_xlsx(rows))


class SupervisionView(QWidget):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.rows: tuple[reports.SupervisionRow, ...] = ()
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setObjectName("supervision_table")
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.message = QLabel("")
        self.message.setObjectName("supervision_message")
        refresh = QPushButton("刷新")
        refresh.clicked.connect(self.reload)
        self.export_button = QPushButton("导出 Excel…")
        self.export_button.setObjectName("supervision_export")
        self.export_button.clicked.connect(self.export)
        top = QHBoxLayout()
        top.addWidget(self.message, 1)
        top.addWidget(refresh)
        top.addWidget(self.export_button)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.table, 1)
        self.reload()

    def reload(self) -> None:
        db = self.ctx.db
        run_for(self.ctx, self, "supervision", lambda: reports.supervision(db), "show_rows", "say")

    def say(self, text: str) -> None:
        self.message.setText(text)

    def show_rows(self, rows: tuple[reports.SupervisionRow, ...]) -> None:
        self.rows = rows
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            values = (r.level_label, r.number, r.matter, r.department, str(r.window or ""), r.clerk,
                      r.promised_date.isoformat(), str(r.working_days_left), r.state_label)
            for j, v in enumerate(values):
                item = QTableWidgetItem(v)
                item.setBackground(QColor(LEVEL_COLOURS[r.level]))
                self.table.setItem(i, j, item)
        red = sum(r.level == "red" for r in rows)
        self.say(f"红牌（已超期）{red} 件，黄牌（2 个工作日内到期）{len(rows) - red} 件")

    def export(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "导出电子监察清单", "电子监察.xlsx", "Excel (*.xlsx)")
            if not path:
                return
        rows = self.rows
        run_for(self.ctx, self, "supervision-export", lambda: export_supervision(rows, Path(path)),
                "_exported", "say")

    def _exported(self, path: Path) -> None:
        self.say(f"已导出 {len(self.rows)} 件到 {path}")
