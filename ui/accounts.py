"""Accounts at the counter: the forced password change, the idle screen lock and the admin's
user page. Every decision is in ``clerk.auth`` / ``clerk.accounts``; work runs through ``ctx.tasks``
with plain values (no widget reaches a worker)."""
from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (QApplication, QComboBox, QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from clerk import accounts, auth
from clerk.dto import UserInfo

from .context import AppContext

DEFAULT_IDLE_MINUTES = 10


def _password_field(name: str) -> QLineEdit:
    field = QLineEdit()
    field.setObjectName(name)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


class ChangePasswordDialog(QDialog):
    """A default or temporary password is replaced before the counter opens."""

    def __init__(self, ctx: AppContext, username: str, old_password: str = "", parent: QWidget | None = None,
                 *, reason: str = "首次登录或密码已重设，请设置新密码（至少 8 位，含字母和数字）") -> None:
        super().__init__(parent)
        self.ctx, self.username, self.user = ctx, username, None
        self.setWindowTitle("修改密码")
        self.old = _password_field("old_password")
        self.old.setText(old_password)
        self.new = _password_field("new_password")
        self.again = _password_field("again_password")
        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.button = QPushButton("修改密码")
        self.button.setObjectName("change")
        self.button.setDefault(True)
        self.button.clicked.connect(self.submit)
        form = QFormLayout()
        form.addRow("原密码", self.old)
        form.addRow("新密码", self.new)
        form.addRow("再输入一次", self.again)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(reason))
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(self.button)

    def submit(self) -> None:
        if self.new.text() != self.again.text():
            self.error.setText("两次输入的新密码不一致")
            return
        db, name, old, new, ws = self.ctx.db, self.username, self.old.text(), self.new.text(), self.ctx.workstation
        self.button.setEnabled(False)
        self.ctx.tasks.run(lambda: auth.change_password(db, name, old, new, ws), self._done, self._fail)

    def _done(self, user: UserInfo) -> None:
        self.user = user
        self.accept()

    def _fail(self, message: str) -> None:
        self.button.setEnabled(True)
        self.error.setText(message)


class LockScreen(QDialog):
    """Covers the counter after idle time; only the signed-in user's password opens it."""

    unlocked = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("已锁屏")
        self.setModal(True)
        user = ctx.user
        who = f"{user.display_name}（{user.username}）" if user else ""
        self.label = QLabel(f"窗口已锁定。{who} 请输入密码解锁")
        self.password = _password_field("unlock_password")
        self.password.returnPressed.connect(self.submit)
        self.error = QLabel("")
        self.error.setObjectName("error")
        self.button = QPushButton("解锁")
        self.button.setObjectName("unlock")
        self.button.clicked.connect(self.submit)
        lay = QVBoxLayout(self)
        lay.addWidget(self.label)
        lay.addWidget(self.password)
        lay.addWidget(self.error)
        lay.addWidget(self.button)

    def reject(self) -> None:  # Esc does not unlock
        return

    def submit(self) -> None:
        user = self.ctx.user
        if user is None:
            self.accept()
            return
        db, pw, ws = self.ctx.db, self.password.text(), self.ctx.workstation
        self.button.setEnabled(False)
        self.ctx.tasks.run(lambda: auth.verify_password(db, user, pw, ws), self._ok, self._fail)

    def _ok(self, _user: UserInfo) -> None:
        self.password.clear()
        self.error.setText("")
        self.button.setEnabled(True)
        self.accept()
        self.unlocked.emit()

    def _fail(self, message: str) -> None:
        self.button.setEnabled(True)
        self.password.selectAll()
        self.error.setText(message)


class IdleLock(QObject):
    """Watches keyboard and mouse input in the whole app; after ``minutes`` without any, the
    counter locks (citizens' data must not stay on an unattended screen). 0 minutes: off."""

    locked = Signal()

    def __init__(self, ctx: AppContext, window: QWidget, minutes: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(window)
        if minutes is None:
            try:
                minutes = float(ctx.cfg.extra.get("idle_lock_minutes", DEFAULT_IDLE_MINUTES))
            except (TypeError, ValueError):
                minutes = DEFAULT_IDLE_MINUTES
        self.ctx, self.window, self.seconds, self.clock = ctx, window, max(0.0, minutes) * 60, clock
        self.last_input = clock()
        self.screen: LockScreen | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(5000)
        self.timer.timeout.connect(self.check)
        if self.seconds:
            app = QApplication.instance()
            if app is not None:
                app.installEventFilter(self)
            self.timer.start()

    _INPUT = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel}

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() in self._INPUT and not self.is_locked:
            self.last_input = self.clock()
        return False

    @property
    def is_locked(self) -> bool:
        return self.screen is not None and self.screen.isVisible()

    def check(self) -> None:
        if self.seconds and not self.is_locked and self.clock() - self.last_input >= self.seconds:
            self.lock()

    def lock(self) -> None:
        if self.is_locked or self.ctx.user is None:
            return
        if self.screen is None:
            self.screen = LockScreen(self.ctx, self.window)
            self.screen.unlocked.connect(self._unlocked)
        self.screen.open()
        self.screen.password.setFocus()
        self.locked.emit()

    def _unlocked(self) -> None:
        self.last_input = self.clock()


class UsersDialog(QDialog):
    """系统管理员：新增账号、重设密码、停用/启用、解除锁定."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("用户管理")
        self.resize(720, 420)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("users")
        self.table.setHorizontalHeaderLabels(["用户名", "姓名", "角色", "状态"])
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.username = QLineEdit()
        self.username.setObjectName("new_username")
        self.display = QLineEdit()
        self.display.setObjectName("new_display")
        self.role = QComboBox()
        for role in accounts.PERSON_ROLES:
            self.role.addItem(auth.ROLE_LABELS[role], role)
        self.temporary = _password_field("temporary_password")
        self.message = QLabel("")
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        for name, text, slot in (("add", "新增账号", self.add), ("reset", "重设密码", self.reset),
                                 ("toggle", "停用/启用", self.toggle), ("unlock", "解除锁定", self.unlock)):
            b = QPushButton(text)
            b.setObjectName(name)
            b.clicked.connect(slot)
            buttons.addWidget(b)
        form = QFormLayout()
        form.addRow("用户名", self.username)
        form.addRow("姓名", self.display)
        form.addRow("角色", self.role)
        form.addRow("临时密码", self.temporary)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table, 1)
        lay.addLayout(form)
        lay.addLayout(buttons)
        lay.addWidget(self.message)
        self.rows: list[accounts.Account] = []
        self.reload()

    def _who(self) -> dict[str, object]:
        return {"user": self.ctx.user, "workstation": self.ctx.workstation}

    def reload(self) -> None:
        db, who = self.ctx.db, self._who()
        self.ctx.tasks.run(lambda: accounts.list_users(db, user=who["user"]), self._show, self._say)

    def _show(self, rows: list[accounts.Account]) -> None:
        self.rows = rows
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            state = "停用" if not r.active else ("已锁定" if r.locked_until else
                                                ("须改密码" if r.must_change_password else "正常"))
            for j, text in enumerate((r.username, r.display_name, r.role_label, state)):
                self.table.setItem(i, j, QTableWidgetItem(text))

    def _say(self, text: str) -> None:
        self.message.setText(text)

    def selected(self) -> accounts.Account | None:
        row = self.table.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def _do(self, fn: Callable[[], accounts.Account], done: str) -> None:
        self.ctx.tasks.run(fn, lambda acc: (self._say(done.format(acc=acc)), self.reload()), self._say)

    def add(self) -> None:
        db, who = self.ctx.db, self._who()
        name, display, role, pw = (self.username.text(), self.display.text(), self.role.currentData(),
                                   self.temporary.text())
        hall = self.ctx.cfg.hall_code
        self._do(lambda: accounts.add_user(db, name, display, role, pw, hall_code=hall, **who),
                 "已新增 {acc.username}，首次登录须修改密码")

    def reset(self) -> None:
        acc, db, who, pw = self.selected(), self.ctx.db, self._who(), self.temporary.text()
        if acc is None:
            self._say("请先选择一个账号")
            return
        name = acc.username
        self._do(lambda: accounts.reset_password(db, name, pw, **who), "已重设 {acc.username} 的密码，下次登录须修改")

    def toggle(self) -> None:
        acc, db, who = self.selected(), self.ctx.db, self._who()
        if acc is None:
            self._say("请先选择一个账号")
            return
        name, active = acc.username, not acc.active
        self._do(lambda: accounts.set_active(db, name, active, **who),
                 "已启用 {acc.username}" if active else "已停用 {acc.username}")

    def unlock(self) -> None:
        acc, db, who = self.selected(), self.ctx.db, self._who()
        if acc is None:
            self._say("请先选择一个账号")
            return
        name = acc.username
        self._do(lambda: accounts.unlock(db, name, **who), "已解除 {acc.username} 的锁定")


def install_counter_security(window: QWidget, ctx: AppContext, menu: object | None = None) -> IdleLock:
    """The idle lock for a counter window, a 锁屏 action (Ctrl+L) and, for the system admin, 用户管理."""
    lock = IdleLock(ctx, window)
    if menu is not None:
        act = menu.addAction("锁屏", lock.lock)  # type: ignore[attr-defined]
        act.setObjectName("act_lock")
        act.setShortcut("Ctrl+L")
        act.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        if ctx.user is not None and ctx.user.role == "admin":
            menu.addAction("用户管理…", lambda: UsersDialog(ctx, window).open()).setObjectName(  # type: ignore[attr-defined]
                "act_users")
    return lock
