"""The ``clerk`` command. With no sub-command it starts the desktop app.

Core commands live here; command groups outside the core (``devices``, the Qt app) register
through the ``clerk.commands`` entry-point group so this module never imports them.
Every error exits non-zero with one line: Chinese message (English message).
"""
from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points
from typing import Any, NoReturn

from .errors import ClerkError, PermissionDenied
from .privacy import printable

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3  # not signed in, wrong password or the role may not do it

Handler = Callable[[argparse.Namespace], int | None]


def _json_out(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")


class ClerkArgumentParser(argparse.ArgumentParser):
    """Usage errors in the same one-line form as every other error: 中文 (English); exit 2.
    Sub-command parsers inherit this class (argparse uses the parent's type)."""

    PATTERNS = (
        (re.compile(r"the following arguments are required: (.+)"), "缺少必填参数：{0}"),
        (re.compile(r"unrecognized arguments: (.+)"), "无法识别的参数：{0}"),
        (re.compile(r"argument (\S+): invalid choice: (.+?) \(choose from (.+)\)"), "参数 {0} 的取值 {1} 无效，可选：{2}"),
        (re.compile(r"argument (\S+): invalid (\w+) value: (.+)"), "参数 {0} 的值 {2} 无效"),
        (re.compile(r"argument (\S+): expected one argument"), "参数 {0} 后面需要一个值"),
        (re.compile(r"argument (\S+): (.+)"), "参数 {0} 有误：{1}"),
    )

    def error(self, message: str) -> NoReturn:
        zh = "命令参数有误"
        for pattern, text in self.PATTERNS:
            m = pattern.search(message)
            if m:
                zh = text.format(*m.groups())
                break
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, printable(f"错误：{zh} ({message})") + "\n")


def build_parser() -> argparse.ArgumentParser:
    p = ClerkArgumentParser(prog="clerk", description="Window Clerk 窗口综合受理")
    p.add_argument("--data-dir", help="数据目录 data folder (default: platform data folder or CLERK_DATA_DIR)")
    p.add_argument("--user", help="登录用户 sign in as NAME for commands that change data (or CLERK_USER); "
                   "password from a prompt, the OS keyring or CLERK_PASSWORD")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    from . import commands  # core command groups (catalog, db, validate, queue, …)

    commands.register(sub)
    for ep in entry_points(group="clerk.commands"):
        try:
            ep.load()(sub)
        except ImportError as exc:  # a missing optional extra must not break the core CLI
            print(f"警告：命令组 {ep.name} 不可用（{exc}）", file=sys.stderr)
    return p


def _start_log(args: argparse.Namespace) -> None:
    """Commands log to the same masked file as the app; a broken config is reported by the
    command itself, not here."""
    from .config import load_config
    from .logs import setup_logging

    try:
        setup_logging(load_config(args.data_dir).data_dir)
    except Exception:  # noqa: BLE001
        return


def main(argv: Sequence[str] | None = None) -> int:
    from .secure import private_umask

    private_umask()  # everything this process writes (database, log, spool, PDFs, backups) is owner-only
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        if args.command is None:
            # No sub-command: start the app (registered by ui.cli as the 'app' command).
            args = parser.parse_args([*(argv or sys.argv[1:]), "app"])
            handler = getattr(args, "handler", None)
        if handler is None:
            parser.print_help()
            return 2
    _start_log(args)
    try:
        return int(handler(args) or 0)
    except ClerkError as exc:
        logging.getLogger("clerk.cli").warning("%s: %s", args.command, exc.one_line())
        print(printable(f"错误：{exc.one_line()}"), file=sys.stderr)
        return EXIT_REFUSED if isinstance(exc, PermissionDenied) else EXIT_ERROR
    except Exception as exc:  # a database failure outside a unit of work: still one line
        from sqlalchemy.exc import SQLAlchemyError

        from .db import database_error

        if not isinstance(exc, SQLAlchemyError):
            raise
        print(printable(f"错误：{database_error(exc).one_line()}"), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
