"""Intake details a real counter needs: the deferral due date capped at the promised date, the
proxy's card, copies and form of a presented material, and an immediate matter finished on the
spot (then rated as a handover)."""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from clerk import calendar as workcal
from tests.casefixtures import LI as LI_SI
from tests.ui.test_intake_flow import _choose, _zhang_card, idle


def _li_card():
    from devices.idcard import CardData

    return CardData(name="李四", sex="男", birth_date=dt.date(1980, 1, 1), id_number=LI_SI,
                    valid_from=dt.date(2020, 1, 1), valid_to=dt.date(2040, 1, 1), nation="汉",
                    address="浙江省象山县丹西街道 2 号", authority="象山县公安局")


def _row(table, key):
    return next(r for r in range(table.rowCount()) if table.item(r, 0).data(Qt.ItemDataRole.UserRole) == key)


def test_deferral_dialog_offers_the_promised_date_as_latest(qtbot, window, intake_ctx, monkeypatch):
    from ui import intake as intake_mod

    window.card_read(_zhang_card())
    _choose(qtbot, window, "城乡居民医保")  # promised in 2 working days
    seen = {}

    def fake_exec(dialog):
        seen["max"] = dialog.date.maximumDate().toPython()
        seen["default"] = dialog.value()
        return QDialog.DialogCode.Rejected
    monkeypatch.setattr(intake_mod.DeferDialog, "exec", fake_exec)
    table = window.intake.checklist
    combo = table.cellWidget(_row(table, "hukou"), 2)
    combo.setCurrentIndex(combo.findData("deferred"))
    qtbot.waitUntil(lambda: "max" in seen, timeout=5000)   # the latest date is read off the GUI thread
    expected = workcal.due_after(intake_ctx.db, dt.date.today(), 2).date
    assert seen == {"max": expected, "default": expected}
    # cancelled: the table is redrawn with what is stored
    assert table.cellWidget(_row(table, "hukou"), 2).currentData() == "pending"


def test_second_card_with_proxy_ticked_fills_the_proxy(qtbot, window, intake_ctx):
    window.card_read(_zhang_card())
    panel = window.intake.applicant
    # no open-source WLT decoder: the screen says why there is no photo
    assert panel.card_status.text() == "已读卡：张三\n居民身份证\n照片为加密 WLT 格式，需安装厂商解码库才能显示"
    panel.has_proxy.setChecked(True)
    window.card_read(_li_card())
    assert (panel.name.text(), panel.id_number.text()) == ("张三", _zhang_card().id_number)
    assert (panel.proxy_name.text(), panel.proxy_id.text()) == ("李四", LI_SI)
    panel.proxy_phone.setText("13857400000")
    panel.proxy_relation.setCurrentText("亲属")
    p = panel.proxy_input()
    assert (p.name, p.id_number, p.phone, p.relation) == ("李四", LI_SI, "13857400000", "亲属")


def test_copies_and_form_of_a_presented_material(qtbot, window, intake_ctx, monkeypatch):
    from ui import intake as intake_mod

    window.card_read(_zhang_card())
    _choose(qtbot, window, "城乡居民医保")
    qtbot.keyClick(window.intake, Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: all(c.status == "presented" for c in window.intake.case.checks), timeout=5000)
    idle(qtbot, intake_ctx)

    def fake_exec(dialog):
        dialog.count.setValue(3)
        dialog.form.setCurrentIndex(dialog.form.findData("copy"))
        return QDialog.DialogCode.Accepted
    monkeypatch.setattr(intake_mod.AmountDialog, "exec", fake_exec)
    table = window.intake.checklist
    row = _row(table, "hukou")
    table.setCurrentCell(row, 0)
    qtbot.keyClick(window.intake, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: next(c for c in window.intake.case.checks if c.key == "hukou").count == 3,
                    timeout=5000)
    check = next(c for c in window.intake.case.checks if c.key == "hukou")
    assert check.form == "copy"
    assert "收复印件 3 份" in window.intake.checklist.item(_row(table, "hukou"), 3).text()


def test_immediate_matter_finished_on_the_spot_then_rated_as_handover(qtbot, window, intake_ctx):
    window.card_read(_zhang_card())
    _choose(qtbot, window, "社会保障卡申领")
    assert not window.intake.buttons["finish"].isEnabled()
    qtbot.keyClick(window.intake, Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: all(c.status == "presented" for c in window.intake.case.checks), timeout=5000)
    idle(qtbot, intake_ctx)
    qtbot.keyClick(window.intake, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: window.intake.case.state == "accepted", timeout=5000)
    idle(qtbot, intake_ctx)
    assert window.intake.buttons["finish"].isEnabled()
    qtbot.keyClick(window.intake, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.intake.case.state == "delivered", timeout=5000)
    assert window.intake.status.text().startswith("已当场办结")
    assert window._rating_stage == "handover" and window.screen2.stack.currentIndex() == 1
    qtbot.mouseClick(window.screen2.level_buttons[5], Qt.MouseButton.LeftButton)
    idle(qtbot, intake_ctx)
    from sqlalchemy import select

    from clerk.models import Evaluation
    with intake_ctx.db.uow() as s:
        ev = s.scalar(select(Evaluation))
        assert (ev.level, ev.stage) == (5, "handover")


def test_another_persons_card_during_a_draft_asks_before_starting_over(qtbot, window, intake_ctx, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    window.card_read(_zhang_card())
    _choose(qtbot, window, "城乡居民医保")
    draft = window.intake.case
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    window.card_read(_li_card())
    assert window.intake.case is draft and window.intake.applicant.name.text() == "张三"
    assert window.intake.status.text() == "已忽略 李四 的证件，当前办件不变"
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    window.card_read(_li_card())
    assert window.intake.case is None and window.intake.applicant.name.text() == "李四"
    window.intake.card_removed()
    assert window.intake.applicant.card_status.text().endswith("证件已取走（信息已保留）")
    assert window.intake.applicant.id_number.text() == LI_SI


def test_phone_typed_after_the_matter_is_chosen_is_kept_and_a_half_proxy_blocks_acceptance(
        qtbot, window, intake_ctx):
    window.card_read(_zhang_card())
    _choose(qtbot, window, "城乡居民医保")
    panel = window.intake.applicant
    panel.phone.setText("13812345678")
    panel.phone.editingFinished.emit()
    qtbot.waitUntil(lambda: window.intake.case.applicant.phone_masked == "138****5678", timeout=5000)
    assert window.intake.status.text() == "申请人信息已更新：张三"
    panel.has_proxy.setChecked(True)   # ticked, nothing typed yet: no error while typing
    idle(qtbot, intake_ctx)
    assert "代理人" not in window.intake.status.text()
    qtbot.keyClick(window.intake, Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: all(c.status == "presented" for c in window.intake.case.checks), timeout=5000)
    idle(qtbot, intake_ctx)
    qtbot.keyClick(window.intake, Qt.Key.Key_F5)
    idle(qtbot, intake_ctx)
    assert window.intake.status.text() == "请填写代理人姓名"
    assert window.intake.case.state == "draft"
    panel.proxy_name.setText("李四")
    panel.proxy_id.setText(LI_SI)
    panel.proxy_auth.setText("委托书 2026-118")
    qtbot.keyClick(window.intake, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: window.intake.case.state == "accepted", timeout=5000)
    assert window.intake.case.proxy_name == "李四" and window.intake.case.applicant.phone_masked == "138****5678"
