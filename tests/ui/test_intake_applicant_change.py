"""A name typed for an ID number that is registered under another name: the clerk is asked
old → new before anything changes; No keeps the record, Yes changes it for this case only."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from clerk import cases
from clerk.dto import ApplicantInput
from tests.casefixtures import ZHANG
from tests.ui.test_intake_flow import _choose, idle


def _earlier_case(ctx):
    case = cases.start_case(ctx.db, ctx.user, ApplicantInput(name="王小明", id_number=ZHANG, from_card=True),
                            matter_code="M-YIBAO")
    for c in case.checks:
        cases.check_material(ctx.db, ctx.user, case.id, c.key, "presented")
    return cases.accept_case(ctx.db, ctx.user, case.id)


def _type_applicant(window, name: str) -> None:
    a = window.intake.applicant
    a.name.setText(name)
    a.id_number.setText(ZHANG)
    a.changed.emit()


def test_no_keeps_the_registered_name_and_starts_nothing(qtbot, window, intake_ctx, monkeypatch):
    earlier = _earlier_case(intake_ctx)
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda _p, title, text, *a: asked.append(text) or QMessageBox.StandardButton.No))
    _type_applicant(window, "张三")
    window.intake.picker.query.setText("城乡居民医保")
    qtbot.waitUntil(lambda: window.intake.picker.results.count() > 0, timeout=5000)
    qtbot.keyClick(window.intake.picker.query, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(asked), timeout=10_000)
    idle(qtbot, intake_ctx)
    assert "王小明" in asked[0] and "张三" in asked[0] and "读卡" in asked[0] and ZHANG not in asked[0]
    assert window.intake.case is None and "未修改" in window.intake.status.text()
    assert cases.get_case(intake_ctx.db, earlier.id).applicant.name == "王小明"
    assert cases.applicant_cases(intake_ctx.db, "person", ZHANG)[0].applicant.name == "王小明"


def test_yes_changes_the_record_for_the_new_case_and_earlier_cases_keep_theirs(qtbot, window, intake_ctx,
                                                                                monkeypatch):
    earlier = _earlier_case(intake_ctx)
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda _p, title, text, *a: asked.append(text) or QMessageBox.StandardButton.Yes))
    _type_applicant(window, "张三")
    _choose(qtbot, window, "城乡居民医保")
    assert len(asked) == 1
    assert window.intake.case.applicant.name == "张三"
    assert cases.get_case(intake_ctx.db, earlier.id).applicant.name == "王小明"
