"""The intake view: composes the panels, runs the services off the GUI thread and answers the keys."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QApplication, QComboBox, QDialog, QFrame, QGroupBox, QHBoxLayout, QInputDialog, QLabel,
                               QLineEdit, QMessageBox, QPushButton, QScrollArea, QSplitter, QVBoxLayout, QWidget)

from clerk import calendar as workcal
from clerk import actions, cases
from clerk.dto import CaseInfo
from clerk.errors import ApplicantChanged, ValidationError
from clerk.privacy import mask_id

from ..context import AppContext
from ..dialogs import ask_reason
from ..scan_attach import ScanAttachBar
from .applicant import ApplicantPanel
from .matter import MatterPicker
from .situation import SituationPanel
from .form import FormPanel
from .checklist import ChecklistTable, DeferDialog


@dataclass(frozen=True)
class _NameConflict:
    """The service refused a name that differs from the applicant record (plain values only)."""
    old: str
    new: str
    old_from_card: bool


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
        # the situation answers being saved (case id, request number) and a decision (F5/F6/F7)
        # waiting for them: the save and the decision run on different workers, and a decision
        # that overtook the save was refused ("情形问题尚未回答") though the screen showed the answer
        self._answers_saving: tuple[int, int] | None = None
        self._answers_asked = 0
        self._after_answers: Any = None
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
        self.checklist.hint.connect(lambda text: self.say(text, error=True))
        self.applicant.reveal_requested.connect(self._reveal_id)
        self.checklist.currentCellChanged.connect(lambda row, *_: self.scan_bar.selection_changed(
            self.checklist.item(row, 0).text() if row >= 0 and self.checklist.item(row, 0) else ""))
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

    def _run(self, fn, on_done, case_id: int | None = None) -> None:
        """``fn`` on a worker. Work that changes case ``case_id`` runs in that case's line
        (``serial``): one change after another, results shown in the order asked, so an older
        checklist never redraws over a newer one."""
        self.ctx.tasks.run(fn, on_done, lambda msg: self.say(msg, error=True),
                           serial=f"case:{case_id}" if case_id is not None else "")

    def _run_parties(self, fn, on_done, again, case_id: int | None = None) -> None:
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

        self._run(work, done, case_id)

    def _confirm_change(self, conflict: _NameConflict, again) -> None:
        a = self.applicant
        number = a.full_id()
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
    def _reveal_id(self, number: str) -> None:
        """显示: the look is recorded first; the number shows once the audit entry is written."""
        if not number:
            return
        self._run(lambda: cases.note_id_revealed(self.ctx.db, self.user, number, "intake"),
                  lambda _none: self.applicant.show_full_id())

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
                                  self._parties_saved, self._applicant_changed, cid)
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
        if self._answers_saving is not None and self._answers_saving[0] == self.case.id:
            self._after_answers = lambda: self._decide(decide, kind, form_values)  # after the answers
            return
        cid, a, proxy = self.case.id, self.applicant.applicant_input(), self.applicant.proxy_input()
        db, user = self.ctx.db, self.user
        self._run_parties(lambda: actions.decide_with(db, user, cid, decide, applicant=a, proxy=proxy, form=form_values),
                          lambda info: self._decided(info, kind), lambda: self._decide(decide, kind, form_values), cid)

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

        self._run(save, done, cid)

    def _answers_changed(self, answers: dict[str, Any]) -> None:
        if self.case is None:
            self._start()
            return
        cid = self.case.id
        self._answers_asked += 1
        asked = self._answers_saving = (cid, self._answers_asked)
        # full state each time, in the case's line: the newest answers are saved last
        self.ctx.tasks.run(lambda: cases.set_answers(self.ctx.db, self.user, cid, answers),
                           lambda info: self._answers_saved(asked, info),
                           lambda msg: self._answers_saved(asked, None, msg), serial=f"case:{cid}")

    def _answers_saved(self, asked: tuple[int, int], info: CaseInfo | None, error: str = "") -> None:
        """The newest answers are saved (or refused): show the case, then run the decision that
        waited for them."""
        if info is not None:
            self._case_loaded(info)
        else:
            self.say(error, error=True)
        if asked != self._answers_saving:
            return
        self._answers_saving = None
        after, self._after_answers = self._after_answers, None
        if after is not None and info is not None and self.case is not None and self.case.id == asked[0]:
            after()

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
        self._run(lambda: cases.check_material(db, user, cid, key, status, **extra), self._case_loaded, cid)

    def _amount_chosen(self, key: str, count: int, form: str) -> None:
        if self.case is None:
            return
        cid = self.case.id
        self._run(lambda: cases.check_material(self.ctx.db, self.user, cid, key, "presented", count=count, form=form),
                  self._case_loaded, cid)

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
        self._run(lambda: cases.record_extra_material(self.ctx.db, self.user, cid, text), self._case_loaded, cid)

    def all_presented(self) -> None:
        if self.case is None:
            self.say("请先选择事项", error=True)
            return
        cid, db, user = self.case.id, self.ctx.db, self.user
        keys = [c.key for c in self.case.checks if c.status in ("pending", "missing")]
        self._run(lambda: actions.present_all(db, user, cid, keys), self._case_loaded, cid)  # one transaction

    def _nothing_to_decide(self) -> None:
        """F5/F6/F7 without a draft: say the first thing that is missing."""
        a = self.applicant.applicant_input()
        if not a.name or not a.id_number:
            self.say("请先读卡（F2）或填写申请人姓名和证件号码", error=True)
        elif self.choice is None:
            self.say("请按 F3 搜索并选择事项或一件事", error=True)
        else:
            self.say("办件正在建立，请稍候再按", error=True)

    def accept(self) -> None:
        if self.case is None:
            self._nothing_to_decide()
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
            self._nothing_to_decide()
            return
        self._decide(lambda cid: cases.issue_one_time_notice(self.ctx.db, self.user, cid), "notice")

    def refuse(self) -> None:
        if self.case is None:
            self._nothing_to_decide()
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

        self._run(lambda: cases.advance(self.ctx.db, self.user, cid, "finish_on_the_spot"), done, cid)

    def card_placed(self, card: Any) -> None:
        """A card on the reader. While a draft is open for someone else (and it is not the
        proxy's card), ask before starting over: the draft must not silently change person."""
        a = self.applicant
        current = a.full_id()
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
        if self.case is None:
            self.say(f"已读卡：{card.name}。按 F3 搜索事项" if self.choice is None
                     else f"已读卡：{card.name}")

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
