"""``clerk users list|add|reset-password|disable|enable|unlock|passwd``: accounts from a terminal.

All but ``passwd`` need a signed-in system admin; ``passwd`` changes the signed-in user's own
password (also the way out of a default or temporary one). New passwords come from a prompt
or, for scripts, CLERK_NEW_PASSWORD.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys

from . import accounts, auth
from .errors import ValidationError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("users", help="用户账号 user accounts (system admin)")
    u = p.add_subparsers(dest="users_command", metavar="USERS_COMMAND")
    ls = u.add_parser("list", help="列出账号 list accounts")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=_list)
    add = u.add_parser("add", help="新增账号 add an account (temporary password)")
    add.add_argument("username")
    add.add_argument("--name", required=True, help="姓名 display name")
    add.add_argument("--role", required=True, choices=accounts.PERSON_ROLES)
    add.set_defaults(handler=_add)
    rp = u.add_parser("reset-password", help="重设密码 set a temporary password")
    rp.add_argument("username")
    rp.set_defaults(handler=_reset)
    for name, active in (("disable", False), ("enable", True)):
        c = u.add_parser(name, help=("停用" if not active else "启用") + "账号")
        c.add_argument("username")
        c.set_defaults(handler=_active, active=active)
    ul = u.add_parser("unlock", help="解除锁定 lift a lockout")
    ul.add_argument("username")
    ul.set_defaults(handler=_unlock)
    pw = u.add_parser("passwd", help="修改自己的密码 change your own password")
    pw.set_defaults(handler=_passwd, changing_password=True)
    p.set_defaults(handler=lambda _a: (p.print_help(), 2)[1])


def _new_password(prompt: str = "新密码 new password: ") -> str:
    if os.environ.get("CLERK_NEW_PASSWORD"):
        return os.environ["CLERK_NEW_PASSWORD"]
    if sys.stdin is None or not sys.stdin.isatty():
        raise ValidationError("请在终端中输入新密码，或用环境变量 CLERK_NEW_PASSWORD 提供",
                              "new password: use a terminal or CLERK_NEW_PASSWORD")
    import getpass

    first = getpass.getpass(prompt)
    if getpass.getpass("再输入一次 again: ") != first:
        raise ValidationError("两次输入的新密码不一致", "the new passwords differ")
    return first


def _admin(args: argparse.Namespace):
    from .commands import acting, open_db

    db = open_db(args)
    return db, acting(args, db, "users.manage")


def _list(args: argparse.Namespace) -> int:
    db, who = _admin(args)
    rows = accounts.list_users(db, user=who["user"])
    if args.json:
        sys.stdout.write(json.dumps([dataclasses.asdict(r) for r in rows], ensure_ascii=False, indent=2,
                                    default=str) + "\n")
        return 0
    for r in rows:
        state = "停用" if not r.active else ("须改密码" if r.must_change_password else "正常")
        print(f"{r.username}\t{r.display_name}\t{r.role_label}\t{state}")
    return 0


def _add(args: argparse.Namespace) -> int:
    db, who = _admin(args)
    cfg_hall = None
    from .commands import open_config

    cfg_hall = open_config(args).hall_code
    acc = accounts.add_user(db, args.username, args.name, args.role, _new_password("临时密码 temporary password: "),
                            hall_code=cfg_hall, **who)
    print(f"已新增 {acc.username}（{acc.display_name}，{acc.role_label}），首次登录须修改密码")
    return 0


def _reset(args: argparse.Namespace) -> int:
    db, who = _admin(args)
    acc = accounts.reset_password(db, args.username, _new_password("临时密码 temporary password: "), **who)
    print(f"已重设 {acc.username} 的密码，下次登录须修改")
    return 0


def _active(args: argparse.Namespace) -> int:
    db, who = _admin(args)
    acc = accounts.set_active(db, args.username, args.active, **who)
    print(f"已{'启用' if acc.active else '停用'} {acc.username}")
    return 0


def _unlock(args: argparse.Namespace) -> int:
    db, who = _admin(args)
    acc = accounts.unlock(db, args.username, **who)
    print(f"已解除 {acc.username} 的锁定")
    return 0


def _passwd(args: argparse.Namespace) -> int:
    from .commands import SIGN_IN_HELP, _password_for, open_config, open_db
    from .errors import PermissionDenied

    name = (getattr(args, "user", None) or os.environ.get("CLERK_USER") or "").strip()
    if not name:
        raise PermissionDenied(f"修改密码需要登录：{SIGN_IN_HELP[0]}", f"passwd needs a user: {SIGN_IN_HELP[1]}")
    db = open_db(args)
    old = _password_for(name) or ""
    auth.change_password(db, name, old, _new_password(), open_config(args).workstation)
    print(f"{name} 的密码已修改")
    return 0
