"""The intake screen: identify → choose a matter or 一件事 → answer situations → check every
material → accept / one-time notice / refuse. Keyboard first:

F2 读卡 · F3 搜索事项 · F4 全部材料已提交 · F5 受理 · F6 一次性告知 · F7 不予受理 · F8 叫下一位 ·
F9 新办件 · F11 扫描选中材料 · Ctrl+T 填写申请表

Views here only lay out and forward; services come from ``clerk.cases`` and run on the task
manager, documents from ``ui.documents``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QButtonGroup, QCheckBox, QComboBox, QDateEdit,
                               QDialog, QDialogButtonBox, QFormLayout, QFrame, QGroupBox, QHBoxLayout,
                               QHeaderView, QInputDialog, QLabel, QLineEdit, QListWidget, QListWidgetItem,
                               QMessageBox, QPushButton, QRadioButton, QScrollArea, QSpinBox, QSplitter,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from clerk import calendar as workcal
from clerk import actions, cases, forms
from clerk.cases import CHECK_LABELS, FORM_LABELS
from clerk.dto import ApplicantInput, CaseInfo, FormFieldInfo, ProxyInput
from clerk.errors import ApplicantChanged, ValidationError
from clerk.privacy import mask_id

from .context import AppContext
from .dialogs import ask_reason
from .scan_attach import ScanAttachBar

STATUS_ORDER = ("pending", "presented", "shared", "deferred", "missing")


class ApplicantPanel(QGroupBox):
    """申请人 and 代理人. Filled by the card reader or typed."""

    read_card = Signal()
    changed = Signal()

    def __init__(self) -> None:
        super().__init__("申请人")
        self.kind = QComboBox()
        self.kind.addItem("个人", "person")
        self.kind.addItem("企业（统一社会信用代码）", "enterprise")
        self.name = QLineEdit()
        self.name.setObjectName("applicant_name")
        self.id_number = QLineEdit()
        self.id_number.setObjectName("applicant_id")
        self.id_number.setPlaceholderText("18 位身份证号码或统一社会信用代码")
        self.phone = QLineEdit()
        self.phone.setObjectName("applicant_phone")
        self.address = QLineEdit()
        self.card_button = QPushButton("读卡 (F2)")
        self.card_button.clicked.connect(self.read_card)
        self.card_status = QLabel("")
        self.card_status.setProperty("role", "hint")
        self.card_status.setWordWrap(True)
        self.history = QLabel("")
        self.history.setWordWrap(True)
        self.history.setProperty("role", "hint")
        self.has_proxy = QCheckBox("委托代理人办理")
        self.proxy_name = QLineEdit()
        self.proxy_id = QLineEdit()
        self.proxy_name.setObjectName("proxy_name")
        self.proxy_id.setObjectName("proxy_id")
        self.proxy_phone = QLineEdit()
        self.proxy_phone.setObjectName("proxy_phone")
        self.proxy_relation = QComboBox()
        self.proxy_relation.setEditable(True)
        self.proxy_relation.addItems(["", "亲属", "代办员", "单位经办人", "律师", "其他"])
        self.proxy_auth = QLineEdit()
        self.proxy_auth.setObjectName("proxy_auth")
        self.proxy_auth.setPlaceholderText("授权委托书编号或说明")
        self.proxy_box = QWidget()
        pform = QFormLayout(self.proxy_box)
        pform.setContentsMargins(0, 0, 0, 0)
        pform.addRow("代理人姓名", self.proxy_name)
        pform.addRow("代理人身份证", self.proxy_id)
        pform.addRow("代理人电话", self.proxy_phone)
        pform.addRow("与申请人关系", self.proxy_relation)
        pform.addRow("授权委托书", self.proxy_auth)
        self.proxy_box.setVisible(False)
        self.has_proxy.toggled.connect(self.proxy_box.setVisible)
        form = QFormLayout()
        form.addRow("类型", self.kind)
        form.addRow("姓名/名称", self.name)
        form.addRow("证件号码", self.id_number)
        form.addRow("联系电话", self.phone)
        form.addRow("地址", self.address)
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(self.card_button)
        row.addWidget(self.card_status, 1)
        lay.addLayout(row)
        lay.addLayout(form)
        lay.addWidget(self.has_proxy)
        lay.addWidget(self.proxy_box)
        lay.addWidget(self.history)
        lay.addStretch(1)
        for w in (self.name, self.id_number, self.phone, self.address, self.proxy_name, self.proxy_id,
                  self.proxy_phone, self.proxy_auth):
            w.editingFinished.connect(self.changed)
        self.has_proxy.toggled.connect(lambda _on: self.changed.emit())
        self.proxy_relation.currentTextChanged.connect(lambda _t: self.changed.emit())

    def fill_from_card(self, card: Any) -> None:
        """``card`` is a devices.idcard.CardData (duck-typed: name, id_number, address …).

        With 委托代理人办理 ticked and an applicant already entered, a different card is the
        proxy's: it fills the proxy, not the applicant."""
        applicant_id = self.id_number.text().strip()
        if self.has_proxy.isChecked() and applicant_id and applicant_id != card.id_number:
            self.proxy_name.setText(card.name)
            self.proxy_id.setText(card.id_number)
            self.card_status.setText(f"已读代理人证件：{card.name}")
            self.changed.emit()
            return
        self.kind.setCurrentIndex(0)
        self.name.setText(card.name)
        self.id_number.setText(card.id_number)
        self.address.setText(card.address)
        self.address.setCursorPosition(0)  # the beginning of a long address, not its tail
        # No open-source WLT decoder exists: say so instead of showing a made-up photo.
        note = card.photo_note if isinstance(getattr(card, "photo_note", ""), str) else ""
        # the card type on a line of its own: "居民身份证" never breaks in the middle
        self.card_status.setText(f"已读卡：{card.name}\n{card.card_type_label}" + (f"\n{note}" if note else ""))
        self._card = card
        self.changed.emit()

    def applicant_input(self) -> ApplicantInput:
        card = getattr(self, "_card", None)
        same_card = card is not None and card.id_number == self.id_number.text().strip()
        name, number = self.name.text().strip(), self.id_number.text().strip()
        return ApplicantInput(
            from_card=same_card and card.name == name,
            # the clerk confirmed this very name for this very number (IntakeView._confirm_change)
            confirm_change=getattr(self, "confirmed", None) == (number, name),
            name=self.name.text().strip(), id_number=self.id_number.text().strip(),
            kind=self.kind.currentData(), phone=self.phone.text().strip(), address=self.address.text().strip(),
            sex=card.sex if same_card else "", nation=card.nation if same_card else "",
            birth_date=card.birth_date if same_card else None,
            id_type={"gat": "gat", "foreigner_2017": "foreigner", "foreigner_2023": "foreigner"}.get(
                getattr(card, "card_type", ""), "resident") if same_card else "resident")

    def proxy_input(self) -> ProxyInput | None:
        if not self.has_proxy.isChecked():
            return None
        return ProxyInput(name=self.proxy_name.text().strip(), id_number=self.proxy_id.text().strip(),
                          phone=self.proxy_phone.text().strip(), relation=self.proxy_relation.currentText().strip(),
                          authorisation=self.proxy_auth.text().strip())

    def clear(self) -> None:
        self.confirmed = None
        for w in (self.name, self.id_number, self.phone, self.address, self.proxy_name, self.proxy_id,
                  self.proxy_phone, self.proxy_auth):
            w.clear()
        self.proxy_relation.setCurrentIndex(0)
        self.has_proxy.setChecked(False)
        self.card_status.clear()
        self.history.clear()
        self._card = None


class MatterPicker(QGroupBox):
    """Search-as-you-type over matters and 一件事; Enter takes the first hit."""

    chosen = Signal(str, str, str)  # kind, code, name

    def __init__(self, ctx: AppContext) -> None:
        super().__init__("事项 / 一件事")
        self.ctx = ctx
        self.query = QLineEdit()
        self.query.setObjectName("matter_search")
        self.query.setPlaceholderText("输入事项名称、拼音首字母或编码，如 sbk、户籍、出生一件事 (F3)")
        self.results = QListWidget()
        self.results.setObjectName("matter_results")
        self.selected = QLabel("")
        self.selected.setWordWrap(True)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(60)
        self._timer.timeout.connect(self._search)
        self.query.textChanged.connect(lambda _t: self._timer.start())
        self.query.returnPressed.connect(self._take_first)
        self.results.itemActivated.connect(self._take)
        lay = QVBoxLayout(self)
        lay.addWidget(self.query)
        lay.addWidget(self.results, 1)
        lay.addWidget(self.selected)
        self._generation = 0

    def _search(self) -> None:
        from clerk.catalog import search

        text = self.query.text().strip()
        self._generation += 1
        gen = self._generation
        if not text:
            self.results.clear()
            return
        self.ctx.tasks.run(lambda: search(self.ctx.db, text, limit=30), lambda hits: self._show(gen, hits))

    def search_now(self) -> None:
        self._timer.stop()
        self._search()

    def _show(self, gen: int, hits: list[Any]) -> None:
        if gen != self._generation:
            return  # an older query answered late
        self.results.clear()
        for h in hits:
            tag = "【一件事】" if h.kind == "bundle" else ""
            parent = f"〔{h.parent}〕" if getattr(h, "parent", "") else ""  # the 主项 of a 子项
            item = QListWidgetItem(f"{tag}{h.name}{parent}    {h.department or ''}  {h.code}")
            item.setData(Qt.ItemDataRole.UserRole, (h.kind, h.code, h.name))
            self.results.addItem(item)
        if hits:
            self.results.setCurrentRow(0)

    def _take_first(self) -> None:
        if self._timer.isActive() or self.ctx.tasks.pending:
            # the clerk typed and pressed Enter before the results came: take it when they do
            self._timer.stop()
            self._search()
            QTimer.singleShot(150, self, self._take_first)  # context: no call into a closed view
            return
        item = self.results.currentItem() or self.results.item(0)
        if item is not None:
            self._take(item)

    def _take(self, item: QListWidgetItem) -> None:
        kind, code, name = item.data(Qt.ItemDataRole.UserRole)
        self.selected.setText(f"已选：{name}")
        self.chosen.emit(kind, code, name)

    def clear(self) -> None:
        self.query.clear()
        self.results.clear()
        self.selected.clear()


@dataclass(frozen=True)
class _NameConflict:
    """The service refused a name that differs from the applicant record (plain values only)."""
    old: str
    new: str
    old_from_card: bool


class SituationPanel(QGroupBox):
    """情形 questions as radio buttons (check boxes for multiple choice)."""

    changed = Signal(dict)

    def __init__(self) -> None:
        super().__init__("情形")
        self.lay = QVBoxLayout(self)
        self._groups: dict[str, tuple[QButtonGroup, list[tuple[str, QWidget]]]] = {}
        self._deciding: list[str] = []  # group keys whose answer decides materials
        self.holder: QWidget | None = None  # the scroll area around the panel, shown with it
        self.setVisible(False)

    def show_questions(self, questions: list[tuple[str, str, Any]], answers: dict[str, Any]) -> None:
        """``questions``: (prefix, heading, question); inside a bundle prefix is the matter code
        and heading its name, shown once above that matter's questions."""
        while self.lay.count():
            w = self.lay.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        self._groups.clear()
        self._deciding.clear()
        heading_shown = ""
        for prefix, heading, q in questions:
            if heading and heading != heading_shown:
                title = QLabel(heading)
                title.setStyleSheet("font-weight: bold; color: #1d3f7a; margin-top: 4px;")
                self.lay.addWidget(title)
                heading_shown = heading
            box = QWidget()
            row = QHBoxLayout(box)
            row.setContentsMargins(0, 0, 0, 0)
            row.addWidget(QLabel(q.text))
            group = QButtonGroup(box)
            group.setExclusive(not q.multiple)
            chosen = set((answers.get(prefix, {}) if prefix else answers).get(q.key, []))
            buttons = []
            for opt in q.options:
                b = QCheckBox(opt.text) if q.multiple else QRadioButton(opt.text)
                b.setChecked(opt.key in chosen)
                group.addButton(b)
                row.addWidget(b)
                buttons.append((opt.key, b))
                b.toggled.connect(lambda _c: self.changed.emit(self.answers()))
            row.addStretch(1)
            self._groups[f"{prefix}|{q.key}"] = (group, buttons)
            if getattr(q, "decides", False):
                self._deciding.append(f"{prefix}|{q.key}")
            self.lay.addWidget(box)
        self.setVisible(bool(questions))
        if self.holder is not None:
            self.holder.setVisible(bool(questions))

    def unanswered(self) -> list[str]:
        """Group keys of the questions that decide materials and have no answer yet."""
        return [k for k in self._deciding if not any(b.isChecked() for _key, b in self._groups[k][1])]

    def focus_first_unanswered(self) -> bool:
        """Put the keyboard on the first unanswered deciding question (Space or the arrow keys
        answer it); False when every such question is answered."""
        open_ = self.unanswered()
        if not open_:
            return False
        first = self._groups[open_[0]][1][0][1]
        first.setFocus()
        if self.holder is not None and hasattr(self.holder, "ensureWidgetVisible"):
            self.holder.ensureWidgetVisible(first)
        return True

    def answers(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, (_group, buttons) in self._groups.items():
            prefix, qkey = k.split("|", 1)
            keys = [key for key, b in buttons if b.isChecked()]
            if not keys:
                continue
            if prefix:
                out.setdefault(prefix, {})[qkey] = keys
            else:
                out[qkey] = keys
        return out


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

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt name
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
        if c is None or c.status != "presented":
            return
        dlg = AmountDialog(c.name, c.count, c.form, self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.amount_chosen.emit(c.key, *dlg.value())

    def _chosen(self, key: str, combo: QComboBox) -> None:
        if not self._updating:
            self.status_chosen.emit(key, combo.currentData())


class IntakeView(QWidget):
    """Coordinates the panels; holds the draft case being taken."""

    decided = Signal(object, str)  # CaseInfo, document kind: receipt / notice / refusal / deferral
    case_shown = Signal(object)    # CaseInfo — the applicant screen shows it for confirmation
    finished = Signal(object)      # CaseInfo — an immediate matter finished on the spot (rate it)

    def __init__(self, ctx: AppContext, documents: Any = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.documents = documents
        self.case: CaseInfo | None = None
        self.ticket_id: int | None = None
        self.choice: tuple[str, str, str] | None = None
        self.materials_pending: tuple[str, ...] = ()  # names of chosen matters without a material list
        self.applicant = ApplicantPanel()
        self.picker = MatterPicker(ctx)
        self.situation = SituationPanel()
        self.form = FormPanel()
        self.checklist = ChecklistTable()
        self.status = QLabel("")
        self.status.setObjectName("intake_status")
        self.status.setWordWrap(True)
        self.delivery = QComboBox()
        self.delivery.addItem("窗口领取", "window")
        self.delivery.addItem("邮寄送达", "post")
        self.post_address = QLineEdit()
        self.post_address.setPlaceholderText("邮寄地址、收件人、电话")
        self.post_address.setVisible(False)
        self.delivery.currentIndexChanged.connect(
            lambda _i: self.post_address.setVisible(self.delivery.currentData() == "post"))
        self.buttons = {}
        bar = QHBoxLayout()
        for key, label, slot in (("all", "全部已提交 F4", self.all_presented), ("accept", "受理 F5", self.accept),
                                 ("notice", "一次性告知 F6", self.notice), ("refuse", "不予受理 F7", self.refuse),
                                 ("finish", "即办办结 Ctrl+J", self.finish_on_the_spot),
                                 ("new", "新办件 F9", self.new_case)):
            b = QPushButton(label)
            b.setObjectName(f"btn_{key}")
            if key == "accept":
                b.setProperty("primary", True)
            b.clicked.connect(slot)
            self.buttons[key] = b
            bar.addWidget(b)
        bar.addStretch(1)
        bar.addWidget(QLabel("取件方式"))
        bar.addWidget(self.delivery)
        bar.addWidget(self.post_address, 2)

        middle = QWidget()
        mlay = QVBoxLayout(middle)
        mlay.setContentsMargins(0, 0, 0, 0)
        mlay.addWidget(self.picker, 2)
        # a bundle asks many questions: they scroll instead of making the window taller than the screen
        self.situation_scroll = QScrollArea()
        self.situation_scroll.setObjectName("situation_scroll")
        self.situation_scroll.setWidgetResizable(True)
        self.situation_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.situation_scroll.setWidget(self.situation)
        self.situation_scroll.setVisible(False)
        self.situation.holder = self.situation_scroll
        mlay.addWidget(self.situation_scroll, 3)
        right = QGroupBox("材料核验")
        rlay = QVBoxLayout(right)
        rlay.addWidget(self.checklist)
        amount = QPushButton("份数/形式… Ctrl+E")
        amount.setObjectName("btn_amount")
        amount.setToolTip("已提交材料的份数和原件/复印件（也可双击材料行）")
        amount.clicked.connect(lambda: self.checklist.edit_amount())
        QShortcut(QKeySequence("Ctrl+E"), self, activated=lambda: self.checklist.edit_amount())
        extra = QPushButton("登记材料…")
        extra.setObjectName("btn_extra_material")
        extra.setToolTip("登记申请人提交的、目录未列出的材料（材料清单待补充的事项用它逐项登记）")
        extra.clicked.connect(self.record_extra)
        arow = QHBoxLayout()
        arow.addWidget(amount)
        arow.addWidget(extra)
        arow.addStretch(1)
        rlay.addLayout(arow)
        self.scan_bar = ScanAttachBar(ctx, self)
        rlay.addWidget(self.scan_bar)
        # 申请表 under the checklist (the widest column, with room below a usual list of materials);
        # it scrolls when long (a company's has seven fields) and is hidden for a matter without one.
        self.form_scroll = QScrollArea()
        self.form_scroll.setObjectName("form_scroll")
        self.form_scroll.setWidgetResizable(True)
        self.form_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.form_scroll.setWidget(self.form)
        self.form_scroll.setVisible(False)
        self.right_split = right_split = QSplitter(Qt.Orientation.Vertical)
        right_split.addWidget(right)
        right_split.addWidget(self.form_scroll)
        right_split.setChildrenCollapsible(False)
        split = QSplitter()
        split.addWidget(self.applicant)
        split.addWidget(middle)
        split.addWidget(right_split)
        split.setSizes([330, 380, 620])
        lay = QVBoxLayout(self)
        lay.addWidget(split, 1)
        lay.addWidget(self.status)
        lay.addLayout(bar)

        self.picker.chosen.connect(self._matter_chosen)
        self.situation.changed.connect(self._answers_changed)
        self.checklist.status_chosen.connect(self._status_chosen)
        self.checklist.amount_chosen.connect(self._amount_chosen)
        self.applicant.changed.connect(self._applicant_changed)
        self.form.edited.connect(self._form_edited)
        self.form.problem.connect(self._form_problem)
        QShortcut(QKeySequence("Ctrl+T"), self, activated=self.form.focus_first)
        for key, slot in (("F2", self.applicant.read_card.emit), ("F3", self.focus_search),
                          ("F4", self.all_presented), ("F5", self.accept), ("F6", self.notice),
                          ("F7", self.refuse), ("F9", self.new_case)):
            QShortcut(QKeySequence(key), self, activated=slot)
        QShortcut(QKeySequence("Ctrl+J"), self, activated=self.finish_on_the_spot)
        self.buttons["finish"].setEnabled(False)

    # ----------------------------------------------------------------- helpers
    @property
    def user(self):
        return self.ctx.user

    def say(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet("color: #c0392b;" if error else "color: #1d5f2f;")
        self.status.setText(text)

    def _run(self, fn, on_done) -> None:
        self.ctx.tasks.run(fn, on_done, lambda msg: self.say(msg, error=True))

    def _run_parties(self, fn, on_done, again) -> None:
        """Run work that saves the applicant; when the ID number is registered under another
        name the service refuses (ApplicantChanged) and the clerk is asked old → new here, on
        the GUI thread; a yes runs ``again`` with the change confirmed, a no changes nothing."""
        def work():
            try:
                return fn()
            except ApplicantChanged as exc:
                return _NameConflict(str(exc.details.get("old", "")), str(exc.details.get("new", "")),
                                     bool(exc.details.get("old_from_card")))

        def done(result):
            if isinstance(result, _NameConflict):
                self._confirm_change(result, again)
            else:
                on_done(result)

        self._run(work, done)

    def _confirm_change(self, conflict: _NameConflict, again) -> None:
        a = self.applicant
        number = a.id_number.text().strip()
        source = "（读卡所得）" if conflict.old_from_card else ""
        answer = QMessageBox.question(
            self, "申请人姓名与登记不一致",
            f"证件号码 {mask_id(number)} 已登记的申请人为：{conflict.old}{source}\n本次填写为：{conflict.new}\n\n"
            f"请核对证件。确认把申请人姓名由“{conflict.old}”改为“{conflict.new}”吗？\n（以前的办件仍保留原姓名，此次修改将记入审计日志）",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            self.say(f"未修改：证件号码已登记为“{conflict.old}”，请核对姓名", error=True)
            return
        a.confirmed = (number, conflict.new)
        again()

    def focus_search(self) -> None:
        self.picker.query.setFocus()
        self.picker.query.selectAll()

    # ----------------------------------------------------------------- flow
    def _applicant_changed(self) -> None:
        a = self.applicant.applicant_input()
        if len(a.id_number) < 15:
            return
        if self.case is not None and self.case.state == "draft":
            # A phone typed, an address corrected, a proxy added after the matter was chosen:
            # the draft follows, so the documents print what is on the screen.
            if self._proxy_ready():
                cid, proxy = self.case.id, self.applicant.proxy_input()
                self._run_parties(lambda: cases.update_parties(self.ctx.db, self.user, cid, a, proxy),
                                  self._parties_saved, self._applicant_changed)
            return
        self._run(lambda: cases.applicant_cases(self.ctx.db, a.kind, a.id_number), self._show_history)
        if self.choice and self.case is None:
            self._start()
        elif not self.picker.query.text():
            self.focus_search()

    def _proxy_ready(self) -> bool:
        """No proxy, or a proxy with name, ID and authorisation (half-typed is not an error yet)."""
        p = self.applicant
        return not p.has_proxy.isChecked() or all(w.text().strip() for w in (p.proxy_name, p.proxy_id, p.proxy_auth))

    def _parties_saved(self, info: CaseInfo) -> None:
        self.case = info
        self._show_form(info)
        self.case_shown.emit(info)
        who = info.applicant.name if info.applicant else ""
        self.say(f"申请人信息已更新：{who}" + (f"，代理人 {info.proxy_name}" if info.proxy_name else ""))

    def _decide(self, decide, kind: str, form_values: dict[str, str] | None = None) -> None:
        """Save the parties (and form values typed but not yet saved) on the screen into the
        draft, then decide — one background task, one transaction (``clerk.actions``)."""
        cid, a, proxy = self.case.id, self.applicant.applicant_input(), self.applicant.proxy_input()
        db, user = self.ctx.db, self.user
        self._run_parties(lambda: actions.decide_with(db, user, cid, decide, applicant=a, proxy=proxy, form=form_values),
                          lambda info: self._decided(info, kind), lambda: self._decide(decide, kind, form_values))

    def _show_history(self, previous: list[CaseInfo]) -> None:
        if not previous:
            self.applicant.history.setText("首次办理")
            return
        lines = [f"{c.number or '草稿'} {c.matter_name} · {c.state_label}" for c in previous[:5]]
        self.applicant.history.setText(f"历史办件 {len(previous)} 件：\n" + "\n".join(lines))

    def _matter_chosen(self, kind: str, code: str, name: str) -> None:
        self.choice = (kind, code, name)
        self.case = None
        self.materials_pending = ()
        self._load_questions({})
        self._start()

    def _load_questions(self, answers: dict[str, Any]) -> None:
        from clerk.catalog import get_bundle_guide, get_guide

        kind, code, _ = self.choice  # type: ignore[misc]

        def load():
            if kind == "bundle":
                guide = get_bundle_guide(self.ctx.db, code, None)
                pending = tuple(m.name for m in guide.matters if m.materials_pending)
                return [(m.code, m.name, q) for m in guide.matters for q in m.questions], pending
            g = get_guide(self.ctx.db, code, None)
            return [("", "", q) for q in g.questions], ((g.name,) if g.materials_pending else ())

        def show(result):
            questions, pending = result
            self.materials_pending = pending
            if answers:
                self.situation.show_questions(questions, answers)
            else:
                self._questions_loaded(questions)
            if pending and self.case is not None:
                self._case_loaded(self.case)  # the status line names the missing list

        self._run(load, show)

    def _questions_loaded(self, questions: list[tuple[str, str, Any]]) -> None:
        self.situation.show_questions(questions, {})
        # the matter was just chosen from the search: its open questions are the next thing to do
        if self.picker.isAncestorOf(QApplication.focusWidget()):
            self.situation.focus_first_unanswered()

    def _start(self) -> None:
        if self.choice is None:
            return
        a = self.applicant.applicant_input()
        if not a.name or not a.id_number:
            self.say("请先读卡或填写申请人姓名和证件号码（F2 读卡）", error=True)
            return
        kind, code, _ = self.choice
        answers = self.situation.answers()
        proxy = self.applicant.proxy_input()

        def start():
            return cases.start_case(self.ctx.db, self.user, a, matter_code=code if kind == "matter" else None,
                                    bundle_code=code if kind == "bundle" else None, answers=answers,
                                    proxy=proxy, window_number=self.ctx.window_number, ticket_id=self.ticket_id,
                                    workstation=self.ctx.workstation)

        self._run_parties(start, self._case_loaded, self._start)

    def set_ticket(self, ticket: Any) -> None:
        """The ticket called at this window: cases accepted now are linked to it."""
        self.ticket_id = ticket.id if ticket is not None else None

    def _case_loaded(self, info: CaseInfo) -> None:
        first = self.case is None or self.case.id != info.id
        self.case = info
        self.case_shown.emit(info)
        self.scan_bar.case_changed(info)
        self.checklist.show_checks(info)
        self._show_form(info)
        todo = sum(1 for c in info.checks if c.status == "pending")
        form = ""
        if info.form and first:
            empty = sum(1 for f in info.form if f.required and not f.value)
            form = f"申请表 {len(info.form)} 项" + (f"（{empty} 项必填未填，Ctrl+T 填写）" if empty else "") + "，"
        if self.materials_pending:
            self.say(f"{'、'.join(self.materials_pending)}：材料清单待补充（目录未列申请材料）。请按申请人实际提交的材料"
                     f"点“登记材料…”逐项登记（已登记 {len(info.checks)} 项），{form}F5 受理。")
            return
        self.say(f"{info.matter_name}：{len(info.checks)} 项材料，{todo} 项待核验，{form}F4 全部已提交，F5 受理。")

    def _show_form(self, info: CaseInfo | None) -> None:
        self.form.show_form(info)
        shown = bool(info is not None and info.form)
        if shown and not self.form_scroll.isVisible():
            # a splitter gives a pane that was hidden no room: share the column when it appears
            total = sum(self.right_split.sizes()) or 500
            want = min(self.form.sizeHint().height() + 4, total * 9 // 20)
            self.right_split.setSizes([total - want, want])
        self.form_scroll.setVisible(shown)

    def _form_problem(self, key: str, message: str) -> None:
        self.say(message, error=True)
        if key in self.form.widgets:
            self.form_scroll.ensureWidgetVisible(self.form.widgets[key])

    def _form_edited(self, values: dict[str, str]) -> None:
        if self.case is None:
            return
        cid = self.case.id

        def save():
            try:
                return cases.set_form(self.ctx.db, self.user, cid, values), {}, ""
            except ValidationError as err:  # the service's word wins: mark what it names
                return None, dict(err.details.get("fields") or {}), err.message

        def done(result) -> None:
            info, problems, message = result
            if info is None:
                for key, msg in problems.items():
                    self.form.mark(key, msg)
                    self._form_problem(key, message)
                self.say(message, error=True)
                return
            self.case = info
            self._show_form(info)
            self.case_shown.emit(info)  # the applicant screen shows what was typed, to confirm
            labels = "、".join(f.label for f in info.form if f.key in values)
            self.say(f"申请表已保存：{labels}")

        self._run(save, done)

    def _answers_changed(self, answers: dict[str, Any]) -> None:
        if self.case is None:
            self._start()
            return
        cid = self.case.id
        # full state each time: the newest answers win even if two clicks race on the workers
        self.ctx.tasks.run_latest(f"answers:{cid}", lambda: cases.set_answers(self.ctx.db, self.user, cid, answers),
                                  self._case_loaded, lambda msg: self.say(msg, error=True))

    def _status_chosen(self, key: str, status: str) -> None:
        if self.case is None:
            return
        cid = self.case.id
        extra: dict[str, Any] = {}
        name = next((c.name for c in self.case.checks if c.key == key), key)
        if status == "shared":
            ref, ok = QInputDialog.getText(self, "共享获取", f"“{name}”的电子证照编号或查询流水号：")
            if not ok:
                self.checklist.show_checks(self.case)
                return
            extra["share_reference"] = ref
        elif status == "deferred":
            days, db = self.case.promised_days, self.ctx.db
            # The latest due date is the promised date if accepted today (working days, calendar),
            # read off the GUI thread; the dialog opens when it is known.
            self._run(lambda: workcal.due_after(db, dt.date.today(), days).date if days else None,
                      lambda latest: self._ask_due_date(cid, key, name, latest))
            return
        self._check(cid, key, status, **extra)

    def _ask_due_date(self, cid: int, key: str, name: str, latest: dt.date | None) -> None:
        if self.case is None or self.case.id != cid:
            return   # another case is on the screen by now
        dlg = DeferDialog(name, latest, self)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            self.checklist.show_checks(self.case)
            return
        self._check(cid, key, "deferred", due_date=dlg.value())

    def _check(self, cid: int, key: str, status: str, **extra: Any) -> None:
        db, user = self.ctx.db, self.user
        self._run(lambda: cases.check_material(db, user, cid, key, status, **extra), self._case_loaded)

    def _amount_chosen(self, key: str, count: int, form: str) -> None:
        if self.case is None:
            return
        cid = self.case.id
        self._run(lambda: cases.check_material(self.ctx.db, self.user, cid, key, "presented", count=count, form=form),
                  self._case_loaded)

    def _refresh(self) -> None:
        if self.case is not None:
            self.checklist.show_checks(self.case)

    def record_extra(self, name: str | None = None) -> None:
        """登记材料: a presented document the catalog does not list (one copy, original; 份数/形式
        can be changed after)."""
        if self.case is None:
            self.say("请先选择事项", error=True)
            return
        if name is None:
            name, ok = QInputDialog.getText(self, "登记材料", "申请人提交的材料名称：")
            if not ok:
                return
        cid, text = self.case.id, name.strip()
        self._run(lambda: cases.record_extra_material(self.ctx.db, self.user, cid, text), self._case_loaded)

    def all_presented(self) -> None:
        if self.case is None:
            self.say("请先选择事项", error=True)
            return
        cid, db, user = self.case.id, self.ctx.db, self.user
        keys = [c.key for c in self.case.checks if c.status in ("pending", "missing")]
        self._run(lambda: actions.present_all(db, user, cid, keys), self._case_loaded)  # one transaction

    def accept(self) -> None:
        if self.case is None:
            self.say("请先选择事项并核验材料", error=True)
            return
        if self.situation.focus_first_unanswered():
            self.say("还有情形问题未回答，材料清单可能不准确：请先回答（方向键选择）", error=True)
            return
        values, problems = self.form.pending()
        if problems:
            self.form.mark_all(problems)
            first = next(iter(problems))
            self._form_problem(first, "申请表填写有误：" + "；".join(problems.values()))
            self.form.widgets[first].setFocus()
            return
        empty = self.form.empty_required()
        for key in empty:  # the service names them in the status line; the screen shows where
            self.form.mark(key, "必填项，请填写")
        if empty:
            self.form_scroll.ensureWidgetVisible(self.form.widgets[empty[0]])
        delivery, address = self.delivery.currentData(), self.post_address.text()
        self._decide(lambda cid: cases.accept_case(self.ctx.db, self.user, cid, delivery=delivery,
                                                   post_address=address, workstation=self.ctx.workstation), "receipt",
                     form_values=values)

    def notice(self) -> None:
        if self.case is None:
            self.say("请先选择事项", error=True)
            return
        self._decide(lambda cid: cases.issue_one_time_notice(self.ctx.db, self.user, cid), "notice")

    def refuse(self) -> None:
        if self.case is None:
            self.say("请先选择事项", error=True)
            return
        reason = ask_reason(self, "不予受理", "不予受理的理由（将打印在通知书上）：", cases.REASON_MIN_CHARS)
        if reason is None:
            return
        self._decide(lambda cid: cases.refuse_case(self.ctx.db, self.user, cid, reason), "refusal")

    def _decided(self, info: CaseInfo, kind: str) -> None:
        self.case = info
        self.checklist.show_checks(info)
        self._show_form(info)
        label = {"receipt": "已受理", "notice": "已出具一次性告知书", "refusal": "已出具不予受理通知书"}[kind]
        extra = f"，承诺办结日期 {info.promised_date:%Y年%m月%d日}" if info.promised_date and kind == "receipt" else ""
        warn = ("（" + "；".join(info.warnings) + "）") if info.warnings else ""
        self.say(f"{label}：办件编号 {info.number}{extra}{warn}")
        self.buttons["finish"].setEnabled("finish_on_the_spot" in info.allowed_actions)
        if "finish_on_the_spot" in info.allowed_actions:
            self.say(self.status.text() + "。即办件：办好后按 Ctrl+J 当场办结")
        self.decided.emit(info, kind)
        if kind == "receipt" and any(c.status == "deferred" for c in info.checks):
            self.decided.emit(info, "deferral")

    def finish_on_the_spot(self) -> None:
        """即办件: accepted and finished at the counter — the result is handed over now."""
        if self.case is None or "finish_on_the_spot" not in self.case.allowed_actions:
            self.say("只有已受理的即办件可以当场办结", error=True)
            return
        cid = self.case.id

        def done(info: CaseInfo) -> None:
            self.case = info
            self.buttons["finish"].setEnabled(False)
            self.say(f"已当场办结：办件编号 {info.number}，请将结果交给申请人")
            self.finished.emit(info)

        self._run(lambda: cases.advance(self.ctx.db, self.user, cid, "finish_on_the_spot"), done)

    def card_placed(self, card: Any) -> None:
        """A card on the reader. While a draft is open for someone else (and it is not the
        proxy's card), ask before starting over: the draft must not silently change person."""
        a = self.applicant
        current = a.id_number.text().strip()
        is_proxy = a.has_proxy.isChecked() and current and current != card.id_number
        if self.case is not None and self.case.state == "draft" and current and current != card.id_number \
                and not is_proxy:
            answer = QMessageBox.question(
                self, "另一位申请人", f"读到 {card.name} 的证件，与当前办件的申请人不同。\n放弃当前草稿，为 {card.name} 开始新办件吗？")
            if answer != QMessageBox.StandardButton.Yes:
                self.say(f"已忽略 {card.name} 的证件，当前办件不变", error=True)
                return
            self.new_case(ask=False)
        elif self.case is not None and self.case.state != "draft" and current != card.id_number and not is_proxy:
            self.new_case(ask=False)  # the last case is decided: the next person starts a new one
        a.fill_from_card(card)

    def card_removed(self) -> None:
        if self.applicant.card_status.text().startswith("已读"):
            self.applicant.card_status.setText(self.applicant.card_status.text() + "　· 证件已取走（信息已保留）")

    def applicant_confirmed(self) -> None:
        if self.case is not None:
            self.say("申请人已在评价屏上确认个人信息无误")

    def new_case(self, ask: bool = True) -> None:
        if ask and self.case is not None and self.case.state == "draft":
            if QMessageBox.question(self, "新办件", "当前办件尚未受理，确定放弃并开始新办件吗？") != \
                    QMessageBox.StandardButton.Yes:
                return
        self.case = None
        self.choice = None
        self.materials_pending = ()
        self.applicant.clear()
        self.picker.clear()
        self.situation.show_questions([], {})
        self._show_form(None)
        self.checklist.setRowCount(0)
        self.say("请读卡（F2）或录入申请人")
