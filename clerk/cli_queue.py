"""``clerk queue …``: take, call, recall, start, finish, no-show, return, transfer, walk-in,
pause/resume, heartbeat, release, status, and the hall's lanes and 过号 grace — the hall queue
from a terminal or a kiosk script.

One rule: handlers only parse and print; every decision is in ``clerk.queue``. A ticket is named
by ``--ticket A003`` (today's number) or by the ``--window N`` that holds it. Ticket printing is
not here (``clerk`` never imports devices); the devices side prints from ``take --json``.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from typing import Any

from sqlalchemy import select

from . import queue
from .auth import is_manager, service_account
from .bootstrap import ensure_hall
from .db import Database
from .errors import ClerkError, NotFound, ValidationError
from .models import Hall

# The CLI exits at once and sends no heartbeat, so its calls get a long lease.
CLI_LEASE_SECONDS = 900
# `take --printer`: the ticket was issued (its number is on stdout) but not printed — a kiosk
# script must not take a second ticket; it reprints from the spool instead.
EXIT_NOT_PRINTED = 4


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("queue", help="排队叫号 hall queue")
    p.add_argument("--hall", help="大厅编码 hall code (default: configured)")
    q = p.add_subparsers(dest="queue_command", metavar="QUEUE_COMMAND")

    def cmd(name: str, help_text: str, handler: Any, *, window: bool = False, ticket: bool = False,
            holder: bool = False) -> argparse.ArgumentParser:
        c = q.add_parser(name, help=help_text)
        c.add_argument("--json", action="store_true", help="输出 JSON")
        if ticket:
            c.add_argument("--ticket", help="号码 ticket number, e.g. A003 (today)")
        if window:
            c.add_argument("--window", type=int, required=not ticket, help="窗口号 window number")
        if holder:
            c.add_argument("--holder", help="呼叫方标识 holder (default: cli:<workstation>)")
        c.set_defaults(handler=handler)
        return c

    take = cmd("take", "取号 issue a ticket", _take)
    take.add_argument("--zone", required=True, help="分区代码或名称 zone code or name, e.g. SS / 商事登记")
    take.add_argument("--lane", default="normal", help="通道 lane, one the hall has open (clerk queue lanes); "
                      "by default: " + ", ".join(f"{k} {v.label}" for k, v in queue.LANES.items()))
    take.add_argument("--applicant-id", type=int, help="申请人编号 applicant id (repeat visitors)")
    take.add_argument("--printer", help="取号打印机 ticket printer URL, e.g. tcp://192.168.1.60:9100; "
                      f"issued but not printed: exit {EXIT_NOT_PRINTED}, JSON printed=false and print_error")
    call = cmd("call", "叫号 call the next ticket", _call, window=True, holder=True)
    call.add_argument("--lease", type=int, default=CLI_LEASE_SECONDS, help="租约秒数 lease seconds")
    cmd("recall", "重呼 call the same ticket again", _recall, window=True, ticket=True, holder=True)
    cmd("start", "开始办理 start serving", _start, window=True, ticket=True, holder=True)
    cmd("finish", "办结 finish", _finish, window=True, ticket=True, holder=True)
    cmd("no-show", "过号 the called person did not come", _no_show, window=True, ticket=True, holder=True)
    cmd("cancel", "取消 cancel a waiting ticket", _cancel, ticket=True)
    ret = cmd("return", "过号重排 put a missed ticket back", _return, ticket=True)
    ret.add_argument("--grace", type=int, help="宽限分钟 grace minutes (default: the hall's setting)")
    tr = cmd("transfer", "转移 transfer to a zone or window", _transfer, window=True, ticket=True, holder=True)
    tr.add_argument("--to-zone", help="转往分区 target zone")
    tr.add_argument("--to-window", type=int, help="转往窗口 target window")
    tr.add_argument("--note", default="", help="转移说明 note")
    walk = cmd("walk-in", "窗口直接办理 serve someone without a ticket", _walk_in, window=True, holder=True)
    walk.add_argument("--zone", required=True)
    cmd("pause", "暂停叫号 pause a window", _pause, window=True)
    cmd("resume", "恢复叫号 resume a window", _resume, window=True)
    hb = cmd("heartbeat", "续约 renew the holder's leases", _heartbeat, holder=True)
    hb.add_argument("--lease", type=int, default=CLI_LEASE_SECONDS)
    cmd("release", "释放超时号 release expired calls", _release)
    cmd("status", "大厅排队情况 queue status", _status)
    lanes = cmd("lanes", "优先通道设置 the hall's lanes (show, --set FILE, --reset)", _lanes)
    how = lanes.add_mutually_exclusive_group()
    how.add_argument("--set", metavar="FILE", help='通道设置 JSON 文件 lanes JSON file ("-": stdin), e.g. '
                     '{"lanes": [{"key": "normal", "label": "普通", "priority": 0}, {"key": "elderly", "enabled": false}]}')
    how.add_argument("--reset", action="store_true", help="恢复默认通道 back to the default lanes")
    grace = cmd("grace", "过号重排宽限 the hall's no-show grace (show, --set MINUTES)", _grace)
    grace.add_argument("--set", type=int, metavar="MINUTES", help="宽限分钟 grace minutes (0: no return)")


# --------------------------------------------------------------------------- plumbing

def _open(args: argparse.Namespace) -> tuple[Database, str, str]:
    from .commands import open_config, open_db

    cfg = open_config(args)
    try:
        db = open_db(args)
    except ImportError:
        # The seeding module pulls in the catalog importer; the queue only needs the hall.
        db = open_db(args, seed=False)  # checks the configured hall (never created for a wrong code)
        with db.uow() as s:
            if not s.scalar(select(Hall.id).limit(1)):
                ensure_hall(s, code=cfg.hall_code)
    return db, args.hall or cfg.hall_code, f"cli:{cfg.workstation}"


def _who(args: argparse.Namespace, db: Database, permission: str) -> dict[str, Any]:
    """``user=``/``workstation=`` for a changing command (signed in, or refused with exit 3)."""
    from .commands import acting

    return acting(args, db, permission)


def _holder(args: argparse.Namespace, who: dict[str, Any], default: str) -> str | None:
    """The holder a window action acts as: a manager may act on any ticket (None); anyone else
    only on tickets their own calls hold (``--holder`` or cli:<workstation>, bound to the signed-in
    user by the service, so another window's holder string does not open its tickets)."""
    return None if is_manager(who["user"]) and not args.holder else (args.holder or default)


def _plain(obj: Any) -> Any:
    if obj is None or not dataclasses.is_dataclass(obj) or isinstance(obj, type):
        return obj
    data = dataclasses.asdict(obj)
    if isinstance(obj, queue.TicketInfo):
        data.update(wait_minutes=obj.wait_minutes, serve_minutes=obj.serve_minutes)
    if isinstance(obj, queue.QueueStatus):
        data["waiting"] = obj.waiting
    return data


def _emit(args: argparse.Namespace, obj: Any, line: str) -> int:
    if args.json:
        sys.stdout.write(json.dumps(_plain(obj), ensure_ascii=False, indent=2, default=str) + "\n")
    else:
        print(line)
    return 0


def _line(t: queue.TicketInfo | None) -> str:
    if t is None:
        return "当前没有等候的号 nobody waiting"
    where = f" {t.window_number} 号窗口" if t.window_number else ""
    ahead = f"，前面 {t.ahead} 人" if t.state == "waiting" else ""
    return f"{t.display} {t.zone_name} {t.lane_label} {t.state_label}{where}{ahead}"


def _ticket_id(args: argparse.Namespace, db: Database, hall: str) -> int:
    if getattr(args, "ticket", None):
        return queue.find_ticket(db, hall, args.ticket).id
    if getattr(args, "window", None) is None:
        raise NotFound("请用 --ticket 或 --window 指明号码", "name the ticket with --ticket or --window")
    current = queue.current_ticket(db, hall, args.window)
    if current is None:
        raise NotFound(f"{args.window} 号窗口当前没有号", f"window {args.window} holds no ticket")
    return current.id


# --------------------------------------------------------------------------- handlers

def _take(args: argparse.Namespace) -> int:
    import os

    from .commands import open_config

    db, hall, _ = _open(args)
    if getattr(args, "user", None) or os.environ.get("CLERK_USER"):
        who = _who(args, db, "queue.take")
    else:
        # A kiosk script: the workstation's take-only service account, audited as such.
        ws = open_config(args).workstation
        who = {"user": service_account("kiosk", ws), "workstation": ws}
    t = queue.take_ticket(db, hall, args.zone, lane=args.lane, applicant_id=args.applicant_id, **who)
    repeat = f"（今日另有未办结：{'、'.join(t.repeat_open)}）" if t.repeat_open else ""
    if not args.printer:
        return _emit(args, t, _line(t) + repeat)
    # The ticket is issued whatever the printer does; the output says both.
    error = None
    try:
        _print_ticket(args, db, hall, t)
    except ClerkError as exc:
        error = exc
    if args.json:
        data = _plain(t) | {"printed": error is None, "print_error": error.message if error else None,
                            "print_job": error.details.get("job_id") if error else None}
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    else:
        print(_line(t) + repeat + ("" if error is None else "（未打印）"))
    if error is not None:
        from .privacy import printable

        print(printable(f"错误：{error.one_line()}"), file=sys.stderr)
        return EXIT_NOT_PRINTED
    return 0


def _print_ticket(args: argparse.Namespace, db: Any, hall_code: str, t: queue.TicketInfo) -> None:
    from importlib.metadata import entry_points

    from .commands import open_config

    printers = {ep.name: ep for ep in entry_points(group="clerk.ticket_printers")}
    if "escpos" not in printers:
        raise ClerkError(f"未安装取号打印驱动，号码 {t.display} 已发出", "no ticket printer driver installed")
    with db.uow() as s:
        hall = s.scalar(select(Hall).where(Hall.code == hall_code))
        name = hall.name if hall else "行政服务中心"
    spool = open_config(args).data_dir / "spool"
    try:
        message = printers["escpos"].load()(
            args.printer, t, name, spool_dir=spool, qr_payload=queue.ticket_qr_payload(hall_code, t),
            note=queue.no_show_note(queue.no_show_grace_minutes(db, hall_code)))
    except ClerkError as exc:
        raise ClerkError(f"{exc.message}（号码 {t.display} 已发出，可重打）",
                         f"{exc.english} (ticket {t.display} was issued)", **exc.details) from exc
    print(message, file=sys.stderr)


def _call(args: argparse.Namespace) -> int:
    db, hall, holder = _open(args)
    who = _who(args, db, "queue.window")
    t = queue.call_next(db, hall, args.window, args.holder or holder, lease_seconds=args.lease, **who)
    return _emit(args, t, _line(t))


def _simple(action: Any, *, held: bool = True) -> Any:
    def handler(args: argparse.Namespace) -> int:
        db, hall, default_holder = _open(args)
        who = _who(args, db, "queue.window")
        tid = _ticket_id(args, db, hall)
        if held:
            t = action(db, tid, _holder(args, who, default_holder), **who)
        else:
            t = action(db, tid, **who)
        return _emit(args, t, _line(t))
    return handler


_recall = _simple(lambda db, tid, holder, **who: queue.recall(db, tid, holder, lease_seconds=CLI_LEASE_SECONDS,
                                                              **who))
_start = _simple(queue.start_serving)
_finish = _simple(queue.finish)
_no_show = _simple(queue.no_show)
_cancel = _simple(queue.cancel, held=False)


def _return(args: argparse.Namespace) -> int:
    db, hall, _ = _open(args)
    if not args.ticket:
        raise NotFound("请用 --ticket 指明过号的号码", "name the missed ticket with --ticket")
    who = _who(args, db, "queue.window")
    t = queue.return_ticket(db, hall, args.ticket, grace_minutes=args.grace, **who)
    return _emit(args, t, _line(t))


def _transfer(args: argparse.Namespace) -> int:
    db, hall, default_holder = _open(args)
    who = _who(args, db, "queue.window")
    t = queue.transfer(db, _ticket_id(args, db, hall), to_zone=args.to_zone, to_window=args.to_window,
                       note=args.note, holder=_holder(args, who, default_holder), **who)
    return _emit(args, t, _line(t))


def _walk_in(args: argparse.Namespace) -> int:
    db, hall, holder = _open(args)
    who = _who(args, db, "queue.window")
    t = queue.walk_in(db, hall, args.window, args.zone, args.holder or holder, lease_seconds=CLI_LEASE_SECONDS,
                      **who)
    return _emit(args, t, _line(t))


def _pause(args: argparse.Namespace) -> int:
    db, hall, _ = _open(args)
    queue.pause_window(db, hall, args.window, **_who(args, db, "queue.window"))
    return _emit(args, {"window": args.window, "paused": True}, f"{args.window} 号窗口已暂停叫号")


def _resume(args: argparse.Namespace) -> int:
    db, hall, _ = _open(args)
    queue.resume_window(db, hall, args.window, **_who(args, db, "queue.window"))
    return _emit(args, {"window": args.window, "paused": False}, f"{args.window} 号窗口已恢复叫号")


def _heartbeat(args: argparse.Namespace) -> int:
    db, _, holder = _open(args)
    who = _who(args, db, "queue.window")
    n = queue.heartbeat(db, queue.bind_holder(args.holder or holder, who["user"]), lease_seconds=args.lease)
    return _emit(args, {"renewed": n}, f"已续约 {n} 个号")


def _release(args: argparse.Namespace) -> int:
    db, _, _ = _open(args)
    released = queue.release_expired(db, **_who(args, db, "queue.window"))
    return _emit(args, {"released": released}, "已释放：" + ("、".join(released) or "无"))


def _status(args: argparse.Namespace) -> int:
    db, hall, _ = _open(args)
    st = queue.queue_status(db, hall)
    lines = [f"{st.day} 取号 {st.issued}，办结 {st.done}，过号 {st.no_show}，等候 {st.waiting}"
             + (f"，平均等候 {st.average_wait_minutes} 分钟" if st.average_wait_minutes is not None else "")]
    lines += [f"  {z.zone_name}：等候 {z.waiting}" + (f"，下一位 {z.next_display}" if z.next_display else "")
              for z in st.zones]
    lines += [f"  {w.number} 号窗口：" + ("暂停" if w.paused else (w.display or "空闲")) for w in st.windows]
    return _emit(args, st, "\n".join(lines))


def _read_text(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        with open(path, encoding="utf-8-sig") as f:
            return f.read()
    except FileNotFoundError as exc:
        raise NotFound(f"找不到文件 {path}", f"file not found: {path}") from exc
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{path} 不是 UTF-8 文本", f"{path} is not UTF-8 text") from exc
    except OSError as exc:
        raise ClerkError(f"无法读取 {path}：{exc.strerror}", f"cannot read {path}: {exc}") from exc


def _lanes(args: argparse.Namespace) -> int:
    db, hall, _ = _open(args)
    if args.set:
        text = _read_text(args.set)
        st = queue.set_hall_lanes(db, hall, text, **_who(args, db, "queue.settings"))
    elif args.reset:
        st = queue.set_hall_lanes(db, hall, None, **_who(args, db, "queue.settings"))
    else:
        st = queue.lane_settings(db, hall)
    if st.problem:
        print(f"注意：{st.problem}", file=sys.stderr)
    if args.json:
        # Exactly what --set reads, so a hall can dump, edit and load its lanes.
        sys.stdout.write(json.dumps(st.as_json(), ensure_ascii=False, indent=2) + "\n")
        return 0
    head = {"hall": f"{hall} 大厅通道（本大厅设置）", "default": f"{hall} 大厅通道（默认）"}[st.source]
    lines = [("已保存，" if args.set or args.reset else "") + head]
    lines += [f"  {k} {v.label} 优先级 {v.priority}" + ("" if v.enabled else "（未开放）") for k, v in st.lanes.items()]
    print("\n".join(lines))
    return 0


def _grace(args: argparse.Namespace) -> int:
    db, hall, _ = _open(args)
    if args.set is not None:
        minutes = queue.set_no_show_grace(db, hall, args.set, **_who(args, db, "queue.settings"))
    else:
        minutes = queue.no_show_grace_minutes(db, hall)
    line = (f"{hall} 大厅过号 {minutes} 分钟内可重排" if minutes else f"{hall} 大厅过号后不能重排")
    return _emit(args, {"hall": hall, "no_show_grace_minutes": minutes}, line)
