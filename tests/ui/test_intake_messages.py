"""What the status line says is true for the screen it is on: F5 names the first thing missing,
a card read replaces the 'read a card' prompt, the scan hint names the selected material, and
Ctrl+E on a material not yet presented says why nothing opened."""
from __future__ import annotations

from PySide6.QtCore import Qt

from tests.ui.test_intake_flow import _choose, _zhang_card, idle


def test_f5_without_a_case_names_what_is_missing(qtbot, window, intake_ctx):
    intake = window.intake
    qtbot.keyClick(intake, Qt.Key.Key_F5)
    assert "读卡（F2）或填写申请人" in intake.status.text()
    window.card_read(_zhang_card())
    assert "已读卡：张三" in intake.status.text() and "请读卡" not in intake.status.text()
    qtbot.keyClick(intake, Qt.Key.Key_F5)
    assert "F3 搜索并选择事项" in intake.status.text()


def test_scan_hint_follows_the_selected_row_and_ctrl_e_explains(qtbot, window, intake_ctx):
    intake = window.intake
    window.card_read(_zhang_card())
    _choose(qtbot, window, "城乡居民医保")
    assert intake.scan_bar.hint.text() == "先在上表选中一项材料"
    intake.checklist.setCurrentCell(0, 0)
    name = intake.checklist.item(0, 0).text()
    assert intake.scan_bar.hint.text() == f"F11 扫描到：{name}"
    intake.checklist.edit_amount()  # Ctrl+E on a material still 未核验
    assert "尚未核验为已提交" in intake.status.text()
    idle(qtbot, intake_ctx)
