"""``clerk demo seed``: fill the configured database with a realistic hall history (clerk.demo)."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="演示数据 demo data")
    dsub = p.add_subparsers(dest="demo_command", metavar="DEMO_COMMAND")
    s = dsub.add_parser("seed", help="生成近若干工作日的大厅历史（取号、办件、评价、扫描件） seed a hall history")
    s.add_argument("--cases", type=int, default=200, help="办件数 number of cases (default 200)")
    s.add_argument("--days", type=int, default=5, help="最近几个工作日 working days (default 5)")
    s.add_argument("--attachments-mb", type=float, default=0, help="扫描件总量上限 MB attachments budget")
    s.add_argument("--seed", type=int, default=1, help="随机种子 random seed (same seed, same history)")
    s.add_argument("--end", type=dt.date.fromisoformat, help="最后一天 YYYY-MM-DD (default: yesterday)")
    s.add_argument("--windows", type=int, help="窗口数（不足时补齐） grow the hall to this many windows")
    s.add_argument("--json", action="store_true", help="以 JSON 输出结果 print the result as JSON")
    s.set_defaults(handler=_seed)


def _seed(args: argparse.Namespace) -> int:
    from .commands import open_config, open_db, sign_in
    from .demo import fast_sqlite, seed_demo

    cfg = open_config(args)
    first = open_db(args)  # migrated and seeded with the hall, accounts and catalog
    try:
        sign_in(args, first, "demo.seed")  # an admin: it writes a whole history into the hall
    finally:
        first.dispose()
    db = fast_sqlite(cfg.database_url)
    try:
        result = seed_demo(db, cfg.files_dir, cases_total=args.cases, days=args.days,
                           attachments_mb=args.attachments_mb, seed=args.seed, end=args.end,
                           windows=args.windows, progress=lambda m: print(m, file=sys.stderr))
    finally:
        db.dispose()
    if args.json:
        out = {k: getattr(result, k) for k in ("tickets", "cases", "matter_cases", "attachments",
                                                 "attachment_bytes", "evaluations", "seconds")}
        out["days"] = [d.isoformat() for d in result.days]
        out["seconds_per_1000_cases"] = round(result.seconds_per_1000_cases, 1)
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(f"已生成 {result.days[0]}–{result.days[-1]} 共 {len(result.days)} 个工作日：号票 {result.tickets} 张，"
              f"办件 {result.cases} 件（另一件事子件 {result.matter_cases} 件），扫描件 {result.attachments} 份 "
              f"{result.attachment_bytes / 1048576:.1f} MB，评价 {result.evaluations} 条；用时 {result.seconds:.1f} 秒"
              f"（每千件 {result.seconds_per_1000_cases:.0f} 秒）")
    return 0
