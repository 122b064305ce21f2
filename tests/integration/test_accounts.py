"""A2: default passwords changed at first sign-in outside demo mode, lockout with a growing
delay (audited), scrypt with rehash of older hashes at sign-in, and the admin's account work.
Real SQLite, the real `clerk` entry function."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from clerk import accounts, auth
from clerk.bootstrap import pbkdf2_hash
from clerk.cli import EXIT_REFUSED, main
from clerk.db import Database
from clerk.errors import IllegalTransition, PermissionDenied, ValidationError
from clerk.migrate import upgrade
from clerk.models import AuditEntry, User
from clerk.seed import seed_defaults


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    upgrade(url)
    d = Database(url)
    seed_defaults(d, catalog=None)
    yield d
    d.dispose()


def _audit(db, prefix: str) -> list[tuple[str, str, dict]]:
    with db.uow() as s:
        return [(e.action, e.username, e.detail) for e in
                s.scalars(select(AuditEntry).where(AuditEntry.action.like(prefix + "%")).order_by(AuditEntry.id))]


T0 = dt.datetime(2026, 12, 2, 9, 0)


def test_repeated_failures_lock_the_account_for_a_growing_time(db):
    for i in range(auth.MAX_FAILURES - 1):
        with pytest.raises(PermissionDenied, match="用户名或密码错误"):
            auth.login(db, "clerk", "wrong", "W01", now=T0)
    with pytest.raises(PermissionDenied, match="用户名或密码错误"):
        auth.login(db, "clerk", "wrong", "W01", now=T0)  # the 5th: locked for 30 s from now
    with pytest.raises(PermissionDenied, match="账号已暂时锁定，请 31 秒后再试"):
        auth.login(db, "clerk", "clerk123", "W01", now=T0)  # even the right password waits
    with pytest.raises(PermissionDenied, match="用户名或密码错误"):
        auth.login(db, "clerk", "wrong", "W01", now=T0 + dt.timedelta(seconds=31))  # 6th: 60 s
    with pytest.raises(PermissionDenied, match="请 61 秒后再试"):
        auth.login(db, "clerk", "clerk123", "W01", now=T0 + dt.timedelta(seconds=31))
    ok = auth.login(db, "clerk", "clerk123", "W01", now=T0 + dt.timedelta(seconds=92))
    assert ok.username == "clerk"
    with db.uow() as s:
        u = s.scalar(select(User).where(User.username == "clerk"))
        assert (u.failed_logins, u.locked_until) == (0, None)
    failed = [d for a, _u, d in _audit(db, "login.failed")]
    assert failed[4] == {"failures": 5, "locked_seconds": 30} and failed[5] == {"failures": 6, "locked_seconds": 60}
    assert [a for a, *_ in _audit(db, "login.locked")] == ["login.locked", "login.locked"]
    assert [auth.lock_seconds(n) for n in (4, 5, 6, 7, 20)] == [0, 30, 60, 120, 900]


def test_an_older_pbkdf2_hash_is_replaced_by_scrypt_at_sign_in(db):
    with db.uow() as s:
        s.scalar(select(User).where(User.username == "agent")).password_hash = pbkdf2_hash("agent123")
    auth.login(db, "agent", "agent123")
    with db.uow() as s:
        stored = s.scalar(select(User.password_hash).where(User.username == "agent"))
    assert stored.startswith("scrypt$16384$8$1$")
    assert auth.login(db, "agent", "agent123").username == "agent"
    assert [a for a, *_ in _audit(db, "password.rehash")] == ["password.rehash"]


def test_default_passwords_must_be_changed_outside_demo_mode(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("CLERK_DEMO", raising=False)
    monkeypatch.setattr("clerk.cli.entry_points", lambda group: [])
    monkeypatch.delenv("CLERK_DATABASE_URL", raising=False)
    data = str(tmp_path / "data")

    def run(*argv: str) -> tuple[int, str]:
        rc = main(["--data-dir", data, "--user", "manager", *argv])
        return rc, capsys.readouterr().err

    monkeypatch.setenv("CLERK_PASSWORD", "manager123")
    rc, err = run("queue", "grace", "--set", "5")
    assert rc == EXIT_REFUSED and "默认或临时密码，须先修改：clerk --user manager users passwd" in err
    monkeypatch.setenv("CLERK_NEW_PASSWORD", "short")
    rc, err = run("users", "passwd")
    assert rc == 1 and "新密码至少 8 位" in err
    monkeypatch.setenv("CLERK_NEW_PASSWORD", "Xiangshan2026")
    assert run("users", "passwd")[0] == 0
    rc, err = run("queue", "grace", "--set", "5")
    assert rc == EXIT_REFUSED and "用户名或密码错误" in err  # the old one no longer works
    monkeypatch.setenv("CLERK_PASSWORD", "Xiangshan2026")
    assert run("queue", "grace", "--set", "5")[0] == 0
    # In demo mode the published passwords are fine.
    monkeypatch.setenv("CLERK_DEMO", "1")
    monkeypatch.setenv("CLERK_PASSWORD", "clerk123")
    assert main(["--data-dir", data, "--user", "clerk", "queue", "take", "--zone", "SS"]) == 0


def test_admin_adds_resets_disables_and_cannot_remove_the_last_admin(db):
    admin = auth.login(db, "admin", "admin123", "W01")
    clerk_user = auth.login(db, "clerk", "clerk123", "W01")
    with pytest.raises(PermissionDenied, match="只有系统管理员可以管理用户账号"):
        accounts.add_user(db, "wang", "王芳", "clerk", "Temp12345", user=clerk_user)
    with pytest.raises(ValidationError, match="新密码至少 8 位"):
        accounts.add_user(db, "wang", "王芳", "clerk", "x1", user=admin)
    acc = accounts.add_user(db, "wang", "王芳", "clerk", "Temp12345", user=admin, workstation="W01",
                            hall_code="33022501")
    assert acc.must_change_password and acc.active
    assert auth.login(db, "wang", "Temp12345").must_change_password is True
    info = auth.change_password(db, "wang", "Temp12345", "Wangfang2026")
    assert info.must_change_password is False
    for _ in range(auth.MAX_FAILURES):
        with pytest.raises(PermissionDenied):
            auth.login(db, "wang", "bad")
    accounts.reset_password(db, "wang", "Reset12345", user=admin)
    assert auth.login(db, "wang", "Reset12345").must_change_password is True  # lock lifted, must change
    accounts.set_active(db, "wang", False, user=admin)
    with pytest.raises(PermissionDenied, match="用户名或密码错误"):
        auth.login(db, "wang", "Reset12345")
    with pytest.raises(IllegalTransition, match="不能停用自己的账号|最后一个系统管理员"):
        accounts.set_active(db, "admin", False, user=admin)
    assert [(a, u) for a, u, _ in _audit(db, "user.")] == [
        ("user.add", "admin"), ("user.reset_password", "admin"), ("user.disable", "admin")]
    assert [a.username for a in accounts.list_users(db, user=admin)] == ["admin", "agent", "clerk", "manager", "wang"]
