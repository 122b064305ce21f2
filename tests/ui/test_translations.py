"""Qt's own buttons speak Chinese: 确定/取消 in the 不予受理 and 出件 dialogs, not OK/Cancel."""
from __future__ import annotations

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from ui.app import install_translations


def _texts() -> tuple[str, str]:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    texts = (box.button(QDialogButtonBox.StandardButton.Ok).text(),
             box.button(QDialogButtonBox.StandardButton.Cancel).text())
    box.deleteLater()
    return texts


def test_qt_dialog_buttons_are_chinese_on_any_system_locale(qapp):
    installed = install_translations(qapp, QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    try:
        assert installed, "qtbase_zh_CN.qm not found in the Qt installation"
        assert _texts() == ("确定", "取消")
    finally:
        for tr in installed:
            QApplication.removeTranslator(tr)
    assert _texts() == ("OK", "Cancel")  # the test leaves the application as it found it
