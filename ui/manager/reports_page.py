"""报表: a day (日报) or a range (周报/月报/区间), previewed as the printed PDF or saved as PDF
or Excel. The document is made in the background; the preview opens the saved file."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (QComboBox, QDateEdit, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout,
                               QWidget)

from ..context import AppContext
from .background import run_for


def make_report(db, hall_code: str, kind: str, d0: dt.date, d1: dt.date, fmt: str, out: Path) -> Path:
    """Compute and write one report (runs in the background: plain values in, a path out)."""
    from clerk import reports
    from clerk.bootstrap import hall_summary
    from clerk.fileio import write_atomic
    from printing import report as rp
    from printing.data import HallInfo

    s = hall_summary(db, hall_code)
    hall = HallInfo(s.name, s.address, s.phone)
    if kind == "daily":
        rep = reports.daily_report(db, hall_code, d0)
        data = rp.daily_pdf(rep, hall) if fmt == "pdf" else rp.daily_xlsx(rep)
    else:
        rr = reports.range_report(db, hall_code, d0, d1)
        data = rp.range_pdf(rr, hall) if fmt == "pdf" else rp.range_xlsx(rr)
    return write_atomic(out, data)


def _qdate(d: dt.date) -> QDate:
    return QDate(d.year, d.month, d.day)


class ReportsView(QWidget):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.kind = QComboBox()
        self.kind.setObjectName("report_kind")
        for key, label in (("daily", "日报"), ("week", "周报（本周一起）"), ("month", "月报（本月）"), ("range", "任意区间")):
            self.kind.addItem(label, key)
        today = dt.date.today()
        self.start = QDateEdit(_qdate(today))
        self.start.setObjectName("report_from")
        self.end = QDateEdit(_qdate(today))
        self.end.setObjectName("report_to")
        for e in (self.start, self.end):
            e.setCalendarPopup(True)
            e.setDisplayFormat("yyyy-MM-dd")
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.preview_button = QPushButton("预览 PDF")
        self.preview_button.setObjectName("report_preview")
        self.preview_button.clicked.connect(self.preview)
        save_pdf = QPushButton("保存 PDF…")
        save_pdf.clicked.connect(lambda: self.save("pdf"))
        save_xlsx = QPushButton("保存 Excel…")
        save_xlsx.clicked.connect(lambda: self.save("xlsx"))
        self.message = QLabel("选择日期后预览或保存。")
        self.message.setObjectName("report_message")
        self.message.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.kind)
        row.addWidget(QLabel("从"))
        row.addWidget(self.start)
        row.addWidget(QLabel("到"))
        row.addWidget(self.end)
        row.addStretch(1)
        row.addWidget(self.preview_button)
        row.addWidget(save_pdf)
        row.addWidget(save_xlsx)
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addWidget(self.message)
        lay.addStretch(1)
        self.last_path: Path | None = None
        self._kind_changed()

    def _kind_changed(self) -> None:
        kind = self.kind.currentData()
        today = dt.date.today()
        self.end.setEnabled(kind == "range")
        if kind == "week":
            self.start.setDate(_qdate(today - dt.timedelta(days=today.weekday())))
            self.end.setDate(_qdate(today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=6)))
        elif kind == "month":
            first = today.replace(day=1)
            nxt = (first + dt.timedelta(days=32)).replace(day=1)
            self.start.setDate(_qdate(first))
            self.end.setDate(_qdate(nxt - dt.timedelta(days=1)))

    def period(self) -> tuple[str, dt.date, dt.date]:
        kind = self.kind.currentData()
        d0 = self.start.date().toPython()
        d1 = self.end.date().toPython() if kind != "daily" else d0
        return ("daily" if kind == "daily" else "range"), d0, d1

    def _default_name(self, fmt: str) -> str:
        kind, d0, d1 = self.period()
        return f"日报-{d0}.{fmt}" if kind == "daily" else f"报表-{d0}至{d1}.{fmt}"

    def save(self, fmt: str, path: str | None = None, then: str = "_saved") -> None:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "保存报表", self._default_name(fmt),
                                                  "PDF (*.pdf)" if fmt == "pdf" else "Excel (*.xlsx)")
            if not path:
                return
        kind, d0, d1 = self.period()
        db, hall, out = self.ctx.db, self.ctx.cfg.hall_code, Path(path)
        self.message.setText("正在生成报表…")
        run_for(self.ctx, self, "report", lambda: make_report(db, hall, kind, d0, d1, fmt, out), then, "_failed")

    def preview(self) -> None:
        folder = self.ctx.cfg.data_dir / "reports"
        self.save("pdf", str(folder / self._default_name("pdf")), then="_show_preview")

    def _failed(self, message: str) -> None:
        self.message.setText(f"生成失败：{message}")

    def _saved(self, path: Path) -> None:
        self.last_path = path
        self.message.setText(f"已保存 {path}")

    def _show_preview(self, path: Path) -> None:
        self._saved(path)
        from ..documents import PdfPreview

        PdfPreview(str(path), "报表", self).open()
