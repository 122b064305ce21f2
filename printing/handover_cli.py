"""``clerk handover make|show|receive`` — the village agent's 交接单 from the command line.

Registered through the ``clerk.commands`` entry point (``make`` writes the PDF, and ``clerk/``
never imports ``printing``). ``make`` and ``receive`` change data: they sign in
(``clerk --user agent handover make``, ``clerk --user clerk handover receive JJ…``; password from
the prompt, the keyring or ``CLERK_PASSWORD``) and the service checks the role again.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

from clerk.dto import HandoverListInfo


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("handover", help="交接单 village agents' handover lists")
    hsub = p.add_subparsers(dest="handover_command", metavar="HANDOVER_COMMAND")
    m = hsub.add_parser("make", help="代办员：打印自上一张交接单以来受理的办件 make the next list (PDF)")
    m.add_argument("--out", help="PDF 文件（默认：数据目录/documents/编号-handover.pdf）")
    m.add_argument("--json", action="store_true", help="JSON 输出")
    m.set_defaults(handler=_make)
    s = hsub.add_parser("show", help="查看交接单 show a list (and reprint it with --out)")
    s.add_argument("number", help="交接单编号 JJ…")
    s.add_argument("--out", help="重新生成 PDF 到此文件")
    s.add_argument("--json", action="store_true", help="JSON 输出")
    s.set_defaults(handler=_show)
    r = hsub.add_parser("receive", help="中心接收交接单上的全部办件 receive all cases of a list")
    r.add_argument("number", help="交接单编号 JJ…（扫码或输入）")
    r.add_argument("--json", action="store_true", help="JSON 输出")
    r.set_defaults(handler=_receive)
    p.set_defaults(handler=lambda _a: (p.print_help(), 2)[1])


def _plain(info: HandoverListInfo) -> dict[str, Any]:
    out = dataclasses.asdict(info)
    out.update(cases=len(info.lines), originals=info.originals, copies=info.copies)
    return out


def _print_list(info: HandoverListInfo) -> None:
    print(f"交接单 {info.number} · 代办员 {info.agent_name} · {info.workstation} · {info.created_at:%Y-%m-%d %H:%M}")
    for i, x in enumerate(info.lines, 1):
        print(f"{i:>3}. {x.case_number}  {x.applicant} {x.id_number_masked}  {x.matter_name}  "
              f"原件 {x.originals} 份 复印件 {x.copies} 份")
    print(f"合计 {len(info.lines)} 件，原件 {info.originals} 份，复印件 {info.copies} 份")
    if info.received_at is not None:
        print(f"已于 {info.received_at:%Y-%m-%d %H:%M} 由 {info.received_name or info.received_by}"
              f"（{info.received_workstation}）接收")
    else:
        print("尚未接收")


def write_pdf(db: Any, cfg: Any, info: HandoverListInfo, out: str | None) -> Path:
    from clerk.bootstrap import hall_summary

    from .data import HallInfo
    from .handover import handover_data, render_handover
    from .system_print import save_pdf

    hall = hall_summary(db, cfg.hall_code)
    pdf = render_handover(handover_data(info, HallInfo(hall.name, hall.address, hall.phone)))
    path = Path(out) if out else cfg.data_dir / "documents" / f"{info.number}-handover.pdf"
    save_pdf(pdf, path)
    return path


def _make(args: argparse.Namespace) -> int:
    from clerk import handover
    from clerk.commands import open_config, open_db, sign_in

    cfg = open_config(args)
    db = open_db(args)
    try:
        user = sign_in(args, db, "handover.make")
        info = handover.make_list(db, user, workstation=cfg.workstation)
        path = write_pdf(db, cfg, info, args.out)
    finally:
        db.dispose()
    if args.json:
        sys.stdout.write(json.dumps({**_plain(info), "pdf": str(path)}, ensure_ascii=False, indent=2, default=str) + "\n")
    else:
        _print_list(info)
        print(f"已生成 {path}")
    return 0


def _show(args: argparse.Namespace) -> int:
    from clerk import handover
    from clerk.commands import open_config, open_db

    cfg = open_config(args)
    db = open_db(args)
    try:
        info = handover.get_list(db, args.number)
        path = write_pdf(db, cfg, info, args.out) if args.out else None
    finally:
        db.dispose()
    if args.json:
        sys.stdout.write(json.dumps(_plain(info), ensure_ascii=False, indent=2, default=str) + "\n")
    else:
        _print_list(info)
        if path is not None:
            print(f"已生成 {path}")
    return 0


def _receive(args: argparse.Namespace) -> int:
    from clerk import handover
    from clerk.commands import open_config, open_db, sign_in

    cfg = open_config(args)
    db = open_db(args)
    try:
        user = sign_in(args, db, "handover.receive")
        outcome = handover.receive_list(db, user, args.number, workstation=cfg.workstation)
    finally:
        db.dispose()
    if args.json:
        sys.stdout.write(json.dumps({**_plain(outcome.handover), "first": outcome.first}, ensure_ascii=False,
                                    indent=2, default=str) + "\n")
    else:
        print(handover.received_message(outcome))
    return 0
