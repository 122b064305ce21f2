"""The situation panel: the matter's questions (情形) and the clerk's answers."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QGroupBox, QHBoxLayout, QLabel, QRadioButton, QVBoxLayout,
                               QWidget)




class SituationPanel(QGroupBox):
    """情形 questions as radio buttons (check boxes for multiple choice)."""

    changed = Signal(dict)

    def __init__(self) -> None:
        super().__init__("情形")
        self.lay = QVBoxLayout(self)
        self._groups: dict[str, tuple[QButtonGroup, list[tuple[str, QWidget]]]] = {}
        self._deciding: list[str] = []  # group keys whose answer decides materials
        self.holder: QWidget | None = None  # the scroll area around the panel, shown with it
        self.setVisible(False)

    def show_questions(self, questions: list[tuple[str, str, Any]], answers: dict[str, Any]) -> None:
        """``questions``: (prefix, heading, question); inside a bundle prefix is the matter code
        and heading its name, shown once above that matter's questions."""
        while self.lay.count():
            w = self.lay.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        self._groups.clear()
        self._deciding.clear()
        heading_shown = ""
        for prefix, heading, q in questions:
            if heading and heading != heading_shown:
                title = QLabel(heading)
                title.setStyleSheet("font-weight: bold; color: #1d3f7a; margin-top: 4px;")
                self.lay.addWidget(title)
                heading_shown = heading
            box = QWidget()
            row = QHBoxLayout(box)
            row.setContentsMargins(0, 0, 0, 0)
            row.addWidget(QLabel(q.text))
            group = QButtonGroup(box)
            group.setExclusive(not q.multiple)
            chosen = set((answers.get(prefix, {}) if prefix else answers).get(q.key, []))
            buttons = []
            for opt in q.options:
                b = QCheckBox(opt.text) if q.multiple else QRadioButton(opt.text)
                b.setChecked(opt.key in chosen)
                group.addButton(b)
                row.addWidget(b)
                buttons.append((opt.key, b))
                b.toggled.connect(lambda _c: self.changed.emit(self.answers()))
            row.addStretch(1)
            self._groups[f"{prefix}|{q.key}"] = (group, buttons)
            if getattr(q, "decides", False):
                self._deciding.append(f"{prefix}|{q.key}")
            self.lay.addWidget(box)
        self.setVisible(bool(questions))
        if self.holder is not None:
            self.holder.setVisible(bool(questions))

    def unanswered(self) -> list[str]:
        """Group keys of the questions that decide materials and have no answer yet."""
        return [k for k in self._deciding if not any(b.isChecked() for _key, b in self._groups[k][1])]

    def focus_first_unanswered(self) -> bool:
        """Put the keyboard on the first unanswered deciding question (Space or the arrow keys
        answer it); False when every such question is answered."""
        open_ = self.unanswered()
        if not open_:
            return False
        first = self._groups[open_[0]][1][0][1]
        first.setFocus()
        if self.holder is not None and hasattr(self.holder, "ensureWidgetVisible"):
            self.holder.ensureWidgetVisible(first)
        return True

    def answers(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, (_group, buttons) in self._groups.items():
            prefix, qkey = k.split("|", 1)
            keys = [key for key, b in buttons if b.isChecked()]
            if not keys:
                continue
            if prefix:
                out.setdefault(prefix, {})[qkey] = keys
            else:
                out[qkey] = keys
        return out
