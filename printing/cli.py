"""``clerk report daily|range|supervision``: the manager's reports to a PDF or an Excel file, for a
scheduler (``clerk --user manager report daily …`` with ``CLERK_PASSWORD`` set, or the keyring).

Registered through the ``clerk.commands`` entry point (``clerk/`` never imports ``printing``).
The command signs in (``clerk.commands.sign_in``, permission ``reports.view``: manager or admin)
and passes the user to ``run_report``, which checks it again.
"""
from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from clerk.dto import UserInfo
from clerk.errors import ValidationError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="日报、周报、月报 hall reports (PDF or XLSX)")
    rsub = p.add_subparsers(dest="report_command", metavar="REPORT_COMMAND")
    d = rsub.add_parser("daily", help="日报 one day")
    d.add_argument("--date", type=_date, help="统计日期 YYYY-MM-DD (default: today)")
    d.add_argument("--out", required=True, help="输出文件 .pdf 或 .xlsx")
    d.set_defaults(handler=_handler)
    r = rsub.add_parser("range", help="周报/月报/任意区间 a range of days")
    r.add_argument("--from", dest="date_from", type=_date, required=True, help="开始日期 YYYY-MM-DD")
    r.add_argument("--to", dest="date_to", type=_date, required=True, help="结束日期 YYYY-MM-DD")
    r.add_argument("--out", required=True, help="输出文件 .pdf 或 .xlsx")
    r.set_defaults(handler=_handler)
    s = rsub.add_parser("supervision", help="电子监察 overdue and near-overdue cases")
    s.add_argument("--out", required=True, help="输出文件 .xlsx")
    s.set_defaults(handler=_handler)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应为 YYYY-MM-DD：{text}") from None


def _handler(args: argparse.Namespace) -> int:
    from clerk.commands import open_config, open_db, sign_in

    cfg = open_config(args)
    db = open_db(args)
    try:
        # --user (or CLERK_USER) with CLERK_PASSWORD for a scheduled job: a manager or an admin
        path = run_report(db, cfg.hall_code, args, user=sign_in(args, db, "reports.view"))
    finally:
        db.dispose()
    print(f"已生成 {path}")
    return 0


def run_report(db, hall_code: str, args: argparse.Namespace, user: UserInfo | None = None) -> Path:
    """Make the report ``args`` ask for and write it to ``args.out``. ``user``: the signed-in
    person once the CLI has sign-in; when given it must be a manager (or admin)."""
    from clerk import reports
    from clerk.auth import authorize
    from clerk.bootstrap import hall_summary

    from . import report as rp
    from .data import HallInfo

    if user is not None:
        authorize(user, "reports.view")
    out = Path(args.out)
    kind = out.suffix.lower()
    command = args.report_command
    if kind not in (".pdf", ".xlsx") or (command == "supervision" and kind != ".xlsx"):
        allowed = ".xlsx" if command == "supervision" else ".pdf 或 .xlsx"
        raise ValidationError(f"输出文件应以 {allowed} 结尾：{out.name}", f"--out must end in {allowed}")
    summary = hall_summary(db, hall_code)
    hall = HallInfo(summary.name, summary.address, summary.phone)
    if command == "daily":
        rep = reports.daily_report(db, hall_code, args.date or dt.date.today())
        data = rp.daily_pdf(rep, hall) if kind == ".pdf" else rp.daily_xlsx(rep)
    elif command == "range":
        rr = reports.range_report(db, hall_code, args.date_from, args.date_to)
        data = rp.range_pdf(rr, hall) if kind == ".pdf" else rp.range_xlsx(rr)
    else:
        data = rp.supervision_xlsx(reports.supervision(db))
    from clerk.fileio import write_atomic

    try:
        write_atomic(out, data)
    except OSError as exc:
        raise ValidationError(f"无法写入 {out}（{exc.strerror or exc}）", f"cannot write {out}: {exc}") from exc
    return out
