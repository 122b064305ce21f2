"""``clerk devices print-test | print-ticket | printer-status | spool | reprint | emulate-printer``.

One rule: a failure exits 1 with one Chinese line saying what to do (``DeviceError`` is printed by
``clerk.cli``); ``python -m devices.printer_cli`` runs the same commands without the rest of the CLI.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence

from clerk.errors import ClerkError
from devices.escpos_printer import PrintSpool, print_job, printer_status
from devices.worker import device_command
from printing.escpos import columns


def _width(value: str) -> int:
    try:
        columns(int(value))
    except (ValueError, ClerkError):
        raise argparse.ArgumentTypeError("纸宽只能是 80 或 58") from None
    return int(value)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--printer", required=True, help="打印机地址，如 tcp://192.168.1.50:9100、serial:/dev/ttyUSB0?baudrate=9600")
    p.add_argument("--width", type=_width, default=80, help="纸宽 80 或 58 毫米 (default 80)")
    p.add_argument("--spool", help="打印失败时保留任务的文件夹（可用于重打）")


def _send(args: argparse.Namespace, data: bytes, title: str) -> int:
    spool = PrintSpool(args.spool) if args.spool else None
    print_job(args.printer, data, spool, title=title)
    print(f"已发送到打印机 {args.printer}（{len(data)} 字节）")
    return 0


def cmd_print_test(args: argparse.Namespace) -> int:
    from printing.slip import render_test_page

    return _send(args, render_test_page(args.width), "打印测试页")


def cmd_print_ticket(args: argparse.Namespace) -> int:
    from printing.ticket import TicketSlip, render_ticket

    slip = TicketSlip(hall_name=args.hall, number=args.number, zone_name=args.zone,
                      issued_at=dt.datetime.now(), people_ahead=args.ahead, lane_label=args.lane,
                      qr_payload=args.qr or args.number, note=args.note)
    return _send(args, render_ticket(slip, args.width), f"取号凭条 {args.number}")


def cmd_printer_status(args: argparse.Namespace) -> int:
    status = printer_status(args.printer)
    if args.json:
        sys.stdout.write(json.dumps(status.as_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        paper = {"ok": "正常", "near_end": "将尽", "out": "缺纸"}[status.paper]
        print(f"打印机 {args.printer}：{'在线' if status.online else '离线'}，纸张{paper}，"
              f"{'盖子打开' if status.cover_open else '盖子关闭'}，{'有故障' if status.error else '无故障'}")
        if status.message:
            print(status.message)
    return 0 if status.can_print else 1


def _report_damaged(bad: list[tuple[str, str]]) -> None:
    for job_id, why in bad:
        print(f"警告：已跳过损坏的打印任务 {job_id}：{why}（文件仍在打印任务文件夹中）", file=sys.stderr)


def cmd_spool(args: argparse.Namespace) -> int:
    jobs, bad = PrintSpool(args.spool).scan()
    _report_damaged(bad)
    if args.json:
        rows = [{"id": j.id, "created": j.created, "printer": j.url, "title": j.title,
                 "last_error": j.last_error, "attempts": j.attempts} for j in jobs]
        rows += [{"id": job_id, "damaged": why} for job_id, why in bad]
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    elif not jobs:
        print("没有待重打的打印任务")
    else:
        for j in jobs:
            print(f"{j.id}  {j.title or '（无标题）'}  {j.url}  失败 {j.attempts} 次：{j.last_error}")
    return 0


def cmd_reprint(args: argparse.Namespace) -> int:
    spool = PrintSpool(args.spool)
    if args.all:
        jobs, bad = spool.scan()
        _report_damaged(bad)  # one damaged record never stops the others
        ids = [j.id for j in jobs]
        if not ids and bad:
            print("没有可重打的打印任务")
            return 0
    else:
        ids = args.job
    if not ids:
        raise ClerkError("请指定要重打的任务编号，或用 --all 重打全部", "give job ids or --all")
    for job_id in ids:
        job = spool.get(job_id)
        spool.reprint(job_id, args.printer)  # a failure keeps the job and stops here
        print(f"已重打 {job.title or job_id} → {args.printer or job.url}")
    return 0


def cmd_emulate(args: argparse.Namespace) -> int:
    from devices.escpos_emulator import EmulatorServer

    host, _, port = args.listen.rpartition(":")
    if not host or not port.isdigit():
        raise ClerkError(f"监听地址无效：{args.listen}，应为 主机:端口", f"bad --listen {args.listen!r}")
    try:
        server = EmulatorServer(host, int(port), out_dir=args.out)
    except OSError as exc:
        raise ClerkError(f"无法监听 {args.listen}（{exc.strerror or exc}）", str(exc)) from None
    if args.paper_out:
        server.printer.run_out_of_paper()
    print(f"模拟打印机已启动：{server.url}，收到的任务保存在 {args.out}（Ctrl+C 退出）", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def add_commands(dsub: argparse._SubParsersAction) -> None:
    p = dsub.add_parser("print-test", help="打印小票测试页 print an ESC/POS test page")
    _common(p)
    p.set_defaults(handler=device_command(cmd_print_test))

    p = dsub.add_parser("print-ticket", help="打印取号凭条 print a queue ticket")
    _common(p)
    p.add_argument("--number", required=True, help="号码，如 A023")
    p.add_argument("--zone", required=True, help="区域名称，如 综合")
    p.add_argument("--ahead", type=int, default=0, help="前面等候人数")
    p.add_argument("--hall", default="行政服务中心", help="大厅名称")
    p.add_argument("--lane", default="", help="通道，如 绿色通道")
    p.add_argument("--qr", default="", help="二维码内容 (default: the number)")
    p.add_argument("--note", default="过号请到服务台重新取号", help="底部提示")
    p.set_defaults(handler=device_command(cmd_print_ticket))

    p = dsub.add_parser("printer-status", help="查询打印机状态 DLE EOT status")
    p.add_argument("--printer", required=True)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=device_command(cmd_printer_status))

    p = dsub.add_parser("spool", help="列出待重打的打印任务 list jobs kept after a failed print")
    p.add_argument("--spool", required=True, help="任务文件夹（数据目录下的 spool 或 spool/tickets）")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_spool)

    p = dsub.add_parser("reprint", help="重打保留的打印任务 reprint kept jobs")
    p.add_argument("job", nargs="*", help="任务编号（见 clerk devices spool）")
    p.add_argument("--spool", required=True, help="任务文件夹")
    p.add_argument("--all", action="store_true", help="重打全部待重打任务")
    p.add_argument("--printer", help="改用这台打印机 (default: the job's own printer)")
    p.set_defaults(handler=device_command(cmd_reprint))

    p = dsub.add_parser("emulate-printer", help="运行模拟小票打印机 loopback ESC/POS printer")
    p.add_argument("--listen", default="127.0.0.1:9100", help="主机:端口 (default 127.0.0.1:9100)")
    p.add_argument("--out", required=True, help="保存收到的任务的文件夹")
    p.add_argument("--paper-out", action="store_true", help="以缺纸状态启动")
    p.set_defaults(handler=cmd_emulate)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devices.printer_cli")
    add_commands(parser.add_subparsers(dest="device_command", required=True))
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except ClerkError as exc:
        print(f"错误：{exc.one_line()}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
