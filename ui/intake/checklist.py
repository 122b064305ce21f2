"""The material checklist: one row per material with its status, copies and form, and the
dialogs for a 容缺 due date and an amount."""
from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFormLayout,
                               QHeaderView, QLabel, QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from clerk.cases import CHECK_LABELS, FORM_LABELS
from clerk.dto import CaseInfo



STATUS_ORDER = ("pending", "presented", "shared", "deferred", "missing")


class DeferDialog(QDialog):
    def __init__(self, name: str, latest: dt.date | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("容缺受理")
        self.date = QDateEdit()
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy年MM月dd日")
        self.date.setMinimumDate(QDate.currentDate())
        default = latest or (dt.date.today() + dt.timedelta(days=5))
        if latest is not None:
            self.date.setMaximumDate(QDate(latest.year, latest.month, latest.day))
        self.date.setDate(QDate(default.year, default.month, default.day))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        until = f" {latest:%Y年%m月%d日}" if latest else ""
        lay.addWidget(QLabel(f"“{name}”容缺，申请人承诺补交期限（不晚于承诺办结日期{until}）："))
        lay.addWidget(self.date)
        lay.addWidget(buttons)

    def value(self) -> dt.date:
        return self.date.date().toPython()


class AmountDialog(QDialog):
    """How many copies of a presented material, and in which form (原件/复印件…)."""

    def __init__(self, name: str, count: int, form: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("份数与形式")
        self.count = QSpinBox()
        self.count.setObjectName("amount_count")
        self.count.setRange(1, 99)
        self.count.setValue(max(1, count))
        self.form = QComboBox()
        self.form.setObjectName("amount_form")
        for key, label in FORM_LABELS.items():
            self.form.addItem(label, key)
        self.form.setCurrentIndex(max(0, self.form.findData(form)))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QFormLayout(self)
        lay.addRow(QLabel(f"“{name}”"))
        lay.addRow("份数", self.count)
        lay.addRow("形式", self.form)
        lay.addRow(buttons)

    def value(self) -> tuple[int, str]:
        return self.count.value(), self.form.currentData()


class ChecklistTable(QTableWidget):
    """One row per material: name, requirement, status; the status combo records the check."""

    status_chosen = Signal(str, str)  # key, status
    hint = Signal(str)  # why a key did nothing, for the status line
    amount_chosen = Signal(str, int, str)  # key, count, form — a presented material's copies

    def __init__(self) -> None:
        super().__init__(0, 4)
        self.setObjectName("checklist")
        self.setHorizontalHeaderLabels(["材料", "要求", "核验", "说明"])
        self.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self._updating = False
        self.attachment_counts: dict[str, int] = {}  # material key → attached files (ScanAttachBar)
        self._checks: dict[str, Any] = {}
        self.cellDoubleClicked.connect(lambda row, _col: self.edit_amount(row))

    def show_checks(self, info: CaseInfo) -> None:
        self._updating = True
        self.setRowCount(len(info.checks))
        for row, c in enumerate(info.checks):
            flags = []
            if c.core:
                flags.append("核心")
            if not c.required:
                flags.append("非必需")
            name = QTableWidgetItem(c.name + (f"（{'、'.join(flags)}）" if flags else ""))
            name.setData(Qt.ItemDataRole.UserRole, c.key)
            self.setItem(row, 0, name)
            self.setItem(row, 1, QTableWidgetItem(c.requirement or FORM_LABELS.get(c.form, c.form)))
            combo = QComboBox()
            for st in STATUS_ORDER:
                if st == "shared" and not c.shareable:
                    continue
                if st == "deferred" and (c.core or not c.deferrable):
                    continue
                combo.addItem(CHECK_LABELS[st], st)
            combo.setCurrentIndex(max(0, combo.findData(c.status)))
            combo.currentIndexChanged.connect(lambda _i, k=c.key, cb=combo: self._chosen(k, cb))
            self.setCellWidget(row, 2, combo)
            note = []
            if c.status == "presented":
                note.append(f"收{FORM_LABELS.get(c.form, c.form)} {c.count} 份")
            if c.share_reference:
                note.append(f"{c.share_source} {c.share_reference}")
            if c.due_date:
                note.append(f"补交期限 {c.due_date:%Y-%m-%d}")
            if len(c.matters) > 1:  # the names in the tooltip: a row stays one line, more rows show
                note.append(f"{len(c.matters)} 项事项共用")
            if self.attachment_counts.get(c.key):
                note.append(f"已附扫描件 {self.attachment_counts[c.key]} 份")
            item = QTableWidgetItem("；".join(note))
            if len(c.matters) > 1:
                item.setToolTip("共用：" + "、".join(c.matters))
            self.setItem(row, 3, item)
        self._checks = {c.key: c for c in info.checks}
        self.resizeRowsToContents()
        self._updating = False

    def edit_amount(self, row: int | None = None) -> None:
        """份数/形式 of a presented material (double-click a row, or the 份数 button)."""
        row = self.currentRow() if row is None else row
        item = self.item(row, 0) if row >= 0 else None
        c = self._checks.get(item.data(Qt.ItemDataRole.UserRole)) if item else None
        if c is None:
            self.hint.emit("先在材料表中选中一项材料，再按 Ctrl+E 设置份数和原件/复印件")
            return
        if c.status != "presented":
            self.hint.emit(f"“{c.name}”尚未核验为已提交：份数和原件/复印件只对已提交的材料设置")
            return
        dlg = AmountDialog(c.name, c.count, c.form, self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.amount_chosen.emit(c.key, *dlg.value())

    def _chosen(self, key: str, combo: QComboBox) -> None:
        if not self._updating:
            self.status_chosen.emit(key, combo.currentData())
