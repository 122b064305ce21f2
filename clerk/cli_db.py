"""``clerk db upgrade|current|check|backup|restore``: schema migrations, the integrity check,
backup and restore of the configured database (backup and restore: an admin signs in)."""
from __future__ import annotations

import argparse
import contextlib
import sys
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
    chk = dsub.add_parser("check", help="检查数据库完整性 PRAGMA quick_check (SQLite)")
    chk.set_defaults(handler=_check)
    bk = dsub.add_parser("backup", help="备份数据库和扫描件 back up the database and attachments into one archive")
    bk.add_argument("file", nargs="?", help="备份文件 archive (.zip); with --auto: the data folder's backups/")
    bk.add_argument("--auto", action="store_true", help="每日自动备份（今天已备份则跳过）并轮换 daily backup with rotation")
    bk.set_defaults(handler=_backup)
    rs = dsub.add_parser("restore", help="从备份恢复 restore from an archive (the current database is kept)")
    rs.add_argument("file")
    rs.set_defaults(handler=_restore)
    pg = dsub.add_parser("purge-attachments", help="清理已办结办件的扫描件 delete scans of cases finished "
                         "more than N days ago (config retention_days)")
    pg.add_argument("--days", type=int, help="保留天数 days to keep (default: config retention_days)")
    pg.add_argument("--dry-run", action="store_true", help="只列出，不删除 list only")
    pg.set_defaults(handler=_purge)


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


def _check(args: argparse.Namespace) -> int:
    from .backup import check_database
    from .commands import open_config

    cfg = open_config(args)
    check_database(cfg)
    print("数据库完整性检查通过 quick_check ok" if cfg.is_sqlite else "PostgreSQL 数据库由服务器检查 (not SQLite)")
    return 0


def _backup(args: argparse.Namespace) -> int:
    from . import backup
    from .commands import open_db, sign_in
    from .errors import ValidationError

    if not args.file and not args.auto:
        raise ValidationError("请给出备份文件名，或用 --auto 做每日自动备份", "name the archive or use --auto")
    db = open_db(args)
    try:
        sign_in(args, db, "data.maintain")
    finally:
        db.dispose()
    from .commands import open_config

    cfg = open_config(args)
    report = backup.daily_backup(cfg) if args.auto and not args.file else backup.backup(cfg, args.file)
    if report is None:
        print("今天已备份，跳过 today's backup exists")
        return 0
    print(f"已备份到 {report.path}：数据库（{report.database}，版本 {report.revision}）和 {report.files} 个文件，"
          f"共 {report.bytes / 1e6:.1f} MB")
    for skipped in report.skipped:
        print(f"警告：未能读取 {skipped}", file=sys.stderr)
    return 0


def _restore(args: argparse.Namespace) -> int:
    from . import backup
    from .commands import open_config, sign_in
    from .config import check_config
    from .db import Database
    from .secure import sqlite_path

    cfg = check_config(open_config(args))
    backup.verify(args.file)  # a damaged archive is refused before anyone signs in or anything moves
    current_file = sqlite_path(cfg.database_url)
    healthy = not cfg.is_sqlite or (current_file is not None and current_file.exists()
                                    and not backup.quick_check_file(current_file))
    if healthy:
        # A working database: only its admin may overwrite it. A damaged or missing one cannot
        # check a password; whoever can reach the data folder restores it (and could anyway).
        db = Database(cfg.database_url)
        try:
            sign_in(args, db, "data.maintain")
        finally:
            db.dispose()
    report = backup.restore(cfg, args.file)
    with _explained(cfg.database_url):
        migrate.ensure_current(cfg.database_url)
    kept = f"；原数据库已保留为 {report.kept_as}" if report.kept_as else ""
    print(f"已从 {args.file} 恢复数据库，补回 {report.files_added} 个文件（{report.files_present} 个已存在）{kept}")
    return 0


def _purge(args: argparse.Namespace) -> int:
    from . import retention
    from .commands import acting, open_config, open_db
    from .errors import ValidationError

    cfg = open_config(args)
    days = args.days or retention.retention_days(cfg)
    if not days:
        raise ValidationError(f"未设置保留天数：请用 --days 或在 config.json 中设置 {retention.SETTING}",
                              "no retention period: --days or retention_days")
    db = open_db(args)
    try:
        report = retention.purge_attachments(db, cfg.files_dir, days, dry_run=args.dry_run,
                                             **acting(args, db, "data.maintain"))
    finally:
        db.dispose()
    verb = "将清理" if report.dry_run else "已清理"
    print(f"{verb} {len(report.cases)} 个办件的 {report.attachments} 个扫描件"
          + ("" if report.dry_run else f"，删除 {report.files_deleted} 个文件，释放 {report.bytes_freed / 1e6:.1f} MB"))
    if report.waiting_for_back_office:
        print(f"另有 {report.waiting_for_back_office} 个办件等待后台确认收到后再清理")
    return 0
