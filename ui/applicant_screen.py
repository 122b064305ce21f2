"""The applicant-facing screen: shows the applicant their data to confirm, then the five
rating buttons (好差评). Goes full screen on the second monitor when there is one, follows
monitors being plugged in or out, and works as an ordinary window with one screen."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import (QCheckBox, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QStackedWidget, QVBoxLayout, QWidget)

from clerk.cases import EVALUATION_LEVELS, REASON_TAGS
from clerk.dto import CaseInfo

from .screens import fit_window, second_screen

BIG = "font-size: 30px;"
LEVEL_COLOURS = {5: "#1e8449", 4: "#27ae60", 3: "#7f8c8d", 2: "#d35400", 1: "#c0392b"}


class ApplicantScreen(QWidget):
    rated = Signal(int, list, str)  # level, reason tags, text
    confirmed = Signal()

    def __init__(self, hall_name: str = "") -> None:
        super().__init__(None, Qt.WindowType.Window)
        self.setWindowTitle("请您核对 · 评价")
        self.setObjectName("applicant_screen")
        self.stack = QStackedWidget()
        self.title = QLabel(hall_name)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setStyleSheet("font-size: 26px; font-weight: bold; color: #1d3f7a;")
        # page 0: welcome / confirm
        self.info = QLabel("欢迎办事")
        self.info.setObjectName("confirm_text")
        self.info.setWordWrap(True)
        self.info.setStyleSheet(BIG)
        self.info.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        confirm = QPushButton("信息无误，确认")
        confirm.setStyleSheet(BIG)
        confirm.clicked.connect(self.confirmed)
        page0 = QWidget()
        l0 = QVBoxLayout(page0)
        l0.addWidget(self.info, 1)
        l0.addWidget(confirm)
        # page 1: rating
        page1 = QWidget()
        l1 = QVBoxLayout(page1)
        self.prompt = QLabel("请对本次服务进行评价")
        self.prompt.setStyleSheet(BIG)
        self.prompt.setAlignment(Qt.AlignmentFlag.AlignCenter)
        row = QHBoxLayout()
        self.level_buttons: dict[int, QPushButton] = {}
        for level in (5, 4, 3, 2, 1):
            b = QPushButton(EVALUATION_LEVELS[level])
            b.setObjectName(f"rate_{level}")
            b.setMinimumHeight(110)
            b.setStyleSheet(f"font-size: 26px; color: white; background: {LEVEL_COLOURS[level]}; border-radius: 8px;")
            b.clicked.connect(lambda _c=False, lv=level: self._level(lv))
            row.addWidget(b)
            self.level_buttons[level] = b
        self.reasons = QWidget()
        grid = QGridLayout(self.reasons)
        self.tag_boxes = []
        for i, tag in enumerate(REASON_TAGS):
            box = QCheckBox(tag)
            box.setStyleSheet("font-size: 22px;")
            grid.addWidget(box, i // 4, i % 4)
            self.tag_boxes.append(box)
        self.reason_text = QLineEdit()
        self.reason_text.setPlaceholderText("请写下您的意见（可选）")
        self.reason_text.setStyleSheet("font-size: 22px;")
        grid.addWidget(self.reason_text, 2, 0, 1, 4)
        self.submit = QPushButton("提交评价")
        self.submit.setObjectName("rate_submit")
        self.submit.setStyleSheet(BIG)
        self.submit.clicked.connect(self._submit_unhappy)
        grid.addWidget(self.submit, 3, 0, 1, 4)
        self.reasons.setVisible(False)
        self.hint = QLabel("")
        self.hint.setStyleSheet("font-size: 22px; color: #c0392b;")
        l1.addWidget(self.prompt)
        l1.addLayout(row)
        l1.addWidget(self.reasons)
        l1.addWidget(self.hint)
        l1.addStretch(1)
        # page 2: thanks
        self.thanks = QLabel("感谢您的评价！")
        self.thanks.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thanks.setStyleSheet("font-size: 40px;")
        self.stack.addWidget(page0)
        self.stack.addWidget(page1)
        self.stack.addWidget(self.thanks)
        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addWidget(self.stack, 1)
        self._pending_level = 0
        app = QGuiApplication.instance()
        if app is not None:
            app.screenAdded.connect(lambda _s: self.place())
            app.screenRemoved.connect(lambda _s: self.place())

    # ---------------------------------------------------------------- placement
    def target_screen(self) -> QScreen | None:
        return second_screen()

    def place(self, on_request: bool = False) -> None:
        """Full screen on the second (applicant-facing) screen. With one screen it would cover
        the clerk's work, so it stays hidden unless asked for (设置 → 申请人屏), and then opens as
        a window of its own fitted to the screen."""
        screen = self.target_screen()
        if screen is not None:
            self.setScreen(screen)
            self.move(screen.geometry().topLeft())
            self.showFullScreen()
        elif on_request:
            self.showNormal()
            fit_window(self, 900, 600)
            self.raise_()
        else:
            self.hide()

    # ---------------------------------------------------------------- content
    def show_confirm(self, case: CaseInfo) -> None:
        from clerk.privacy import mask_id, mask_phone

        a = case.applicant
        mats = "、".join(c.name for c in case.checks[:8])
        lines = [f"申请人：{a.name if a else ''}", f"证件号码：{a.id_number_masked if a else ''}",
                 f"联系电话：{a.phone_masked if a else ''}"]
        if case.proxy_name:
            lines.append(f"代理人：{case.proxy_name}")
        lines += [f"办理事项：{case.matter_name}", f"材料：{mats}"]
        # what the clerk typed into the 申请表, for the applicant to check (ID numbers, phones masked)
        masks = {"id_number": mask_id, "phone": mask_phone}
        filled = [f"{f.label}：{masks.get(f.type, str)(f.value)}" for f in getattr(case, "form", ()) if f.value]
        if filled:
            lines.append("申请信息：" + "；".join(filled))
        self.info.setText("\n".join(lines))
        self.stack.setCurrentIndex(0)

    def show_rating(self, prompt: str = "请对本次服务进行评价") -> None:
        self.prompt.setText(prompt)
        self.reasons.setVisible(False)
        self.hint.clear()
        self.reason_text.clear()
        for box in self.tag_boxes:
            box.setChecked(False)
        self.stack.setCurrentIndex(1)

    def _level(self, level: int) -> None:
        if level <= 2:
            self._pending_level = level
            self.reasons.setVisible(True)
            self.hint.setText("请选择不满意的原因或写下意见，再点“提交评价”")
            return
        self._done(level, [], "")

    def _submit_unhappy(self) -> None:
        tags = [b.text() for b in self.tag_boxes if b.isChecked()]
        text = self.reason_text.text().strip()
        if not tags and not text:
            self.hint.setText("请至少选择一个原因或填写意见")
            return
        self._done(self._pending_level, tags, text)

    def _done(self, level: int, tags: list[str], text: str) -> None:
        self.stack.setCurrentIndex(2)
        self.rated.emit(level, tags, text)
