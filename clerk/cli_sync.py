"""``clerk sync …`` (push/pull with the back office) and ``clerk cases list --json``."""
from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from typing import Any

from .errors import ValidationError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sync", help="与部门后台同步 push the outbox, pull status changes")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--once", action="store_true", help="同步一轮 one round (push then pull)")
    what.add_argument("--loop", action="store_true", help="持续同步直到被停止 run until stopped")
    what.add_argument("--status", action="store_true", help="同步状态 pending, dead, last sync, online")
    what.add_argument("--items", action="store_true", help="待上传与失败的条目 pending and dead entries")
    what.add_argument("--retry", type=int, metavar="ID", help="重新发送一条失败的条目 resend a dead entry")
    what.add_argument("--retry-dead", action="store_true", help="重新发送全部失败条目 resend every dead entry")
    what.add_argument("--enrol", metavar="CODE", help="用大厅登记码登记本工作站 register with the hall's code")
    p.add_argument("--server", help="后台地址 back office URL, e.g. http://127.0.0.1:8700")
    p.add_argument("--name", default="", help="工作站名称 (with --enrol)")
    p.add_argument("--json", action="store_true", help="JSON 输出")
    p.set_defaults(handler=_sync)
    c = sub.add_parser("cases", help="办件 cases")
    csub = c.add_subparsers(dest="cases_command", metavar="CASES_COMMAND")
    ls = csub.add_parser("list", help="办件及同步状态 cases with their sync state")
    ls.add_argument("--limit", type=int, default=1000)
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=_cases_list)


def _out(args: argparse.Namespace, obj: Any, text: str) -> None:
    if args.json:
        sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")
    else:
        print(text)


def _sync(args: argparse.Namespace) -> int:
    from . import sync
    from .commands import acting, open_config, open_db

    db = open_db(args)
    files = open_config(args).files_dir
    if args.status:
        st = sync.status(db)
        if st["configured"] and not st["online"]:  # offline for days: since when, how many cases wait
            import datetime as dt

            from .sync.offline import offline_text

            _out(args, st, f"{offline_text(st, dt.datetime.now())} · 待上传 {st['pending']} 条")
            return 0
        _out(args, st, f"待上传 {st['pending']} · 失败 {st['dead']} · 上次同步 {st['last_sync'] or '—'} · "
                       f"{'在线' if st['online'] else '离线'}{' · ' + st['last_error'] if st['last_error'] else ''}")
        return 0
    if args.items:
        rows = sync.items(db)
        _out(args, rows, "\n".join(f"#{r['id']} {r['kind']} {r['number'] or ''} {r['state']} {r['last_error']}"
                                   for r in rows) or "（无）")
        return 0
    if args.retry is not None or args.retry_dead:
        n = sync.retry(db, args.retry, **acting(args, db, "sync.retry"))
        if args.retry is not None and n == 0:
            raise ValidationError(f"没有编号为 {args.retry} 的待重发条目", f"no dead entry {args.retry}")
        _out(args, {"resent": n}, f"已重新排队 {n} 条")
        return 0
    if args.enrol:
        if not args.server:
            raise ValidationError("登记须给出后台地址 --server", "--server is required with --enrol")
        who = acting(args, db, "sync.enrol")
        info = sync.enrol(db, args.server, args.enrol, args.name, user=who["user"])
        _out(args, info, f"已登记：{info['hall_name'] or info['hall_code']} {info['workstation']}")
        return 0
    if args.once:
        rep = sync.run_once(db, files, server=args.server)
        _out(args, rep.to_dict(), f"上传 {rep.sent} · 重试 {rep.retried} · 失败 {rep.dead} · 拉取 {rep.pulled} · "
                                  f"{'在线' if rep.online else '离线'}{' · ' + rep.error if rep.error else ''}")
        return 0 if rep.online or rep.busy else 3
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        sync.loop(db, files, stop, server=args.server,
                  on_round=(lambda r: print(json.dumps(r.to_dict(), ensure_ascii=False), flush=True))
                  if args.json else None)
    except KeyboardInterrupt:
        stop.set()
    return 0


def _cases_list(args: argparse.Namespace) -> int:
    from .commands import open_db
    from .sync import case_rows

    rows = case_rows(open_db(args), args.limit)
    _out(args, rows, "\n".join(f"{r['number']} {r['state']} {r['sync']}" for r in rows) or "（无）")
    return 0
