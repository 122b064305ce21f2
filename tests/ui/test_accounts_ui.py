"""A2 at the counter: a default password is changed in the sign-in dialog outside demo mode, the
idle lock covers the window and only the same user's password opens it, and the admin's user
page adds, resets and disables accounts. Real SQLite, real widgets (offscreen)."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu
from sqlalchemy import select

from clerk import auth
from clerk.config import Config
from clerk.db import Database
from clerk.migrate import upgrade
from clerk.models import AuditEntry, User
from clerk.seed import seed_defaults
from ui.accounts import IdleLock, UsersDialog, install_counter_security
from ui.context import AppContext
from ui.login import LoginDialog
from ui.taskman import TaskManager


@pytest.fixture
def ctx(tmp_path):
    url = f"sqlite:///{(tmp_path / 'clerk.sqlite3').as_posix()}"
    upgrade(url)
    db = Database(url)
    cfg = Config(data_dir=tmp_path, database_url=url)
    seed_defaults(db, cfg, catalog=None)
    c = AppContext(cfg=cfg, db=db, tasks=TaskManager())
    yield c
    c.tasks.shutdown()
    db.dispose()


def _actions(db) -> list[tuple[str, str]]:
    with db.uow() as s:
        return [(e.action, e.username) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_outside_demo_mode_the_default_password_is_changed_before_the_counter_opens(qtbot, ctx, monkeypatch):
    monkeypatch.delenv("CLERK_DEMO", raising=False)
    dlg = LoginDialog(ctx, "象山县行政服务中心")
    qtbot.addWidget(dlg)
    qtbot.keyClicks(dlg.username, "clerk")
    qtbot.keyClicks(dlg.password, "clerk123")
    qtbot.keyClick(dlg.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: getattr(dlg, "change_dialog", None) is not None and dlg.change_dialog.isVisible(),
                    timeout=5000)
    assert dlg.user is None and ctx.user is None
    change = dlg.change_dialog
    change.new.setText("Counter2026")
    change.again.setText("Counter2027")
    change.submit()
    assert change.error.text() == "两次输入的新密码不一致"
    change.again.setText("Counter2026")
    change.submit()
    qtbot.waitUntil(lambda: dlg.user is not None, timeout=10000)
    assert ctx.user.username == "clerk" and ctx.user.must_change_password is False
    assert auth.login(ctx.db, "clerk", "Counter2026").username == "clerk"


def test_idle_lock_needs_the_same_users_password(qtbot, ctx):
    from PySide6.QtWidgets import QMainWindow

    ctx.user = auth.login(ctx.db, "clerk", "clerk123", "W01")
    now = [1000.0]
    win = QMainWindow()
    qtbot.addWidget(win)
    win.show()
    lock = IdleLock(ctx, win, minutes=10, clock=lambda: now[0])
    now[0] += 9 * 60
    lock.check()
    assert not lock.is_locked
    now[0] += 61
    lock.check()
    assert lock.is_locked
    screen = lock.screen
    screen.reject()  # Esc does nothing
    assert lock.is_locked
    screen.password.setText("agent123")  # another user's password does not open it
    screen.submit()
    qtbot.waitUntil(lambda: screen.error.text() == "用户名或密码错误", timeout=5000)
    assert lock.is_locked
    screen.password.setText("clerk123")
    screen.submit()
    qtbot.waitUntil(lambda: not lock.is_locked, timeout=5000)
    assert lock.last_input == now[0]
    assert _actions(ctx.db)[-2:] == [("login.failed", "clerk"), ("login", "clerk")]


def test_the_admin_menu_and_user_page(qtbot, ctx):
    from PySide6.QtWidgets import QMainWindow

    ctx.user = auth.login(ctx.db, "admin", "admin123", "W01")
    win = QMainWindow()
    qtbot.addWidget(win)
    menu = QMenu(win)
    install_counter_security(win, ctx, menu)
    assert {a.objectName() for a in menu.actions()} == {"act_lock", "act_users"}
    dlg = UsersDialog(ctx, win)
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.table.rowCount() == 4, timeout=5000)
    dlg.username.setText("wangfang")
    dlg.display.setText("王芳")
    dlg.role.setCurrentIndex(0)
    dlg.temporary.setText("Temp12345")
    dlg.add()
    qtbot.waitUntil(lambda: dlg.table.rowCount() == 5, timeout=5000)
    assert "已新增 wangfang" in dlg.message.text()
    row = [dlg.table.item(i, 0).text() for i in range(5)].index("wangfang")
    assert dlg.table.item(row, 3).text() == "须改密码"
    dlg.table.selectRow(row)
    dlg.toggle()
    qtbot.waitUntil(lambda: "已停用 wangfang" in dlg.message.text(), timeout=5000)
    with ctx.db.uow() as s:
        assert s.scalar(select(User.active).where(User.username == "wangfang")) is False
    clerk_ctx_menu = QMenu(win)
    ctx.user = auth.login(ctx.db, "clerk", "clerk123", "W01")
    install_counter_security(win, ctx, clerk_ctx_menu)
    assert {a.objectName() for a in clerk_ctx_menu.actions()} == {"act_lock"}
