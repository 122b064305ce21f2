"""Sign-in and role checks. A failed sign-in says the same thing whichever part was wrong.

One rule: every service that changes data names a permission below and calls :func:`authorize`
with the acting user; the permission table is the one place that says who may do what.
``user=None`` is an in-process caller that predates sign-in (seeding, tests); the CLI and the
app always pass a user. Kiosk and display workstations act as service accounts
(:func:`service_account`) that can take tickets / read the board and nothing else.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from . import audit
from .bootstrap import check_password, default_password, hash_password, needs_rehash
from .db import Database
from .dto import UserInfo
from .errors import PermissionDenied, ValidationError
from .models import Role, User

log = logging.getLogger(__name__)

ROLE_LABELS = {Role.CLERK.value: "窗口人员", Role.AGENT.value: "代办员",
               Role.MANAGER.value: "中心管理员", Role.ADMIN.value: "系统管理员",
               Role.KIOSK.value: "取号机", Role.DISPLAY.value: "大厅显示屏"}

COUNTER_ROLES = (Role.CLERK.value, Role.AGENT.value)
MANAGING_ROLES = (Role.MANAGER.value, Role.ADMIN.value)
SERVICE_ROLES = (Role.KIOSK.value, Role.DISPLAY.value)

# permission → (roles allowed, what it is, in Chinese, for the refusal). Admin may do everything
# a person may do; service accounts only what is listed for them.
PERMISSIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "catalog.import": (MANAGING_ROLES, "导入或替换事项目录"),
    "calendar.change": (MANAGING_ROLES, "修改节假日安排"),
    "queue.take": ((Role.KIOSK.value, *COUNTER_ROLES, Role.MANAGER.value), "取号"),
    "queue.window": ((*COUNTER_ROLES, Role.MANAGER.value), "叫号和处理号票"),
    "queue.settings": (MANAGING_ROLES, "修改大厅排队设置"),
    "users.manage": ((Role.ADMIN.value,), "管理用户账号"),
    "account.own": ((*COUNTER_ROLES, Role.MANAGER.value), "修改自己的密码"),
    "data.maintain": ((Role.ADMIN.value,), "备份、恢复或清理数据"),
    "data.archive": (MANAGING_ROLES, "年度归档（导出并删除多年前的数据）"),
    "devices.configure": (MANAGING_ROLES, "设置设备地址"),
    "reports.view": (MANAGING_ROLES, "查看大厅运行概况和报表"),
    "demo.seed": ((Role.ADMIN.value,), "生成演示数据"),
    "handover.make": ((Role.AGENT.value,), "打印交接单"),
    "handover.receive": ((Role.CLERK.value, Role.MANAGER.value), "接收交接单"),
    "sync.retry": ((*COUNTER_ROLES, Role.MANAGER.value), "重新发送失败的同步条目"),
    "sync.enrol": (MANAGING_ROLES, "将本工作站登记到部门后台"),
}


# Lockout: after MAX_FAILURES wrong passwords in a row the account waits LOCK_BASE_SECONDS,
# doubling with every further failure up to LOCK_MAX_SECONDS. A right password resets it.
MAX_FAILURES = 5
LOCK_BASE_SECONDS = 30
LOCK_MAX_SECONDS = 15 * 60
MIN_PASSWORD_LENGTH = 8


def lock_seconds(failures: int) -> int:
    if failures < MAX_FAILURES:
        return 0
    return min(LOCK_MAX_SECONDS, LOCK_BASE_SECONDS * 2 ** (failures - MAX_FAILURES))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def to_info(user: User, *, must_change: bool = False) -> UserInfo:
    return UserInfo(id=user.id, username=user.username, display_name=user.display_name,
                    role=user.role, hall_id=user.hall_id,
                    must_change_password=bool(must_change or user.must_change_password))


def service_account(role: str, workstation: str) -> UserInfo:
    """The limited account a kiosk or display workstation acts as (no password: anyone standing
    at a kiosk may take a ticket; that is all the account can do)."""
    if role not in SERVICE_ROLES:
        raise ValueError(f"not a service role: {role}")
    return UserInfo(id=0, username=f"{role}:{workstation or '-'}"[:40], display_name=ROLE_LABELS[role], role=role)


def login(db: Database, username: str, password: str, workstation: str = "", *,
          now: dt.datetime | None = None) -> UserInfo:
    """Check the password; on success the hash is upgraded if it is of an older kind and the
    returned UserInfo says whether the password must be changed first (a default or reset
    one). Failures count towards a lockout with a growing delay; all of it is audited."""
    if not username.strip() or not password:
        raise ValidationError("请输入用户名和密码", "username and password required")
    name = username.strip()[:40]
    now = now or _now()
    locked_for = 0
    with db.uow(workstation=workstation) as s:
        user = s.scalar(select(User).where(User.username == name))
        if user is not None and user.locked_until is not None and user.locked_until > now:
            locked_for = int((user.locked_until - now).total_seconds()) + 1
            audit.record(s, "login.locked", username=name, workstation=workstation, seconds=locked_for)
            ok = None
        elif user is None or not user.active or not check_password(password, user.password_hash):
            detail: dict[str, Any] = {}
            if user is not None:
                user.failed_logins = (user.failed_logins or 0) + 1
                wait = lock_seconds(user.failed_logins)
                if wait:
                    user.locked_until = now + dt.timedelta(seconds=wait)
                    detail = {"failures": user.failed_logins, "locked_seconds": wait}
            audit.record(s, "login.failed", username=name, workstation=workstation, **detail)
            ok = None
        else:
            user.failed_logins, user.locked_until = 0, None
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
                audit.record(s, "password.rehash", username=user.username, workstation=workstation)
            audit.record(s, "login", username=user.username, workstation=workstation)
            ok = to_info(user, must_change=password == default_password(user.username))
    if locked_for:
        log.warning("sign-in of locked account %r at %s", name, workstation or "-")
        raise PermissionDenied(f"连续输错密码次数过多，账号已暂时锁定，请 {locked_for} 秒后再试，或请系统管理员重设密码",
                               f"account locked for {locked_for} s after repeated failures")
    if ok is None:
        log.warning("sign-in refused for %r at %s", name, workstation or "-")
        raise PermissionDenied("用户名或密码错误", "wrong username or password")
    log.info("signed in: %s (%s) at %s", ok.username, ok.role, workstation or "-")
    return ok


def check_new_password(username: str, password: str) -> None:
    """A new password: at least 8 characters, letters and digits, not the user name or a default."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"新密码至少 {MIN_PASSWORD_LENGTH} 位", "new password too short")
    if not any(c.isdigit() for c in password) or not any(c.isalpha() for c in password):
        raise ValidationError("新密码须同时包含字母和数字", "new password needs letters and digits")
    if password.lower() == username.lower() or password in {default_password(n) for n in
                                                             ("admin", "clerk", "agent", "manager")}:
        raise ValidationError("新密码不能与用户名或默认密码相同", "new password equals the name or a default")


def change_password(db: Database, username: str, old_password: str, new_password: str,
                    workstation: str = "") -> UserInfo:
    """The user changes their own password (the old one proves it is them)."""
    login(db, username, old_password, workstation)
    check_new_password(username, new_password)
    with db.uow() as s:
        user = s.scalar(select(User).where(User.username == username.strip()))
        assert user is not None
        user.password_hash = hash_password(new_password)
        user.must_change_password = False
        user.password_changed_at = _now()
        audit.record(s, "password.change", username=user.username, workstation=workstation)
        return to_info(user)


def verify_password(db: Database, user: UserInfo, password: str, workstation: str = "") -> UserInfo:
    """Unlock the counter's idle lock: the same user's password (counts towards lockout)."""
    return login(db, user.username, password, workstation)


def require_role(user: UserInfo | None, roles: Iterable[str], action: str, english: str = "") -> UserInfo:
    """Raise PermissionDenied unless ``user`` has one of ``roles`` (or is an admin)."""
    allowed = list(dict.fromkeys(roles))
    english = english or action
    if user is None:
        raise PermissionDenied(f"请先登录后再{action}", f"sign in to {english}")
    if user.role not in allowed and user.role != Role.ADMIN.value:
        names = "、".join(ROLE_LABELS.get(r, r) for r in allowed)
        raise PermissionDenied(f"只有{names}可以{action}", f"role {user.role} may not {english}")
    return user


def authorize(user: UserInfo | None, permission: str) -> str:
    """Check ``permission`` for ``user``; returns the name for the audit entry ("" for an
    in-process caller with no user)."""
    roles, action = PERMISSIONS[permission]
    if user is None:
        return ""
    require_role(user, roles, action, permission)
    return user.username


def may(user: UserInfo | None, permission: str) -> bool:
    """Whether a signed-in ``user`` may do ``permission`` (menus show only what the role can do)."""
    return user is not None and (user.role in PERMISSIONS[permission][0] or user.role == Role.ADMIN.value)


def is_manager(user: UserInfo | None) -> bool:
    return user is not None and user.role in MANAGING_ROLES
