"""交接单 on screen: the agent's 打印交接单 (the cases since the last list, then the PDF) and the
centre's 接收交接单 (scan the list's barcode or type its number; all its cases are received).

The service is ``clerk.handover``; the PDF ``printing.handover``. Work functions here take plain
values (database, user, paths) and return plain values; the dialogs only show them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from clerk import handover
from clerk.auth import may
from clerk.device_settings import load_device_settings
from clerk.dto import HandoverLine, HandoverListInfo, HandoverReceived, UserInfo

__all__ = ["HandoverMakeDialog", "HandoverReceiveDialog", "may"]

from .context import AppContext
from .screens import fit_window

TITLE = "办件交接单"
COLUMNS = ("办件编号", "申请人", "办理事项", "原件", "复印件")


@dataclass(frozen=True)
class MadeList:
    info: HandoverListInfo
    path: str
    printed: bool
    what: str


def make_and_print(db: Any, user: UserInfo, workstation: str, data_dir: Any, hall_code: str) -> MadeList:
    """On a worker: number the list, write its PDF to the documents folder, print it on the A4
    printer when one is set (else the preview is where the agent prints)."""
    from clerk.bootstrap import hall_summary
    from printing.data import HallInfo
    from printing.handover import handover_data, render_handover
    from printing.system_print import print_pdf, save_pdf

    info = handover.make_list(db, user, workstation=workstation)
    hall = hall_summary(db, hall_code)
    pdf = render_handover(handover_data(info, HallInfo(hall.name, hall.address, hall.phone)))
    path = save_pdf(pdf, data_dir / "documents" / f"{info.number}-handover.pdf")
    printer = load_device_settings(db, workstation).get("a4_printer", "")
    if printer:
        job = print_pdf(pdf, printer)
        return MadeList(info, str(path), True, f"交接单 {info.number} 已发送到打印机 {printer}（{job}）")
    return MadeList(info, str(path), False, f"交接单 {info.number} 已保存 {path.name}")


def _fill(table: QTableWidget, lines: tuple[HandoverLine, ...] | list[HandoverLine]) -> None:
    table.setRowCount(len(lines))
    for row, x in enumerate(lines):
        values = (x.case_number, f"{x.applicant} {x.id_number_masked}", x.matter_name, str(x.originals), str(x.copies))
        for col, value in enumerate(values):
            item = QTableWidgetItem(value)
            if col >= 3:
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            if col == 4 or col == 2:
                item.setToolTip("；".join(x.papers) if col == 4 else value)
            table.setItem(row, col, item)


def _table(parent: QWidget) -> QTableWidget:
    table = QTableWidget(0, len(COLUMNS), parent)
    table.setHorizontalHeaderLabels(list(COLUMNS))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    head = table.horizontalHeader()
    for col, mode in enumerate((QHeaderView.ResizeMode.ResizeToContents, QHeaderView.ResizeMode.ResizeToContents,
                                QHeaderView.ResizeMode.Stretch, QHeaderView.ResizeMode.ResizeToContents,
                                QHeaderView.ResizeMode.ResizeToContents)):
        head.setSectionResizeMode(col, mode)
    return table


def _totals(lines: tuple[HandoverLine, ...] | list[HandoverLine]) -> str:
    return (f"共 {len(lines)} 件，原件 {sum(x.originals for x in lines)} 份，"
            f"复印件 {sum(x.copies for x in lines)} 份")


class HandoverMakeDialog(QDialog):
    """代办员 → 打印交接单: the cases since the last list, then one key to number and print it."""

    made = Signal(object)  # MadeList

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, preview: bool = True) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.preview = preview
        self.setWindowTitle("打印交接单")
        fit_window(self, 1000, 620)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("自上一张交接单以来受理的办件（交到中心时随附的纸质材料）："))
        self.table = _table(self)
        lay.addWidget(self.table, 1)
        self.totals = QLabel("正在读取…")
        self.totals.setObjectName("handover_totals")
        lay.addWidget(self.totals)
        self.message = QLabel("")
        self.message.setObjectName("handover_message")
        self.message.setWordWrap(True)
        lay.addWidget(self.message)
        row = QHBoxLayout()
        row.addStretch(1)
        self.print_button = QPushButton("打印交接单 Ctrl+P")
        self.print_button.setObjectName("handover_print")
        self.print_button.setShortcut("Ctrl+P")
        self.print_button.setEnabled(False)
        self.print_button.clicked.connect(self.make)
        close = QPushButton("关闭 Esc")
        close.clicked.connect(self.reject)
        row.addWidget(self.print_button)
        row.addWidget(close)
        lay.addLayout(row)
        self.reload()

    def reload(self) -> None:
        db, user = self.ctx.db, self.ctx.user
        self.ctx.tasks.run(lambda: handover.pending_cases(db, user), self._shown, self._failed, owner=self)

    def _shown(self, lines: list[HandoverLine]) -> None:
        _fill(self.table, lines)
        self.totals.setText(_totals(lines) if lines else "自上一张交接单以来没有新受理的办件")
        self.print_button.setEnabled(bool(lines))

    def make(self) -> None:
        self.print_button.setEnabled(False)
        self.message.setStyleSheet("")
        self.message.setText("正在生成交接单…")
        db, user, ws = self.ctx.db, self.ctx.user, self.ctx.workstation
        data_dir, hall_code = self.ctx.cfg.data_dir, self.ctx.cfg.hall_code
        self.ctx.tasks.run(lambda: make_and_print(db, user, ws, data_dir, hall_code), self._made, self._failed,
                           owner=self)

    def _made(self, result: MadeList) -> None:
        _fill(self.table, result.info.lines)
        self.totals.setText(f"交接单 {result.info.number}：{_totals(result.info.lines)}")
        self.message.setStyleSheet("color: #1a7f37;")
        self.message.setText(result.what)
        self.made.emit(result)
        if self.preview and not result.printed:
            from .documents import PdfPreview

            PdfPreview(result.path, TITLE, self).exec()

    def _failed(self, message: str) -> None:
        self.message.setStyleSheet("color: #b42318;")
        self.message.setText(message)
        self.print_button.setEnabled(self.table.rowCount() > 0)


class HandoverReceiveDialog(QDialog):
    """窗口人员 / 中心管理员 → 接收交接单: scan the list's barcode (or type its number and press
    Enter); every case on it is received at once. The dialog stays open for the next list."""

    received = Signal(object)  # HandoverReceived

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("接收交接单")
        fit_window(self, 1000, 620)
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(QLabel("交接单编号："))
        self.number = QLineEdit()
        self.number.setObjectName("handover_number")
        self.number.setPlaceholderText("扫描交接单右上方的条码，或输入 JJ 开头的编号后按回车")
        self.number.returnPressed.connect(lambda: self.receive(self.number.text()))
        row.addWidget(self.number, 1)
        self.receive_button = QPushButton("接收")
        self.receive_button.setObjectName("handover_receive")
        self.receive_button.clicked.connect(lambda: self.receive(self.number.text()))
        row.addWidget(self.receive_button)
        lay.addLayout(row)
        self.message = QLabel("")
        self.message.setObjectName("handover_message")
        self.message.setWordWrap(True)
        lay.addWidget(self.message)
        self.table = _table(self)
        lay.addWidget(self.table, 1)
        close = QPushButton("关闭 Esc")
        close.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(close)
        lay.addLayout(bottom)

    def receive(self, number: str) -> None:
        code = number.strip().upper()
        if not code:
            self._say("请扫描交接单条码或输入交接单编号", "#b42318")
            return
        self.number.setText(code)
        self.table.setRowCount(0)   # the cases shown are always those of the number shown
        self._say(f"正在接收交接单 {code}…", "")
        db, user, ws = self.ctx.db, self.ctx.user, self.ctx.workstation
        self.ctx.tasks.run(lambda: handover.receive_list(db, user, code, workstation=ws), self._received,
                           lambda msg: self._say(msg, "#b42318"), owner=self)

    def _received(self, outcome: HandoverReceived) -> None:
        _fill(self.table, outcome.handover.lines)
        self._say(handover.received_message(outcome), "#1a7f37" if outcome.first else "#b54708")
        self.number.selectAll()
        self.received.emit(outcome)

    def _say(self, text: str, color: str) -> None:
        self.message.setStyleSheet(f"color: {color};" if color else "")
        self.message.setText(text)
