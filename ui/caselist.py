"""The clerk's case list and case detail: today, overdue, due soon, deferred outstanding; find
by number (scan the receipt barcode into the box), name or ID; hand over (at the window or by
post; a bundle's ready matters while the others go on), 补正 with its printed notice, advance,
withdraw. A banner keeps the deferred (容缺) materials due or overdue in sight, refreshed on start
and every ``REMIND_INTERVAL_MS``."""
from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QPersistentModelIndex, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDateEdit, QDialog, QDialogButtonBox,
                               QFormLayout, QHBoxLayout, QHeaderView, QInputDialog, QLabel, QLineEdit,
                               QListWidget, QListWidgetItem, QPlainTextEdit, QPushButton, QSplitter,
                               QTableView, QTextBrowser, QVBoxLayout, QWidget)

from clerk import cases
from clerk.case_rows import CaseRow, case_rows
from clerk.reports import near_horizon, supervision_level
from clerk.cases import ACTIONS, CARRIERS, CHECK_LABELS
from clerk.dto import CaseInfo

from .context import AppContext
from .dialogs import ask_reason, confirm

REMIND_INTERVAL_MS = 10 * 60 * 1000  # the deferred-materials banner is refreshed this often
# decisions that cannot be taken back: asked once, with what they do
IRREVERSIBLE = {
    "approve": "准予许可，结果将通知申请人",
    "result_ready": "标记为待出件，申请人可来窗口领取",
    "start_review": "转入审批",
    "finish_on_the_spot": "当场办结，结果交给申请人",
}
HAND_OVER_WAYS = ("窗口领取（核验领取人身份证）", "邮寄送达（填写快递单号）")
SUPERVISION_ROLE = Qt.ItemDataRole.UserRole + 7  # "red" / "yellow" on a row flagged by 电子监察
SUPERVISION_COLOURS = {"red": "#fdecea", "yellow": "#fff4e0"}
HEADERS = ("办件编号", "事项", "申请人", "状态", "承诺办结")
# Column widths come from these samples (measured once with the table's font), never from the rows:
# sizing to contents measured every cell of every refill (3.5 s for 200 rows of a busy year).
WIDTH_SAMPLES = ("33022501W012026120200010", "", "欧阳晓丽 3302**********123X", "已一次性告知", "2026-12-31")
VIEWS = (("today", "今日办件"), ("open", "在办"), ("overdue", "已超期"), ("due_soon", "即将到期"),
         ("deferred", "容缺待补交"), ("all", "全部"))


def case_detail_html(c: CaseInfo) -> str:
    e = escape
    rows = "".join(
        f"<tr><td>{e(ch.name)}</td><td>{CHECK_LABELS.get(ch.status, ch.status)}</td>"
        f"<td>{e(ch.share_reference or '')}{(' 期限 ' + ch.due_date.isoformat()) if ch.due_date else ''}"
        f"{' 已补交' if ch.supplied else ''}</td></tr>" for ch in c.checks)
    kids = "".join(f"<li><a href='case:{k.id}'>{k.number or ''}</a> {e(k.matter_name)} · <b>{k.state_label}</b></li>"
                   for k in c.children)
    applicant = c.applicant
    head = (f"<h3>{e(c.matter_name)}</h3><p>办件编号：<b>{c.number or '（未受理）'}</b>　状态：<b>{c.state_label}</b></p>"
            f"<p>申请人：{e(applicant.name) if applicant else ''} {applicant.id_number_masked if applicant else ''}"
            f"{'　代理人：' + e(c.proxy_name) if c.proxy_name else ''}</p>"
            f"<p>受理时间：{c.accepted_at:%Y-%m-%d %H:%M}　承诺办结：{c.promised_date}</p>" if c.accepted_at else
            f"<h3>{e(c.matter_name)}</h3><p>状态：{c.state_label}</p>")
    links = ""
    if c.parent_number:
        links += f"<p>所属一件事：<a href='number:{c.parent_number}'>{c.parent_number}</a></p>"
    if c.follows_number:
        links += f"<p>续办：一次性告知件 <a href='number:{c.follows_number}'>{c.follows_number}</a></p>"
    supplements = "".join(
        f"<li>{s.requested_at:%Y-%m-%d} 要求补正：{e('、'.join(s.items) or '—')}"
        f"{'（' + e(s.text) + '）' if s.text else ''}{'，期限 ' + s.due_date.isoformat() if s.due_date else ''}"
        + (f"；{s.supplied_at:%Y-%m-%d} 已补正：{e('、'.join(s.supplied_items) or '—')}"
           f"{'（' + e(s.supplied_note) + '）' if s.supplied_note else ''}" if s.supplied_at else "；<b>待补正</b>")
        + "</li>" for s in c.supplements)
    delivery = f"邮寄 {e(c.post_address)}" if c.delivery == "post" else "窗口领取"
    return head + links + (
        f"<p>取件：{delivery} {e(c.tracking_number)}　跑动次数：{c.visits}</p>"
        + (f"<p>原因：{e(c.reason)}</p>" if c.reason else "")
        + (f"<p>补正：</p><ul>{supplements}</ul>" if supplements else "")
        + (f"<p>各事项（点击打开）：</p><ul>{kids}</ul>" if kids else "")
        + (f"<table border='1' cellspacing='0' cellpadding='3'><tr><th>材料</th><th>核验</th><th>说明</th></tr>{rows}</table>"
           if rows else ""))


class SupplementDialog(QDialog):
    """补正: tick the materials of the checklist that are asked for, add others (one a line),
    say what is wrong; optionally a date to bring them by."""

    def __init__(self, c: CaseInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"要求补正 — {c.number or ''}")
        self.materials = QListWidget()
        self.materials.setObjectName("supplement_materials")
        for ch in c.checks:
            item = QListWidgetItem(ch.name)
            item.setData(Qt.ItemDataRole.UserRole, ch.key)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.materials.addItem(item)
        self.other = QPlainTextEdit()
        self.other.setObjectName("supplement_other")
        self.other.setPlaceholderText("清单以外需补正的材料，每行一项")
        self.text = QPlainTextEdit()
        self.text.setObjectName("supplement_text")
        self.text.setPlaceholderText("补正说明：哪里不符合要求、如何补正")
        self.has_due = QCheckBox("补正期限")
        self.due = QDateEdit(QDate.currentDate().addDays(5))
        self.due.setCalendarPopup(True)
        self.due.setEnabled(False)
        self.has_due.toggled.connect(self.due.setEnabled)
        due_row = QHBoxLayout()
        due_row.addWidget(self.has_due)
        due_row.addWidget(self.due, 1)
        self.error = QLabel("")
        self.error.setStyleSheet("color: #c0392b;")
        form = QFormLayout(self)
        if c.checks:
            form.addRow("清单中的材料：", self.materials)
        form.addRow("其他材料：", self.other)
        form.addRow("补正说明：", self.text)
        form.addRow("", due_row)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("要求补正并打印通知书")
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> tuple[list[str], str, dt.date | None]:
        items = [self.materials.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.materials.count())
                 if self.materials.item(i).checkState() == Qt.CheckState.Checked]
        items += [line.strip() for line in self.other.toPlainText().splitlines() if line.strip()]
        due = self.due.date().toPython() if self.has_due.isChecked() else None
        return items, self.text.toPlainText().strip(), due

    def _check(self) -> None:
        items, text, _ = self.values()
        if not items and not text:
            self.error.setText("请勾选或填写需补正的材料，或写明补正说明")
            return
        self.accept()


def row_values(c: CaseRow) -> tuple[str, ...]:
    return (c.number or "（草稿）", c.matter_name, c.applicant_label, c.state_label, str(c.promised_date or ""))


class CaseTableModel(QAbstractTableModel):
    """The rows of the case list, a page at a time: the view asks for more (``fetchMore``) when
    the clerk scrolls near the end, and the next page is read in the background after the last
    id shown (``case_rows(before_id=…)``). A row is the five columns only (``CaseRow``); the
    case the clerk opens is read in full then. Nothing is measured or built per cell up front."""

    def __init__(self, load_page: Any, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[CaseRow] = []
        self._load_page = load_page  # (before_id) → None; calls append_page later on the GUI thread
        self.more = False
        self.loading = False
        self.horizon: tuple[dt.date | None, dt.date] = (None, dt.date.today())  # near-overdue limit of a day

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and index.isValid() and index.row() < len(self.rows):
            return row_values(self.rows[index.row()])[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and index.isValid() and index.row() < len(self.rows):
            return row_values(self.rows[index.row()])[index.column()]
        if role in (Qt.ItemDataRole.BackgroundRole, SUPERVISION_ROLE) and index.isValid() and index.row() < len(self.rows):
            level = self.level(self.rows[index.row()])
            if role == SUPERVISION_ROLE:
                return level or None
            return QColor(SUPERVISION_COLOURS[level]) if level else None
        return None

    def level(self, c: CaseRow) -> str:
        """电子监察 on the clerk's list: red past the promised date, yellow within 2 working days
        (the hall's calendar; until its answer for today arrives only red is shown)."""
        today = dt.date.today()
        horizon = self.horizon[1] if self.horizon[0] == today else today - dt.timedelta(days=1)
        return supervision_level(c.state, c.promised_date, today, horizon)

    def set_horizon(self, value: tuple[dt.date, dt.date]) -> None:
        self.horizon = value
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(HEADERS) - 1),
                                  [Qt.ItemDataRole.BackgroundRole, SUPERVISION_ROLE])

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section]
        return None

    def reset(self, rows: list[CaseRow], more: bool) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.more, self.loading = more, False
        self.endResetModel()

    def append_page(self, rows: list[CaseRow], more: bool) -> None:
        self.loading = False
        self.more = more
        if rows:
            self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(rows) - 1)
            self.rows.extend(rows)
            self.endInsertRows()

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:
        return not parent.isValid() and self.more and not self.loading and bool(self.rows)

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:
        if self.canFetchMore(parent):
            self.loading = True
            self._load_page(self.rows[-1].id)

    def replace(self, c: CaseInfo) -> None:
        for i, row in enumerate(self.rows):
            if row.id == c.id:
                self.rows[i] = CaseRow.of(c)
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(HEADERS) - 1))


class CaseListView(QWidget):
    handed_over = Signal(object)  # the updated CaseInfo after a successful handover (window or post)

    def __init__(self, ctx: AppContext, documents: Any = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.documents = documents
        self.view = QComboBox()
        for key, label in VIEWS:
            self.view.addItem(label, key)
        self.query = QLineEdit()
        self.query.setObjectName("case_query")
        self.query.setPlaceholderText("扫描回执条码或输入办件编号、姓名、身份证号")
        self.query.setMaxLength(cases.SEARCH_MAX)
        self.model = CaseTableModel(self._load_more, self)
        self.table = QTableView()
        self.table.setObjectName("case_table")
        self.table.setModel(self.model)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.setWordWrap(True)   # a long 事项 takes a second line rather than "社会保…"
        header = self.table.horizontalHeader()
        for col, sample in enumerate(WIDTH_SAMPLES):
            if sample:
                header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self._fit_columns()
        header.sectionResized.connect(lambda col, _old, _new: self._fit_rows() if col == 1 else None)
        self.model.modelReset.connect(self._fit_rows)
        self.model.rowsInserted.connect(lambda _p, first, last: self._fit_rows(first, last + 1))
        self.model.dataChanged.connect(lambda a, b, _r=(): self._fit_rows(a.row(), b.row() + 1))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.detail = QTextBrowser()
        self.detail.setOpenLinks(False)
        self.detail.anchorClicked.connect(self._link)
        self.banner = QLabel("")
        self.banner.setObjectName("deferred_banner")
        self.banner.setWordWrap(True)
        self.banner.setVisible(False)
        self.banner.linkActivated.connect(lambda _l: self.view.setCurrentIndex(self.view.findData("deferred")))
        self.actions = QHBoxLayout()
        self.message = QLabel("")
        self.message.setObjectName("case_message")
        self.current: CaseInfo | None = None
        top = QHBoxLayout()
        top.addWidget(self.view)
        top.addWidget(self.query, 1)
        refresh = QPushButton("刷新")
        refresh.clicked.connect(lambda: (self.reload(), self.remind()))
        top.addWidget(refresh)
        right = QWidget()
        rlay = QVBoxLayout(right)
        rlay.addWidget(self.detail, 1)
        rlay.addLayout(self.actions)
        split = QSplitter()
        split.addWidget(self.table)
        split.addWidget(right)
        # the list gets the room: at 1366 px its 事项 column shows common names whole on one line
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([960, 400])
        lay = QVBoxLayout(self)
        lay.addWidget(self.banner)
        lay.addLayout(top)
        lay.addWidget(split, 1)
        lay.addWidget(self.message)
        self.view.currentIndexChanged.connect(lambda _i: self.reload())
        self.query.returnPressed.connect(self.find)
        self.table.selectionModel().currentRowChanged.connect(lambda _c, _p: self._selected())
        self._asked: tuple[str, str] = ("", "")  # the view and search of the rows shown
        self._preloaded: CaseInfo | None = None  # a case read in full already (a scanned receipt)
        self.remind_timer = QTimer(self)
        self.remind_timer.setInterval(REMIND_INTERVAL_MS)
        self.remind_timer.timeout.connect(self.remind)
        self.remind_timer.start()
        self.remind()

    @property
    def _rows(self) -> list[CaseRow]:
        return self.model.rows

    # ---- no elided text: widths from the font actually used, rows as tall as their 事项 needs
    def _fit_columns(self) -> None:
        """Number, applicant, state and date columns sized from samples in the table's current
        font (an agent's window sets larger type after this view is built), so they are always whole."""
        header, metrics = self.table.horizontalHeader(), self.table.fontMetrics()
        for col, sample in enumerate(WIDTH_SAMPLES):
            if sample:
                header.resizeSection(col, max(metrics.horizontalAdvance(sample),
                                              metrics.horizontalAdvance(HEADERS[col])) + 14)
        self.table.verticalHeader().setDefaultSectionSize(metrics.height() + 8)
        self._fit_rows()

    def _fit_rows(self, first: int = 0, last: int | None = None) -> None:
        """Each row as tall as its 事项 wrapped in the column (one line for most). Our own text
        measure of one column, not the delegates' size hints of every cell (see WIDTH_SAMPLES)."""
        from PySide6.QtCore import QRect

        rows = self.model.rows
        last = len(rows) if last is None else min(last, len(rows))
        if first >= last:
            return
        metrics = self.table.fontMetrics()
        # the item's text rect: the column less the style's text margins (3 px each side) and a hair
        width = max(20, self.table.horizontalHeader().sectionSize(1) - 8)
        one = metrics.height() + 8
        vertical = self.table.verticalHeader()
        flags = int(Qt.TextFlag.TextWordWrap) | int(Qt.AlignmentFlag.AlignLeft)
        for row in range(first, last):
            name = rows[row].matter_name or ""
            if metrics.horizontalAdvance(name) <= width:
                height = one
            else:
                height = metrics.boundingRect(QRect(0, 0, width, 10_000), flags, name).height() + 8
            if vertical.sectionSize(row) != height:
                vertical.resizeSection(row, max(one, height))

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._fit_columns()   # the style sheet's font is known once the view is polished

    def changeEvent(self, event: Any) -> None:
        super().changeEvent(event)
        from PySide6.QtCore import QEvent

        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_columns()

    def say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #c0392b;" if error else "")
        self.message.setText(text)

    def remind(self) -> None:
        """容缺 materials due soon or overdue, in the banner, so the clerk calls the applicant in time."""
        def show(rows: list[Any]) -> None:
            if not rows:
                self.banner.setVisible(False)
                self.banner.setText("")
                return
            late = sum(r.overdue for r in rows)
            first = rows[0]
            self.banner.setStyleSheet("background: #fdecea; color: #c0392b; padding: 4px;" if late else
                                      "background: #fff4e0; color: #8a5a00; padding: 4px;")
            self.banner.setText(
                f"容缺提醒：{len(rows)} 项待补交（{late} 项已逾期，{len(rows) - late} 项即将到期），"
                f"如 {first.case_number} {escape(first.applicant_name)} {first.phone_masked} 的“{escape(first.material)}”"
                f"期限 {first.due_date:%m月%d日}　<a href='deferred'>查看</a>")
            self.banner.setVisible(True)
        self.ctx.tasks.run(lambda: cases.deferred_reminders(self.ctx.db), show, lambda m: None)

    def reload(self) -> None:
        """The first page of the chosen view and search, read in the background (the newest
        request wins); later pages come as the clerk scrolls. The deferred banner is not read
        again for a view (its timer, 刷新 and a supplied material refresh it)."""
        view, q = self.view.currentData(), self.query.text().strip()
        self._asked = (view, q)
        db, page = self.ctx.db, cases.PAGE
        self.ctx.tasks.run_latest("caselist", lambda: case_rows(db, view, q, limit=page + 1),
                                  lambda rows: self._show(rows[:page], len(rows) > page),
                                  lambda m: self.say(m, True))

    def _load_more(self, before_id: int) -> None:
        (view, q), db, page = self._asked, self.ctx.db, cases.PAGE

        def arrived(rows: list[CaseRow]) -> None:
            if (view, q) == self._asked:  # not a page of an older view
                self.model.append_page(rows[:page], len(rows) > page)
                self.say(f"已显示 {len(self.model.rows)} 件" + ("，向下滚动显示更多" if self.model.more else ""))

        self.ctx.tasks.run_latest("caselist", lambda: case_rows(db, view, q, limit=page + 1, before_id=before_id),
                                  arrived, lambda m: self.say(m, True))

    def find(self) -> None:
        """A receipt scanned by the barcode gun (or typed) opens that case at once."""
        text = self.query.text().strip()
        if not text:
            return self.reload()
        if text.isalnum() and len(text) >= 20:
            self.ctx.tasks.run(lambda: cases.find_case(self.ctx.db, text, self.ctx.user), self._found,
                               lambda m: self.say(m, True))
        else:
            self.reload()

    def _refresh_horizon(self) -> None:
        """The last promised date that is near-overdue today (2 working days on the hall's calendar)."""
        db, today = self.ctx.db, dt.date.today()
        self.ctx.tasks.run(lambda: (today, near_horizon(db, today)), self.model.set_horizon, lambda _m: None,
                           owner=self)

    def _found(self, c: CaseInfo) -> None:
        """The case of a scanned receipt: the only row, opened (it is read in full already)."""
        self._preloaded = c
        self._show([CaseRow.of(c)])
        self.table.selectRow(0)  # shows it when the row was not the current one already
        if self._preloaded is not None:
            self._preloaded = None
            self.show_case(c)

    def _show(self, rows: list[CaseRow], more: bool = False) -> None:
        if self.model.horizon[0] != dt.date.today():
            self._refresh_horizon()
        self.model.reset(rows, more)
        self.say(f"共 {len(rows)} 件" if not more else f"已显示 {len(rows)} 件，向下滚动显示更多")

    def _selected(self) -> None:
        """A row chosen: its case is read in full in the background (the newest choice wins)."""
        row = self.table.currentIndex().row()
        if not 0 <= row < len(self._rows):
            return
        case_id, ready = self._rows[row].id, self._preloaded
        if ready is not None and ready.id == case_id:
            self._preloaded = None
            self.show_case(ready)
            return
        db = self.ctx.db
        self.ctx.tasks.run_latest("case_detail", lambda: cases.get_case(db, case_id), self._detail,
                                  lambda m: self.say(m, True))

    def _detail(self, c: CaseInfo) -> None:
        row = self.table.currentIndex().row()
        if 0 <= row < len(self._rows) and self._rows[row].id == c.id:  # still the chosen row
            self.show_case(c)

    def show_case(self, c: CaseInfo) -> None:
        self.current = c
        self.detail.setHtml(case_detail_html(c))
        while self.actions.count():
            w = self.actions.takeAt(0).widget()
            if w is not None:
                w.hide()  # gone at once; deleted when control returns to the event loop
                w.deleteLater()
        for action in c.allowed_actions:
            if action in ("accept", "notify", "refuse"):
                continue
            label = ACTIONS[action][2]
            if action == "hand_over" and c.children:
                label = f"出件（已办好 {sum(k.state == 'result_ready' for k in c.children)} 项）"
            b = QPushButton(label)
            b.setObjectName(f"act_{action}")
            b.clicked.connect(lambda _c=False, a=action: self.act(a))
            self.actions.addWidget(b)
        for action in c.backoffice_actions:  # decided by the department in the back office: shown, not clickable
            b = QPushButton(ACTIONS[action][2])
            b.setObjectName(f"act_{action}")
            b.setEnabled(False)
            b.setToolTip("本窗口已接入部门后台：由部门在后台办理，结果会自动同步到窗口")
            self.actions.addWidget(b)
        for ch in c.checks:
            if ch.status == "deferred" and not ch.supplied and c.state not in ("delivered", "withdrawn"):
                b = QPushButton(f"补交：{ch.name}")
                b.clicked.connect(lambda _c=False, k=ch.key: self._supply(k))
                self.actions.addWidget(b)
        if c.number and self.documents is not None:
            b = QPushButton("重打回执")
            b.clicked.connect(lambda: self.documents.produce(c, "receipt" if c.accepted_at else
                                                             ("notice" if c.state == "notified" else "refusal")))
            self.actions.addWidget(b)
            if c.supplements:
                b = QPushButton("重打补正通知书")
                b.setObjectName("reprint_supplement")
                b.clicked.connect(lambda: self.documents.produce(c, "supplement"))
                self.actions.addWidget(b)
        self.actions.addStretch(1)

    def open_case(self, case_id: int) -> None:
        self.ctx.tasks.run(lambda: cases.get_case(self.ctx.db, case_id, self.ctx.user), self.show_case,
                           lambda m: self.say(m, True))

    def _link(self, url: QUrl) -> None:
        """A matter case of a bundle, the bundle of a matter case, a notified case: opened in place."""
        kind, _, value = url.toString().partition(":")
        if kind == "case" and value.isdigit():
            self.open_case(int(value))
        elif kind == "number" and value:
            self.ctx.tasks.run(lambda: cases.find_case(self.ctx.db, value, self.ctx.user), self.show_case,
                               lambda m: self.say(m, True))

    def act(self, action: str) -> None:
        c = self.current
        if c is None:
            return
        if action == "hand_over":
            return self.hand_over(c)
        if action == "request_supplement":
            return self.request_supplement(c)
        if action == "supply_supplement":
            return self.supply_supplement(c)
        if action == "finish_on_the_spot":
            if not confirm(self, "即办办结", f"办件 {c.number or ''}（{c.matter_name}）：{IRREVERSIBLE[action]}"):
                return
            self.ctx.tasks.run(lambda: cases.finish_on_the_spot(self.ctx.db, self.ctx.user, c.id),
                               lambda info: self._handed(c, info), lambda m: self.say(m, True))
            return
        reason = ""
        what = f"办件 {c.number or ''}（{c.matter_name}）"
        if action in ("reject", "withdraw"):
            label = ACTIONS[action][2]
            got = ask_reason(self, label, f"{what}{label}的原因（将告知申请人，确定后不可撤销）：", 2, multiline=False)
            if got is None:
                return
            reason = got
        elif action in IRREVERSIBLE and not confirm(self, ACTIONS[action][2], f"{what}：{IRREVERSIBLE[action]}"):
            return
        self.ctx.tasks.run(lambda: cases.advance(self.ctx.db, self.ctx.user, c.id, action, reason=reason),
                           self._updated, lambda m: self.say(m, True))

    def hand_over(self, c: CaseInfo, identity: str | None = None) -> None:
        """出件. With ``identity`` (a card placed on the reader) at the window at once; else the
        clerk chooses 窗口领取 (identity typed or swiped) or 邮寄送达 (carrier, tracking number,
        address when none was given at acceptance)."""
        if identity is None:
            way, ok = QInputDialog.getItem(self, "出件", "出件方式：", list(HAND_OVER_WAYS), 0, False)
            if not ok:
                return
            if way == HAND_OVER_WAYS[1]:
                return self.post(c)
            identity, ok = QInputDialog.getText(self, "出件", "刷身份证或输入领取人证件号码：")
            if not ok:
                return
        self.ctx.tasks.run(lambda: cases.hand_over(self.ctx.db, self.ctx.user, c.id, by="window",
                                                   identity_number=identity),
                           lambda info: self._handed(c, info), lambda m: self.say(m, True))

    def post(self, c: CaseInfo) -> None:
        """邮寄送达: carrier and tracking number (and the address if the case has none)."""
        carrier, ok = QInputDialog.getItem(self, "邮寄送达", "快递公司：", list(CARRIERS), 0, True)
        if not ok:
            return
        carrier = carrier.strip()
        if not carrier:
            return self.say("请选择或填写快递公司，结果尚未出件", True)
        number, ok = QInputDialog.getText(self, "邮寄送达", f"{carrier} 快递单号：")
        if not ok:
            return
        number = number.strip()
        if not number:
            return self.say("请填写快递单号，结果尚未出件", True)
        address = ""
        if not c.post_address.strip():
            address, ok = QInputDialog.getText(self, "邮寄送达", "收件地址（省市县、街道门牌、收件人电话）：")
            if not ok:
                return
            address = address.strip()
            if not address:
                return self.say("受理时未登记邮寄地址，请填写收件地址，结果尚未出件", True)
        self.ctx.tasks.run(lambda: cases.hand_over(self.ctx.db, self.ctx.user, c.id, by="post", carrier=carrier,
                                                   tracking_number=number, post_address=address),
                           lambda info: self._handed(c, info), lambda m: self.say(m, True))

    def _handed(self, before: CaseInfo, c: CaseInfo) -> None:
        self._updated(c)
        if c.children:
            was = {k.id: k.state for k in before.children}
            now = [k.matter_name for k in c.children if k.state == "delivered" and was.get(k.id) != "delivered"]
            rest = [f"{k.matter_name}（{k.state_label}）" for k in c.children if k.state not in ("delivered", "withdrawn")]
            text = f"办件 {c.number} 已出件：{'、'.join(now)}"
            if rest:
                text += f"；尚未办好：{'、'.join(rest)}，办好后再出件"
            self.say(text)
        else:
            how = f"已邮寄（{c.tracking_number}）" if c.delivery == "post" and c.tracking_number else c.state_label
            self.say(f"办件 {c.number}：{how}")
        self.handed_over.emit(c)

    def request_supplement(self, c: CaseInfo) -> None:
        """补正: what is asked for is recorded on the case and printed as 补正材料通知书."""
        dialog = SupplementDialog(c, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        items, text, due = dialog.values()

        def done(info: CaseInfo) -> None:
            self._updated(info)
            if self.documents is not None:
                self.documents.produce(info, "supplement")
                self.say(f"办件 {info.number} 已要求补正，正在打印补正材料通知书")

        self.ctx.tasks.run(lambda: cases.request_supplement(self.ctx.db, self.ctx.user, c.id, items, text,
                                                            due_date=due), done, lambda m: self.say(m, True))

    def supply_supplement(self, c: CaseInfo) -> None:
        """The applicant brings the 补正 materials: what came is recorded (one a line)."""
        asked = c.open_supplement
        text, ok = QInputDialog.getMultiLineText(self, "补正材料", "本次补正的材料（每行一项）：",
                                                 "\n".join(asked.items) if asked else "")
        if not ok:
            return
        supplied = [line.strip() for line in text.splitlines() if line.strip()]
        if not supplied:
            return self.say("请填写本次补正的材料", True)
        self.ctx.tasks.run(lambda: cases.supply_supplement(self.ctx.db, self.ctx.user, c.id, supplied),
                           self._updated, lambda m: self.say(m, True))

    def _supply(self, key: str) -> None:
        c = self.current
        if c is not None:
            self.ctx.tasks.run(lambda: cases.supply_deferred(self.ctx.db, self.ctx.user, c.id, key),
                               lambda info: (self._updated(info), self.remind()), lambda m: self.say(m, True))

    def _updated(self, c: CaseInfo) -> None:
        self.say(f"办件 {c.number}：{c.state_label}")
        self.show_case(c)
        self.model.replace(c)
