"""Sign-in and role checks. A failed sign-in says the same thing whichever part was wrong.

One rule: every service that changes data names a permission below and calls :func:`authorize`
with the acting user; the permission table is the one place that says who may do what.
``user=None`` is an in-process caller that predates sign-in (seeding, tests); the CLI and the
app always pass a user. Kiosk and display workstations act as service accounts
(:func:`service_account`) that can take tickets / read the board and nothing else.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import select

from . import audit
from .bootstrap import check_password
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
    "data.maintain": ((Role.ADMIN.value,), "备份、恢复或清理数据"),
    "reports.view": (MANAGING_ROLES, "查看大厅运行概况和报表"),
    "demo.seed": ((Role.ADMIN.value,), "生成演示数据"),
}


def to_info(user: User) -> UserInfo:
    return UserInfo(id=user.id, username=user.username, display_name=user.display_name,
                    role=user.role, hall_id=user.hall_id)


def service_account(role: str, workstation: str) -> UserInfo:
    """The limited account a kiosk or display workstation acts as (no password: anyone standing
    at a kiosk may take a ticket; that is all the account can do)."""
    if role not in SERVICE_ROLES:
        raise ValueError(f"not a service role: {role}")
    return UserInfo(id=0, username=f"{role}:{workstation or '-'}"[:40], display_name=ROLE_LABELS[role], role=role)


def login(db: Database, username: str, password: str, workstation: str = "") -> UserInfo:
    if not username.strip() or not password:
        raise ValidationError("请输入用户名和密码", "username and password required")
    with db.uow(workstation=workstation) as s:
        user = s.scalar(select(User).where(User.username == username.strip()))
        if user is None or not user.active or not check_password(password, user.password_hash):
            audit.record(s, "login.failed", username=username.strip()[:40], workstation=workstation)
            ok = None
        else:
            audit.record(s, "login", username=user.username, workstation=workstation)
            ok = to_info(user)
    if ok is None:
        log.warning("sign-in refused for %r at %s", username.strip()[:40], workstation or "-")
        raise PermissionDenied("用户名或密码错误", "wrong username or password")
    log.info("signed in: %s (%s) at %s", ok.username, ok.role, workstation or "-")
    return ok


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


def is_manager(user: UserInfo | None) -> bool:
    return user is not None and user.role in MANAGING_ROLES
