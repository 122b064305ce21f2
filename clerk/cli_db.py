"""``clerk db upgrade|current``: schema migrations of the configured database."""
from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator

from . import migrate


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("db", help="数据库 database")
    dsub = p.add_subparsers(dest="db_command", metavar="DB_COMMAND")
    up = dsub.add_parser("upgrade", help="升级数据库结构 migrate to the newest schema")
    up.add_argument("--url", help="数据库地址 database URL (default: configured)")
    up.set_defaults(handler=_upgrade)
    cur = dsub.add_parser("current", help="当前结构版本 current revision")
    cur.add_argument("--url")
    cur.set_defaults(handler=_current)


def _url(args: argparse.Namespace) -> str:
    from .commands import open_config

    return args.url or open_config(args).database_url


def _upgrade(args: argparse.Namespace) -> int:
    url = _url(args)
    with _explained(url):
        migrate.upgrade(url)
        print(f"数据库已升级到最新版本 database upgraded: {migrate.current(url)}")
    return 0


def _current(args: argparse.Namespace) -> int:
    url = _url(args)
    with _explained(url):
        print(migrate.current(url) or "(empty)")
    return 0


@contextlib.contextmanager
def _explained(url: str) -> Iterator[None]:
    from sqlalchemy.exc import SQLAlchemyError

    from .db import database_error

    try:
        yield
    except SQLAlchemyError as exc:
        raise database_error(exc, url) from exc
