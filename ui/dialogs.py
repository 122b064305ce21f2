"""Small modal questions the counter asks: a written reason that is never lost, and one
confirmation before an irreversible step.

The one rule: what the clerk typed survives a refusal — a reason too short re-opens the dialog
with the text still in it and says why, instead of closing and dropping it.
"""
from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget


def ask_reason(parent: QWidget, title: str, label: str, minimum: int = 4, multiline: bool = True,
               text: str = "") -> str | None:
    """The reason typed (stripped, at least ``minimum`` characters), or None when cancelled."""
    prompt = label
    while True:
        if multiline:
            text, ok = QInputDialog.getMultiLineText(parent, title, prompt, text)
        else:
            text, ok = QInputDialog.getText(parent, title, prompt, text=text)
        if not ok:
            return None
        if len(text.strip()) >= minimum:
            return text.strip()
        prompt = f"理由不少于 {minimum} 个字（已填写的内容保留在下面），请补充完整：\n{label}"


def confirm(parent: QWidget, title: str, text: str) -> bool:
    """Ask once before a step that cannot be taken back; No is the default button."""
    answer = QMessageBox.question(parent, title, text + "\n\n此操作不可撤销，确定吗？",
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes
