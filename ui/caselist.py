"""The clerk's case list and case detail: today, overdue, due soon, deferred outstanding; find
by number (scan the receipt barcode into the box), name or ID; hand over, advance, withdraw."""
from __future__ import annotations

from typing import Any


from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QInputDialog, QLabel,
                               QLineEdit, QPushButton, QSplitter, QTableWidget, QTableWidgetItem,
                               QTextBrowser, QVBoxLayout, QWidget)

from clerk import cases
from clerk.cases import ACTIONS, CHECK_LABELS
from clerk.dto import CaseInfo

from .context import AppContext

VIEWS = (("today", "今日办件"), ("open", "在办"), ("overdue", "已超期"), ("due_soon", "即将到期"),
         ("deferred", "容缺待补交"), ("all", "全部"))


def case_detail_html(c: CaseInfo) -> str:
    rows = "".join(
        f"<tr><td>{ch.name}</td><td>{CHECK_LABELS.get(ch.status, ch.status)}</td>"
        f"<td>{ch.share_reference or ''}{(' 期限 ' + ch.due_date.isoformat()) if ch.due_date else ''}"
        f"{' 已补交' if ch.supplied else ''}</td></tr>" for ch in c.checks)
    kids = "".join(f"<li>{k.number} {k.matter_name} · {k.state_label}</li>" for k in c.children)
    applicant = c.applicant
    return (f"<h3>{c.matter_name}</h3><p>办件编号：<b>{c.number or '（未受理）'}</b>　状态：<b>{c.state_label}</b></p>"
            f"<p>申请人：{applicant.name if applicant else ''} {applicant.id_number_masked if applicant else ''}"
            f"{'　代理人：' + c.proxy_name if c.proxy_name else ''}</p>"
            f"<p>受理时间：{c.accepted_at:%Y-%m-%d %H:%M}　承诺办结：{c.promised_date}</p>" if c.accepted_at else
            f"<h3>{c.matter_name}</h3><p>状态：{c.state_label}</p>") + (
        f"<p>取件：{'邮寄 ' + c.post_address if c.delivery == 'post' else '窗口领取'} {c.tracking_number}"
        f"　跑动次数：{c.visits}</p>" + (f"<p>原因：{c.reason}</p>" if c.reason else "")
        + (f"<ul>{kids}</ul>" if kids else "")
        + f"<table border='1' cellspacing='0' cellpadding='3'><tr><th>材料</th><th>核验</th><th>说明</th></tr>{rows}</table>")


class CaseListView(QWidget):
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
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("case_table")
        self.table.setHorizontalHeaderLabels(["办件编号", "事项", "申请人", "状态", "承诺办结"])
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.detail = QTextBrowser()
        self.actions = QHBoxLayout()
        self.message = QLabel("")
        self.message.setObjectName("case_message")
        self.current: CaseInfo | None = None
        top = QHBoxLayout()
        top.addWidget(self.view)
        top.addWidget(self.query, 1)
        refresh = QPushButton("刷新")
        refresh.clicked.connect(self.reload)
        top.addWidget(refresh)
        right = QWidget()
        rlay = QVBoxLayout(right)
        rlay.addWidget(self.detail, 1)
        rlay.addLayout(self.actions)
        split = QSplitter()
        split.addWidget(self.table)
        split.addWidget(right)
        split.setSizes([700, 500])
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(split, 1)
        lay.addWidget(self.message)
        self.view.currentIndexChanged.connect(lambda _i: self.reload())
        self.query.returnPressed.connect(self.find)
        self.table.itemSelectionChanged.connect(self._selected)
        self._rows: list[CaseInfo] = []

    def say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #c0392b;" if error else "")
        self.message.setText(text)

    def remind(self) -> None:
        """容缺 materials due or overdue: shown so the clerk calls the applicant in time."""
        def show(rows: list[Any]) -> None:
            if rows:
                late = sum(r.overdue for r in rows)
                first = rows[0]
                self.say(f"容缺提醒：{len(rows)} 项待补交（{late} 项已逾期），如 {first.case_number} {first.applicant_name}"
                         f" {first.phone_masked} 的“{first.material}”期限 {first.due_date:%m月%d日}", error=late > 0)
        self.ctx.tasks.run(lambda: cases.deferred_reminders(self.ctx.db), show, lambda m: None)

    def reload(self) -> None:
        view, q = self.view.currentData(), self.query.text().strip()
        self.ctx.tasks.run(lambda: cases.list_cases(self.ctx.db, view, q), self._show,
                           lambda m: self.say(m, True))
        if view == "deferred":
            self.remind()

    def find(self) -> None:
        """A receipt scanned by the barcode gun (or typed) opens that case at once."""
        text = self.query.text().strip()
        if not text:
            return self.reload()
        if text.isalnum() and len(text) >= 20:
            self.ctx.tasks.run(lambda: cases.find_case(self.ctx.db, text, self.ctx.user),
                               lambda c: (self._show([c]), self.table.selectRow(0)), lambda m: self.say(m, True))
        else:
            self.reload()

    def _show(self, rows: list[CaseInfo]) -> None:
        self._rows = rows
        self.table.setRowCount(len(rows))
        for i, c in enumerate(rows):
            values = [c.number or "（草稿）", c.matter_name, (c.applicant.name + " " + c.applicant.id_number_masked)
                      if c.applicant else "", c.state_label, str(c.promised_date or "")]
            for j, v in enumerate(values):
                self.table.setItem(i, j, QTableWidgetItem(v))
        self.say(f"共 {len(rows)} 件")

    def _selected(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self._rows):
            self.show_case(self._rows[row])

    def show_case(self, c: CaseInfo) -> None:
        self.current = c
        self.detail.setHtml(case_detail_html(c))
        while self.actions.count():
            w = self.actions.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        for action in c.allowed_actions:
            if action in ("accept", "notify", "refuse"):
                continue
            b = QPushButton(ACTIONS[action][2])
            b.setObjectName(f"act_{action}")
            b.clicked.connect(lambda _c=False, a=action: self.act(a))
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
        self.actions.addStretch(1)

    def act(self, action: str) -> None:
        c = self.current
        if c is None:
            return
        if action == "hand_over":
            return self.hand_over(c)
        reason = ""
        if action in ("reject", "withdraw", "request_supplement"):
            reason, ok = QInputDialog.getText(self, ACTIONS[action][2], "原因：")
            if not ok:
                return
        self.ctx.tasks.run(lambda: cases.advance(self.ctx.db, self.ctx.user, c.id, action, reason=reason),
                           self._updated, lambda m: self.say(m, True))

    def hand_over(self, c: CaseInfo, identity: str | None = None) -> None:
        if identity is None:
            identity, ok = QInputDialog.getText(self, "出件", "刷身份证或输入领取人证件号码：")
            if not ok:
                return
        self.ctx.tasks.run(lambda: cases.hand_over(self.ctx.db, self.ctx.user, c.id, by="window",
                                                   identity_number=identity),
                           self._updated, lambda m: self.say(m, True))

    def _supply(self, key: str) -> None:
        c = self.current
        if c is not None:
            self.ctx.tasks.run(lambda: cases.supply_deferred(self.ctx.db, self.ctx.user, c.id, key),
                               self._updated, lambda m: self.say(m, True))

    def _updated(self, c: CaseInfo) -> None:
        self.say(f"办件 {c.number}：{c.state_label}")
        self.show_case(c)
        for i, row in enumerate(self._rows):
            if row.id == c.id:
                self._rows[i] = c
                self.table.setItem(i, 3, QTableWidgetItem(c.state_label))
