"""The 申请表 panel of the intake screen, driven from the keyboard: fields built from the matter's
definitions, a bad value marked red with the reason, F5 naming the empty required fields, then
an acceptance whose receipt carries the values."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit
from sqlalchemy import select

from clerk.models import Matter
from tests.pdftools import pdf_text
from tests.ui.test_intake_flow import _choose, _zhang_card, idle

FORM = [
    {"key": "baby_name", "label": "新生儿姓名", "type": "text", "required": True},
    {"key": "baby_sex", "label": "性别", "type": "choice", "required": True, "options": ["男", "女"]},
    {"key": "birth_date", "label": "出生日期", "type": "date", "required": True},
    {"key": "contact_phone", "label": "联系电话", "type": "phone"},
]


@pytest.fixture
def with_form(intake_ctx):
    with intake_ctx.db.uow() as s:
        s.scalar(select(Matter).where(Matter.code == "M-HUJI")).form_fields = FORM
    return intake_ctx


def _bad(widget) -> bool:
    return "#c0392b" in widget.styleSheet()


def test_fill_the_form_by_keyboard_and_accept(qtbot, window, with_form, answer_questions):  # noqa: F811 - fixture
    ctx, intake = with_form, window.intake
    window.card_read(_zhang_card())
    _choose(qtbot, window, "出生登记")
    qtbot.waitUntil(lambda: bool(window.intake.situation.unanswered()), timeout=5000)
    answer_questions(window.intake)
    form = intake.form
    assert form.isVisible() and intake.form_scroll.isVisible()
    assert list(form.widgets) == ["baby_name", "baby_sex", "birth_date", "contact_phone"]
    assert isinstance(form.widgets["baby_sex"], QComboBox) and isinstance(form.widgets["birth_date"], QLineEdit)
    assert "Ctrl+T" in intake.status.text()

    # Ctrl+T goes to the first empty required field; Tab walks down the form
    qtbot.keyClick(intake, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert form.widgets["baby_name"].hasFocus()
    date = form.widgets["birth_date"]
    date.setFocus()
    qtbot.keyClicks(date, "2026-13-01")
    qtbot.keyClick(date, Qt.Key.Key_Tab)  # leaving the field checks it
    assert _bad(date) and "出生日期应为有效日期" in date.toolTip()
    assert "出生日期应为有效日期" in intake.status.text()
    assert form.widgets["contact_phone"].hasFocus()
    idle(qtbot, ctx)
    assert intake.case.form_values == {}  # nothing bad was saved

    qtbot.keyClick(intake, Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: all(c.status == "presented" for c in intake.case.checks), timeout=5000)
    qtbot.keyClick(intake, Qt.Key.Key_F5)  # refused on the screen: the date is still wrong
    assert "申请表填写有误" in intake.status.text() and date.hasFocus()

    date.clear()
    qtbot.keyClicks(date, "2026/11/2")
    qtbot.keyClick(date, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: intake.case.form_values.get("birth_date") == "2026-11-02", timeout=5000)
    idle(qtbot, ctx)
    assert not _bad(date) and date.text() == "2026-11-02"  # shown as stored
    assert "申请表已保存：出生日期" in intake.status.text()
    assert "申请信息：出生日期：2026-11-02" in window.screen2.info.text()  # the applicant checks it too

    qtbot.keyClick(intake, Qt.Key.Key_F5)  # the service names what is empty, the screen shows where
    qtbot.waitUntil(lambda: "申请表未填写" in intake.status.text(), timeout=5000)
    assert "申请表未填写：新生儿姓名、性别" in intake.status.text()
    assert _bad(form.widgets["baby_name"]) and _bad(form.widgets["baby_sex"])
    assert intake.case.state == "draft"

    sex = form.widgets["baby_sex"]
    sex.setFocus()
    qtbot.keyClick(sex, Qt.Key.Key_Down)  # 男
    qtbot.waitUntil(lambda: intake.case.form_values.get("baby_sex") == "男", timeout=5000)
    idle(qtbot, ctx)
    produced = []
    window.documents.produced.connect(lambda kind, path, _w: produced.append((kind, path)))
    form.widgets["baby_name"].setText("张小宝")  # what an input method commits; F5 before leaving it
    qtbot.keyClick(intake, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: bool(produced), timeout=10_000)
    case = intake.case
    assert case.state == "accepted"
    assert case.form_values == {"baby_name": "张小宝", "baby_sex": "男", "birth_date": "2026-11-02"}
    assert not form.widgets["baby_name"].isEnabled()  # frozen after the decision
    kind, path = produced[0]
    text = "".join(pdf_text(open(path, "rb").read()).split())
    assert kind == "receipt" and "申请信息" in text
    assert "新生儿姓名张小宝" in text and "出生日期2026-11-02" in text and "性别男" in text


def test_a_matter_without_a_form_shows_no_panel_and_a_new_case_clears_it(qtbot, window, with_form):  # noqa: F811
    intake = window.intake
    window.card_read(_zhang_card())
    _choose(qtbot, window, "城乡居民医保")
    assert not intake.form_scroll.isVisible() and intake.case.form == ()
    intake.picker.clear()  # the old hits must not answer the new search
    _choose(qtbot, window, "出生登记")
    qtbot.waitUntil(lambda: getattr(intake.case, "matter_code", None) == "M-HUJI", timeout=5000)  # None while the new draft starts
    idle(qtbot, window.ctx)
    assert intake.form_scroll.isVisible() and len(intake.form.widgets) == 4
    intake.new_case(ask=False)
    assert not intake.form_scroll.isVisible()
