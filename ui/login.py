"""Sign-in dialog: big fields, Enter signs in, the error says what to do."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QFormLayout, QLabel, QLineEdit, QPushButton, QSpinBox,
                               QVBoxLayout)

from clerk import auth
from clerk.dto import UserInfo

from .context import AppContext


class LoginDialog(QDialog):
    def __init__(self, ctx: AppContext, hall_name: str = "") -> None:
        super().__init__()
        self.ctx = ctx
        self.user: UserInfo | None = None
        self.setWindowTitle(self.tr("窗口综合受理系统 — 登录"))
        self.setMinimumWidth(460)
        title = QLabel(hall_name or self.tr("行政服务中心"))
        title.setProperty("role", "title")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        sub = QLabel(self.tr("无差别全科受理 · 最多跑一次"))
        sub.setProperty("role", "hint")
        sub.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.username = QLineEdit()
        self.username.setObjectName("username")
        self.username.setPlaceholderText(self.tr("工号或用户名"))
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.window_no = QSpinBox()
        self.window_no.setRange(1, 999)
        self.window_no.setValue(ctx.window_number)
        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.setStyleSheet("color: #c0392b;")
        self.button = QPushButton(self.tr("登录"))
        self.button.setObjectName("login")
        self.button.setProperty("primary", True)
        self.button.setDefault(True)
        self.button.clicked.connect(self.submit)
        self.password.returnPressed.connect(self.submit)
        self.username.returnPressed.connect(self.password.setFocus)
        form = QFormLayout()
        form.addRow(self.tr("用户名"), self.username)
        form.addRow(self.tr("密码"), self.password)
        form.addRow(self.tr("窗口号"), self.window_no)
        lay = QVBoxLayout(self)
        lay.addWidget(title)
        lay.addWidget(sub)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(self.button)
        self.username.setFocus()

    def submit(self) -> None:
        self.button.setEnabled(False)
        self.error.setText(self.tr("正在登录…"))
        name, pw = self.username.text(), self.password.text()
        self.ctx.tasks.run(lambda: auth.login(self.ctx.db, name, pw, self.ctx.workstation),
                           self._ok, self._fail)

    def _ok(self, user: UserInfo) -> None:
        from clerk.config import is_demo

        if user.must_change_password and not is_demo(self.ctx.cfg):
            # A default or temporary password: replaced before the counter opens.
            from .accounts import ChangePasswordDialog

            self.change_dialog = ChangePasswordDialog(self.ctx, user.username, self.password.text(), self)
            self.change_dialog.accepted.connect(lambda: self._ok(self.change_dialog.user))
            self.change_dialog.rejected.connect(lambda: self._fail("须先修改密码才能登录"))
            self.change_dialog.open()
            return
        self.user = user
        self.ctx.user = user
        self.ctx.window_number = self.window_no.value()
        self.accept()

    def _fail(self, message: str) -> None:
        self.button.setEnabled(True)
        self.error.setText(message)
        self.password.selectAll()
        self.password.setFocus()
