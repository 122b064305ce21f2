"""User accounts: add, reset a password, disable and enable, unlock — the system admin's work.

One rule: every change is checked (``users.manage``) and audited with who did it and where; a
reset password is temporary (the user changes it at the next sign-in); the last active admin
cannot be disabled or demoted, so the hall never locks itself out.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from . import audit
from .auth import ROLE_LABELS, authorize, check_new_password
from .bootstrap import hash_password
from .db import Database
from .dto import UserInfo
from .errors import IllegalTransition, NotFound, ValidationError
from .models import Hall, Role, User

PERSON_ROLES = (Role.CLERK.value, Role.AGENT.value, Role.MANAGER.value, Role.ADMIN.value)


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    display_name: str
    role: str
    role_label: str
    active: bool
    must_change_password: bool
    locked_until: dt.datetime | None
    failed_logins: int


def _account(u: User) -> Account:
    return Account(u.id, u.username, u.display_name, u.role, ROLE_LABELS.get(u.role, u.role), bool(u.active),
                   bool(u.must_change_password), u.locked_until, u.failed_logins or 0)


def _get(s, username: str) -> User:
    user = s.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        raise NotFound(f"没有用户 {username}", f"no user {username}")
    return user


def list_users(db: Database, *, user: UserInfo | None = None) -> list[Account]:
    authorize(user, "users.manage")
    with db.uow() as s:
        return [_account(u) for u in s.scalars(select(User).order_by(User.username))]


def add_user(db: Database, username: str, display_name: str, role: str, password: str, *,
             user: UserInfo | None = None, workstation: str = "", hall_code: str | None = None) -> Account:
    """A new person's account; ``password`` is temporary (changed at first sign-in)."""
    who = authorize(user, "users.manage")
    name = (username or "").strip()
    if not name or len(name) > 40 or any(c.isspace() for c in name) or ":" in name:
        raise ValidationError("用户名应为 1–40 个字符，不含空格和冒号", "bad username")
    if role not in PERSON_ROLES:
        names = "、".join(ROLE_LABELS[r] for r in PERSON_ROLES)
        raise ValidationError(f"角色无效，可选：{names}", f"bad role {role!r}")
    if not (display_name or "").strip():
        raise ValidationError("请填写姓名", "display name required")
    check_new_password(name, password)
    with db.uow() as s:
        if s.scalar(select(User.id).where(User.username == name)):
            raise ValidationError(f"用户名 {name} 已存在", f"user {name} exists")
        hall_id = None
        if hall_code:
            hall_id = s.scalar(select(Hall.id).where(Hall.code == hall_code))
        u = User(username=name, display_name=display_name.strip()[:40], role=role,
                 password_hash=hash_password(password), hall_id=hall_id, active=True,
                 must_change_password=True)
        s.add(u)
        s.flush()
        audit.record(s, "user.add", username=who, workstation=workstation, entity="user", entity_id=name, role=role)
        return _account(u)


def reset_password(db: Database, username: str, temporary: str, *, user: UserInfo | None = None,
                   workstation: str = "") -> Account:
    """A forgotten password: a temporary one the person must change at the next sign-in; the
    lockout is lifted."""
    who = authorize(user, "users.manage")
    check_new_password(username, temporary)
    with db.uow() as s:
        u = _get(s, username)
        u.password_hash = hash_password(temporary)
        u.must_change_password = True
        u.failed_logins, u.locked_until = 0, None
        audit.record(s, "user.reset_password", username=who, workstation=workstation, entity="user",
                     entity_id=u.username)
        return _account(u)


def set_active(db: Database, username: str, active: bool, *, user: UserInfo | None = None,
               workstation: str = "") -> Account:
    """Disable (someone left) or enable an account. Their history stays."""
    who = authorize(user, "users.manage")
    with db.uow() as s:
        u = _get(s, username)
        if not active and u.role == Role.ADMIN.value and u.active:
            admins = s.scalar(select(func.count()).select_from(User).where(
                User.role == Role.ADMIN.value, User.active)) or 0
            if admins <= 1:
                raise IllegalTransition("不能停用最后一个系统管理员账号", "cannot disable the last admin")
        if user is not None and not active and u.username == user.username:
            raise IllegalTransition("不能停用自己的账号", "cannot disable yourself")
        u.active = active
        audit.record(s, "user.enable" if active else "user.disable", username=who, workstation=workstation,
                     entity="user", entity_id=u.username)
        return _account(u)


def unlock(db: Database, username: str, *, user: UserInfo | None = None, workstation: str = "") -> Account:
    who = authorize(user, "users.manage")
    with db.uow() as s:
        u = _get(s, username)
        u.failed_logins, u.locked_until = 0, None
        audit.record(s, "user.unlock", username=who, workstation=workstation, entity="user", entity_id=u.username)
        return _account(u)

