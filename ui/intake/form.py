"""The 申请表 panel: the matter's form fields, checked as the clerk leaves each one."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from clerk import forms
from clerk.dto import CaseInfo, FormFieldInfo
from clerk.errors import ValidationError



_PLACEHOLDERS = {"date": "YYYY-MM-DD，如 2026-11-02", "number": "数字", "phone": "手机或 区号-号码", "id_number": "18 位身份证号码"}
_BAD = "border: 2px solid #c0392b; border-radius: 3px;"


class FormPanel(QGroupBox):
    """申请表: one row per field of the case's form, built from its definitions. A value is checked
    as it is left (``clerk.forms``, the same rules as the service) and, when good and changed,
    emitted to be saved; a bad one is marked red with the reason as tooltip."""

    edited = Signal(dict)     # field key → raw text, to save
    problem = Signal(str, str)  # field key, Chinese message for the status line

    def __init__(self) -> None:
        super().__init__("申请表")
        self.setObjectName("form_panel")
        # two QFormLayouts side by side when the pane is wide enough (the first half of the fields on
        # the left; Tab goes down the left column then the right one), one when it is narrow
        self.columns = (QFormLayout(), QFormLayout())
        self._rows: list[tuple[QLabel, QWidget]] = []
        self._ncols = 2
        self._hbox = lay = QHBoxLayout(self)
        for col in self.columns:
            col.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            col.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
            col.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)  # narrow pane: field under its label
            lay.addLayout(col, 1)
        self.widgets: dict[str, QWidget] = {}
        self.fields: dict[str, forms.FormField] = {}
        self.saved: dict[str, str] = {}
        self._shape: tuple[Any, ...] = ()
        self._loading = False
        self.setVisible(False)

    # ----------------------------------------------------------------- building
    def show_form(self, info: CaseInfo | None) -> None:
        fields = tuple(info.form) if info is not None else ()
        shape = tuple((f.key, f.label, f.type, f.required, f.options) for f in fields)
        rebuilt = shape != self._shape
        if rebuilt:
            self._build(fields)
            self._shape = shape
        self._loading = True
        for f in fields:
            # a refresh (a material checked) keeps what the clerk is typing; a value the service
            # changed (saved, normalised, prefilled) is shown
            if rebuilt or f.value != self.saved.get(f.key, ""):
                self._set_value(f.key, f.value)
        self.saved = {f.key: f.value for f in fields}
        self._loading = False
        editable = info is not None and info.state == "draft"
        for w in self.widgets.values():
            w.setEnabled(editable)
        self.setTitle(f"申请表（{sum(1 for f in fields if f.value)}/{len(fields)} 项已填）" if fields else "申请表")
        self.setVisible(bool(fields))

    def _build(self, fields: tuple[FormFieldInfo, ...]) -> None:
        for col in self.columns:
            while col.rowCount():
                col.takeRow(0)
        for label, w in self._rows:  # later, not now: one of them may hold the focus or be in a signal
            for gone in (label, w):
                gone.hide()
                gone.deleteLater()
        self.widgets.clear()
        self._rows.clear()
        self.fields = {f.key: forms.from_info(f) for f in fields}
        for f in fields:
            w = self._widget(f)
            w.setObjectName(f"form_{f.key}")
            label = QLabel(f"{f.label}<span style='color:#c0392b'>*</span>" if f.required else f.label)
            label.setBuddy(w)
            if len(f.matters) > 1:
                label.setToolTip("、".join(f.matters) + " 共用")
            self._rows.append((label, w))
            self.widgets[f.key] = w
        self._place(self._ncols)
        for a, b in zip(list(self.widgets.values()), list(self.widgets.values())[1:]):
            QWidget.setTabOrder(a, b)  # keyboard: Tab goes down the form, whatever the columns

    def _place(self, ncols: int) -> None:
        for col in self.columns:
            while col.rowCount():
                col.takeRow(0)  # keeps the widgets
        left = (len(self._rows) + 1) // 2 if ncols == 2 else len(self._rows)
        for i, (label, w) in enumerate(self._rows):
            self.columns[0 if i < left else 1].addRow(label, w)
        self._hbox.setStretch(1, 1 if ncols == 2 else 0)
        self._ncols = ncols

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        ncols = 2 if event.size().width() >= 560 else 1
        if ncols != self._ncols and self._rows:
            QTimer.singleShot(0, self, lambda: self._place(ncols))  # not while Qt is laying out

    def _widget(self, f: FormFieldInfo) -> QWidget:
        if f.type == "choice":
            w = QComboBox()
            w.addItem("（请选择）", "")
            for o in f.options:
                w.addItem(o, o)
            w.activated.connect(lambda _i, k=f.key: self._left(k))
            return w
        # Dates, numbers, phones and ID numbers are typed (a QDateEdit cannot be left empty and is
        # slow to type into); the value is checked when the field is left.
        w = QLineEdit()
        w.setPlaceholderText(f.hint if f.type == "text" and f.hint else _PLACEHOLDERS.get(f.type, ""))
        if f.type == "text":
            w.setMaxLength(f.max_length or forms.DEFAULT_MAX_LENGTH)
        w.editingFinished.connect(lambda k=f.key: self._left(k))
        return w

    # ----------------------------------------------------------------- values
    def _set_value(self, key: str, value: str) -> None:
        w = self.widgets.get(key)
        if isinstance(w, QComboBox):
            w.setCurrentIndex(max(0, w.findData(value)))
        elif isinstance(w, QLineEdit):
            w.setText(value)
        self.mark(key, "")

    def value(self, key: str) -> str:
        w = self.widgets[key]
        if isinstance(w, QComboBox):
            return w.currentData() or ""
        return w.text().strip() if isinstance(w, QLineEdit) else ""

    def _check(self, key: str) -> tuple[str | None, str]:
        """(clean value or None when bad, message)."""
        try:
            return forms.clean_value(self.fields[key], self.value(key)), ""
        except ValidationError as err:
            return None, err.message

    def _left(self, key: str) -> None:
        if self._loading or key not in self.widgets:
            return
        clean, msg = self._check(key)
        self.mark(key, msg)
        if clean is None:
            self.problem.emit(key, msg)
        elif clean != self.saved.get(key, ""):
            self.edited.emit({key: self.value(key)})

    def mark(self, key: str, message: str) -> None:
        w = self.widgets.get(key)
        if w is not None:
            w.setStyleSheet(_BAD if message else "")
            w.setToolTip(message)

    def mark_all(self, problems: dict[str, str]) -> None:
        for key in self.widgets:
            self.mark(key, problems.get(key, ""))

    def pending(self) -> tuple[dict[str, str], dict[str, str]]:
        """Before a decision: (changed values not saved yet, problems by key) — a value typed and
        F5 pressed without leaving the field is saved with the decision."""
        changed, problems = {}, {}
        for key in self.widgets:
            clean, msg = self._check(key)
            if clean is None:
                problems[key] = msg
            elif clean != self.saved.get(key, ""):
                changed[key] = self.value(key)
        return changed, problems

    def empty_required(self) -> list[str]:
        return [k for k, f in self.fields.items() if f.required and not self.value(k)]

    def focus_first(self) -> None:
        """Ctrl+T: the first required field still empty, else the first field."""
        keys = self.empty_required() or list(self.widgets)
        if keys:
            self.widgets[keys[0]].setFocus()
