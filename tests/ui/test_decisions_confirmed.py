"""Irreversible decisions are asked once (No changes nothing); a reason that is too short
re-opens its dialog with the text still in it, at the case list and at the intake's 不予受理."""
from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QMessageBox

from clerk import cases
from tests.ui.test_caselist_life import _accepted, _button, _idle, _open, _view, ctx  # noqa: F401 - fixture


def test_approve_asks_once_and_no_leaves_the_case_as_it_was(qtbot, ctx, monkeypatch):
    case = _accepted(ctx)
    view = _view(qtbot, ctx)
    _open(qtbot, view, case.number)
    asked = []

    def question(_parent, title, text, *a):
        asked.append(text)
        return QMessageBox.StandardButton.No if len(asked) == 1 else QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    _button(view, "act_approve").click()
    _idle(qtbot, ctx)
    assert cases.get_case(ctx.db, case.id).state == "accepted"
    assert case.number in asked[0] and "不可撤销" in asked[0]
    _button(view, "act_approve").click()
    qtbot.waitUntil(lambda: cases.get_case(ctx.db, case.id).state == "approved", timeout=5000)
    assert len(asked) == 2


def test_a_too_short_reject_reason_reopens_the_dialog_with_the_text_kept(qtbot, ctx, monkeypatch):
    case = _accepted(ctx)
    view = _view(qtbot, ctx)
    _open(qtbot, view, case.number)
    shown = []
    answers = [("否", True), ("否，材料不符合法定形式", True)]

    def get_text(_parent, title, label, *a, **k):
        shown.append((label, k.get("text", a[1] if len(a) > 1 else "")))
        return answers.pop(0)

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(get_text))
    _button(view, "act_reject").click()
    qtbot.waitUntil(lambda: cases.get_case(ctx.db, case.id).state == "rejected", timeout=5000)
    assert len(shown) == 2 and shown[1][1] == "否" and "不少于" in shown[1][0]
    assert cases.get_case(ctx.db, case.id).reason == "否，材料不符合法定形式"
