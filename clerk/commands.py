"""Core ``clerk`` command groups and the helper that opens the configured database.

Each group lives in its own ``clerk/cli_*.py`` module with a ``register(subparsers)`` function.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Any

from .config import Config, check_config, load_config
from .db import Database
from .dto import UserInfo
from .errors import PermissionDenied
from .migrate import ensure_current

KEYRING_SERVICE = "WindowClerk"
SIGN_IN_HELP = ("请用 --user 用户名 登录（密码来自提示输入、系统钥匙串或环境变量 CLERK_PASSWORD）",
                "sign in with --user NAME (password from the prompt, the OS keyring or CLERK_PASSWORD)")

GROUPS = ("clerk.cli_db", "clerk.cli_validate", "clerk.cli_catalog", "clerk.cli_queue", "clerk.doctor",
          "clerk.cli_sync")


def register(sub: argparse._SubParsersAction) -> None:
    for name in GROUPS:
        importlib.import_module(name).register(sub)


def open_config(args: argparse.Namespace) -> Config:
    return load_config(getattr(args, "data_dir", None))


def open_db(args: argparse.Namespace, *, migrate: bool = True, seed: bool = True) -> Database:
    """The configured database, migrated to head and, on first use, seeded with the demo hall,
    the default accounts and the demo catalog."""
    from sqlalchemy.exc import SQLAlchemyError

    from .db import database_error

    cfg = check_config(open_config(args))
    from .secure import make_private

    make_private(cfg.data_dir)
    try:
        if migrate:
            ensure_current(cfg.database_url)
        db = Database(cfg.database_url)
        check_hall(db, cfg)
        if seed:
            from .seed import seed_defaults

            seed_defaults(db, cfg)
    except SQLAlchemyError as exc:
        raise database_error(exc, cfg.database_url) from exc
    return db


def check_hall(db: Database, cfg: Config) -> None:
    """The configured hall must exist once the database has any hall: a hall is created only on
    first use of an empty database, never because config.json names an unknown code (on a shared
    PostgreSQL that would split the hall's queue)."""
    from sqlalchemy import select

    from .errors import ClerkError
    from .models import Hall

    with db.uow() as s:
        halls = s.execute(select(Hall.code, Hall.name).order_by(Hall.code)).all()
    if halls and cfg.hall_code not in {c for c, _ in halls}:
        known = "、".join(f"{c} {n}" for c, n in halls[:5])
        raise ClerkError(f"数据库中没有编码为 {cfg.hall_code} 的大厅（已有：{known}），未启动。"
                         f"请改正 {cfg.config_file} 中的 hall_code",
                         f"no hall {cfg.hall_code} in the database; fix hall_code in {cfg.config_file}")


def _password_for(name: str) -> str | None:
    """CLERK_PASSWORD (scheduled jobs) > the OS keyring > a prompt when a person is at the terminal."""
    if os.environ.get("CLERK_PASSWORD"):
        return os.environ["CLERK_PASSWORD"]
    try:
        import keyring  # optional: a workstation that stored the password with `keyring set`

        stored = keyring.get_password(KEYRING_SERVICE, name)
    except Exception:  # noqa: BLE001
        stored = None
    if stored:
        return stored
    if sys.stdin is not None and sys.stdin.isatty():
        import getpass

        return getpass.getpass(f"{name} 的密码 password: ")
    return None


def sign_in(args: argparse.Namespace, db: Database, permission: str) -> UserInfo:
    """The user a data-changing command acts as: ``--user`` (or CLERK_USER) signed in with a
    password, then checked for ``permission``. Refuses (PermissionDenied, exit 3) otherwise."""
    from .auth import PERMISSIONS, authorize, login

    name = (getattr(args, "user", None) or os.environ.get("CLERK_USER") or "").strip()
    action = PERMISSIONS[permission][1]
    if not name:
        raise PermissionDenied(f"{action}需要登录：{SIGN_IN_HELP[0]}", f"{permission} needs a user: {SIGN_IN_HELP[1]}")
    password = _password_for(name)
    if not password:
        raise PermissionDenied(f"没有 {name} 的密码：{SIGN_IN_HELP[0]}", f"no password for {name}: {SIGN_IN_HELP[1]}")
    user = login(db, name, password, open_config(args).workstation)
    authorize(user, permission)
    return user


def acting(args: argparse.Namespace, db: Database, permission: str) -> dict[str, Any]:
    """``user=`` and ``workstation=`` keywords for a service call made by a signed-in command."""
    return {"user": sign_in(args, db, permission), "workstation": open_config(args).workstation}
