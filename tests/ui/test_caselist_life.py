"""The 办件 tab driven like a clerk does, on a real SQLite database: hand over at the window or by
post (with the handed_over signal), a bundle's ready matters handed over while the others go on,
the deferred-materials banner on start and on its timer, 补正 asked, recorded and printed."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QInputDialog, QPushButton

from clerk import cases
from printing.casedocs import render_case_document
from printing.data import HallInfo
from tests.casefixtures import ZHANG, zhang
from tests.pdftools import pdf_text
from ui import caselist as caselist_mod
from ui.caselist import REMIND_INTERVAL_MS, CaseListView

MON = dt.datetime(2026, 11, 23, 9, 30)


class Documents:
    """Stands in for ui.documents.DocumentService: records what the case list asks to print."""

    def __init__(self) -> None:
        self.produced: list[tuple[object, str]] = []

    def produce(self, case, kind: str) -> None:
        self.produced.append((case, kind))


@pytest.fixture
def ctx(intake_ctx):
    """The small test catalog with a clerk at window 3 (tests/ui/conftest.py)."""
    return intake_ctx


def _accepted(ctx, matter="M-HUJI", bundle=None, defer_photo=False, **accept):
    db, user = ctx.db, ctx.user
    answers = {"M-HUJI": {"who": ["self"]}} if bundle else ({"who": ["self"]} if matter == "M-HUJI" else None)
    case = cases.start_case(db, user, zhang(), matter_code=None if bundle else matter, bundle_code=bundle,
                            answers=answers)
    for c in case.checks:
        if defer_photo and c.key == "photo":
            cases.check_material(db, user, case.id, "photo", "deferred", due_date=MON.date(), today=MON.date())
        else:
            cases.check_material(db, user, case.id, c.key, "presented", today=MON.date())
    return cases.accept_case(db, user, case.id, now=MON if defer_photo else None, **accept)


def _ready(ctx, case_id):
    for action in ("approve", "result_ready"):
        cases.advance(ctx.db, ctx.user, case_id, action)


def _view(qtbot, ctx, documents=None):
    view = CaseListView(ctx, documents)
    qtbot.addWidget(view)
    view.show()
    _idle(qtbot, ctx)
    return view


def _idle(qtbot, ctx):
    qtbot.waitUntil(lambda: ctx.tasks.pending == 0, timeout=10_000)


def _open(qtbot, view, number):
    view.query.setText(number)  # what the barcode gun types
    qtbot.keyClick(view.query, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.current is not None and view.current.number == number, timeout=5000)


def _button(view, name) -> QPushButton:
    items = (view.actions.itemAt(i) for i in range(view.actions.count()))
    found = [item.widget() for item in items if item.widget() is not None and item.widget().objectName() == name]
    assert found, _shown(view)
    return found[0]


def _shown(view) -> list[str]:
    """Object names of the action buttons now offered for the current case."""
    items = (view.actions.itemAt(i) for i in range(view.actions.count()))
    return [item.widget().objectName() for item in items if item.widget() is not None]


def _answers(monkeypatch, items=(), texts=()):
    """The clerk's answers to the input dialogs, in order; each call is recorded."""
    items, texts, asked = list(items), list(texts), []

    def get_item(_parent, title, label, choices, *a, **k):
        asked.append((title, label, list(choices)))
        return items.pop(0)

    def get_text(_parent, title, label, *a, **k):
        asked.append((title, label))
        return texts.pop(0)

    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(get_item))
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(get_text))
    return asked


# --------------------------------------------------------------------------- handover

def test_post_handover_asks_carrier_and_tracking_number_and_signals(qtbot, ctx, monkeypatch):
    case = _accepted(ctx, delivery="post", post_address="象山县丹东街道天安路 1 号 13812345678")
    _ready(ctx, case.id)
    view = _view(qtbot, ctx)
    _open(qtbot, view, case.number)
    asked = _answers(monkeypatch, items=[(caselist_mod.HAND_OVER_WAYS[1], True), ("顺丰速运", True)],
                     texts=[("SF1234567890", True)])
    with qtbot.waitSignal(view.handed_over, timeout=5000) as signal:
        _button(view, "act_hand_over").click()
    info = signal.args[0]
    assert (info.id, info.state, info.delivery, info.tracking_number) == (case.id, "delivered", "post",
                                                                           "顺丰速运 SF1234567890")
    assert info.visits == 1  # nobody came for it
    assert asked[1][2][:2] == ["中国邮政EMS", "顺丰速运"] and len(asked) == 3  # the address was known
    assert "已邮寄（顺丰速运 SF1234567890）" in view.message.text()
    assert cases.get_case(ctx.db, case.id).state == "delivered"


def test_post_handover_without_a_tracking_number_says_so_and_hands_nothing_over(qtbot, ctx, monkeypatch):
    case = _accepted(ctx)  # accepted for the window: no address yet
    _ready(ctx, case.id)
    view = _view(qtbot, ctx)
    _open(qtbot, view, case.number)
    _answers(monkeypatch, items=[(caselist_mod.HAND_OVER_WAYS[1], True), ("中国邮政EMS", True)],
             texts=[("  ", True)])
    signals = []
    view.handed_over.connect(signals.append)
    _button(view, "act_hand_over").click()
    _idle(qtbot, ctx)
    assert view.message.text() == "请填写快递单号，结果尚未出件"
    _answers(monkeypatch, items=[(caselist_mod.HAND_OVER_WAYS[1], True), ("中国邮政EMS", True)],
             texts=[("1187654321098", True), ("", True)])
    _button(view, "act_hand_over").click()
    _idle(qtbot, ctx)
    assert "请填写收件地址" in view.message.text()
    _answers(monkeypatch, items=[(caselist_mod.HAND_OVER_WAYS[1], True), ("中国邮政EMS", True)],
             texts=[("11876-#", True), ("象山县丹东街道天安路 1 号", True)])
    _button(view, "act_hand_over").click()
    _idle(qtbot, ctx)
    assert "快递单号应为 6–30 位字母或数字" in view.message.text()  # the core's check, shown as is
    assert signals == [] and cases.get_case(ctx.db, case.id).state == "result_ready"
    _answers(monkeypatch, items=[(caselist_mod.HAND_OVER_WAYS[1], True), ("中国邮政EMS", True)],
             texts=[("1187654321098", True), ("象山县丹东街道天安路 1 号", True)])
    with qtbot.waitSignal(view.handed_over, timeout=5000):
        _button(view, "act_hand_over").click()
    done = cases.get_case(ctx.db, case.id)
    assert (done.state, done.post_address, done.tracking_number) == ("delivered", "象山县丹东街道天安路 1 号",
                                                                     "中国邮政EMS 1187654321098")


def test_window_handover_checks_identity_and_signals(qtbot, ctx, monkeypatch):
    case = _accepted(ctx, "M-YIBAO")
    _ready(ctx, case.id)
    view = _view(qtbot, ctx)
    _open(qtbot, view, case.number)
    _answers(monkeypatch, items=[(caselist_mod.HAND_OVER_WAYS[0], True)], texts=[(ZHANG, True)])
    with qtbot.waitSignal(view.handed_over, timeout=5000) as signal:
        _button(view, "act_hand_over").click()
    assert signal.args[0].state == "delivered" and signal.args[0].delivery == "window"


def test_ready_matters_of_a_bundle_are_handed_over_and_the_rest_named(qtbot, ctx, monkeypatch):
    bundle = _accepted(ctx, bundle="B-BIRTH")
    huji, yibao = bundle.children
    _ready(ctx, huji.id)
    cases.advance(ctx.db, ctx.user, yibao.id, "start_review")
    view = _view(qtbot, ctx)
    _open(qtbot, view, bundle.number)
    assert view.current.state == "in_review"
    button = _button(view, "act_hand_over")
    assert button.text() == "出件（已办好 1 项）"
    _answers(monkeypatch, items=[(caselist_mod.HAND_OVER_WAYS[0], True)], texts=[(ZHANG, True)])
    with qtbot.waitSignal(view.handed_over, timeout=5000) as signal:
        button.click()
    info = signal.args[0]
    assert [k.state for k in info.children] == ["delivered", "in_review"]
    assert view.message.text() == (f"办件 {bundle.number} 已出件：出生登记；尚未办好：城乡居民医保参保登记（审批中），"
                                   "办好后再出件")
    assert "act_hand_over" not in _shown(view)
    # the remaining matter, opened from the bundle's detail, is handed over on its own later
    _ready(ctx, yibao.id)
    view.detail.anchorClicked.emit(caselist_mod.QUrl(f"case:{yibao.id}"))
    qtbot.waitUntil(lambda: view.current.id == yibao.id, timeout=5000)
    _answers(monkeypatch, items=[(caselist_mod.HAND_OVER_WAYS[0], True)], texts=[(ZHANG, True)])
    with qtbot.waitSignal(view.handed_over, timeout=5000) as signal:
        _button(view, "act_hand_over").click()
    assert signal.args[0].id == yibao.id and signal.args[0].state == "delivered"
    assert cases.get_case(ctx.db, bundle.id).state == "delivered"


# --------------------------------------------------------------------------- deferred banner

def test_deferred_banner_shows_on_start_and_refreshes_on_its_timer(qtbot, ctx):
    case = _accepted(ctx, defer_photo=True)  # 婴儿近期照片 due on Monday 23 November: overdue now
    view = _view(qtbot, ctx)
    qtbot.waitUntil(lambda: view.banner.isVisible(), timeout=5000)
    text = view.banner.text()
    assert "容缺提醒：1 项待补交（1 项已逾期，0 项即将到期）" in text
    assert case.number in text and "婴儿近期照片" in text and "138****5678" in text
    assert view.remind_timer.isActive() and view.remind_timer.interval() == REMIND_INTERVAL_MS == 600_000
    cases.supply_deferred(ctx.db, ctx.user, case.id, "photo")
    view.remind_timer.timeout.emit()  # ten minutes later
    qtbot.waitUntil(lambda: not view.banner.isVisible(), timeout=5000)
    view.banner.linkActivated.emit("deferred")
    assert view.view.currentData() == "deferred"


def test_no_banner_without_deferred_materials(qtbot, ctx):
    _accepted(ctx)
    view = _view(qtbot, ctx)
    assert not view.banner.isVisible() and view.banner.text() == ""


# --------------------------------------------------------------------------- 补正

def test_supplement_asked_from_the_list_is_recorded_and_printed(qtbot, ctx, monkeypatch):
    case = _accepted(ctx)
    cases.advance(ctx.db, ctx.user, case.id, "start_review")
    documents = Documents()
    view = _view(qtbot, ctx, documents)
    _open(qtbot, view, case.number)

    def clerk_fills_in(dialog):
        assert dialog.error.text() == ""
        dialog._check()  # OK with nothing filled in is refused in the dialog
        assert dialog.error.text() == "请勾选或填写需补正的材料，或写明补正说明"
        names = [dialog.materials.item(i).text() for i in range(dialog.materials.count())]
        dialog.materials.item(names.index("出生医学证明")).setCheckState(Qt.CheckState.Checked)
        dialog.other.setPlainText("医院出具的分娩记录\n")
        dialog.text.setPlainText("出生医学证明姓名与户口簿不一致")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(caselist_mod.SupplementDialog, "exec", clerk_fills_in)
    _button(view, "act_request_supplement").click()
    qtbot.waitUntil(lambda: bool(documents.produced), timeout=5000)
    info, kind = documents.produced[0]
    assert kind == "supplement" and info.state == "supplement"
    assert info.open_supplement.items == ("出生医学证明", "医院出具的分娩记录")
    assert "补正中" in view.detail.toPlainText() and "待补正" in view.detail.toPlainText()
    flat = re.sub(r"\s+", "", pdf_text(render_case_document(info, "supplement", HallInfo("象山县行政服务中心"))))
    assert "补正材料通知书" in flat and case.number in flat and "出生医学证明原件，1份" in flat
    assert "医院出具的分娩记录" in flat and "补正说明：出生医学证明姓名与户口簿不一致。" in flat
    # the applicant brings them: what came is recorded, and it is a visit
    monkeypatch.setattr(QInputDialog, "getMultiLineText",
                        staticmethod(lambda *a, **k: ("出生医学证明\n医院出具的分娩记录", True)))
    _button(view, "act_supply_supplement").click()
    qtbot.waitUntil(lambda: view.current.state == "in_review", timeout=5000)
    assert view.current.supplements[0].supplied_items == ("出生医学证明", "医院出具的分娩记录")
    assert "已补正" in view.detail.toPlainText()
    assert _button(view, "reprint_supplement")
