"""待重打小票: thermal jobs (receipt slips, queue tickets) that did not print stay in the spool
(devices.escpos_printer.PrintSpool); staff see why each failed and print it again once the
printer has paper, or to another printer, or drop it."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import (QAbstractItemView, QDialog, QHBoxLayout, QInputDialog, QLabel,
                               QMessageBox, QPushButton, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from devices.escpos_printer import PrintSpool, SpoolJob

from .context import AppContext

COLUMNS = ("时间", "内容", "打印机", "失败次数", "原因")


def spool_folders(ctx: AppContext) -> list[Path]:
    """Where the app keeps unprinted jobs: receipt slips and kiosk tickets."""
    base = Path(ctx.cfg.data_dir) / "spool"
    return [base, base / "tickets"]


class SpoolDialog(QDialog):
    def __init__(self, ctx: AppContext, folders: Sequence[Path] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("待重打小票")
        self.resize(860, 380)
        self.ctx = ctx
        self.spools = [PrintSpool(f) for f in (folders or spool_folders(ctx))]
        self.jobs: list[tuple[PrintSpool, SpoolJob]] = []
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("spool_table")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.message = QLabel("")
        self.message.setObjectName("spool_message")
        self.message.setWordWrap(True)
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for key, label, slot in (("reprint", "重打", self.reprint), ("other", "换打印机重打…", self.reprint_elsewhere),
                                 ("drop", "删除", self.drop), ("refresh", "刷新", self.refresh),
                                 ("close", "关闭", self.accept)):
            b = QPushButton(label)
            b.setObjectName(f"spool_{key}")
            b.clicked.connect(slot)
            self.buttons[key] = b
            row.addWidget(b)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.message)
        lay.addLayout(row)
        self.refresh()

    def say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #c0392b;" if error else "")
        self.message.setText(text)

    def refresh(self) -> None:
        self.jobs = []
        for spool in self.spools:
            try:
                self.jobs += [(spool, j) for j in spool.pending()]
            except Exception as exc:  # noqa: BLE001 (a damaged record must not hide the others)
                self.say(f"读取 {spool.folder} 失败：{getattr(exc, 'message', exc)}", True)
        self.jobs.sort(key=lambda sj: sj[1].created)
        self.table.setRowCount(len(self.jobs))
        for r, (_spool, j) in enumerate(self.jobs):
            try:
                when = dt.datetime.fromisoformat(j.created).strftime("%m-%d %H:%M")
            except ValueError:
                when = j.created
            for c, text in enumerate((when, j.title or j.id, j.url, str(j.attempts), j.last_error)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        if self.jobs:
            self.table.selectRow(0)
        elif not self.message.text():
            self.say("没有待重打的小票")
        for key in ("reprint", "other", "drop"):
            self.buttons[key].setEnabled(bool(self.jobs))

    def selected(self) -> tuple[PrintSpool, SpoolJob] | None:
        rows = self.table.selectionModel().selectedRows()
        return self.jobs[rows[0].row()] if rows else None

    def reprint(self, url: str | None = None) -> None:
        picked = self.selected()
        if picked is None:
            self.say("请先选中一条任务", True)
            return
        spool, job = picked
        label = job.title or job.id
        for b in self.buttons.values():
            b.setEnabled(False)
        self.say(f"正在重打 {label}…")

        def done(_r: object) -> None:
            self.message.clear()
            self.refresh()
            self.say(f"已重打 {label}")

        def failed(msg: str) -> None:
            self.refresh()
            self.say(f"{label} 仍未打印：{msg}", True)

        self.ctx.tasks.device(lambda: spool.reprint(job.id, url or None), done, failed)

    def reprint_elsewhere(self) -> None:
        picked = self.selected()
        if picked is None:
            self.say("请先选中一条任务", True)
            return
        url, ok = QInputDialog.getText(self, "换打印机重打", "打印机地址（如 tcp://192.168.1.50:9100）",
                                       text=picked[1].url)
        if ok and url.strip():
            self.reprint(url.strip())

    def drop(self) -> None:
        picked = self.selected()
        if picked is None:
            return
        spool, job = picked
        answer = QMessageBox.question(self, "删除任务", f"不再打印“{job.title or job.id}”？")
        if answer == QMessageBox.StandardButton.Yes:
            spool.remove(job.id)
            self.message.clear()
            self.refresh()
