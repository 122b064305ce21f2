"""Sign-in and role checks. A failed sign-in says the same thing whichever part was wrong."""
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
               Role.MANAGER.value: "中心管理员", Role.ADMIN.value: "系统管理员"}


def to_info(user: User) -> UserInfo:
    return UserInfo(id=user.id, username=user.username, display_name=user.display_name,
                    role=user.role, hall_id=user.hall_id)


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


def require_role(user: UserInfo | None, roles: Iterable[str], action: str) -> UserInfo:
    """Raise PermissionDenied unless ``user`` has one of ``roles``."""
    allowed = set(roles)
    if user is None:
        raise PermissionDenied(f"请先登录后再{action}", f"sign in to {action}")
    if user.role not in allowed and user.role != Role.ADMIN.value:
        names = "、".join(ROLE_LABELS.get(r, r) for r in sorted(allowed))
        raise PermissionDenied(f"只有{names}可以{action}", f"role {user.role} may not {action}")
    return user


COUNTER_ROLES = (Role.CLERK.value, Role.AGENT.value)
