"""``clerk devices scan`` (scanner → one PDF) and ``clerk devices emulate-escl`` (demo scanner).

The one rule: ``scan`` runs the job through a ``DeviceWorker``, as the app does, and writes the
PDF atomically — after a failure (exit 1, Chinese message) no output file exists.
"""
from __future__ import annotations

import argparse
import json
import threading

from clerk.errors import ValidationError

from .scan_base import ScanSettings, open_scanner
from .worker import DeviceWorker


def _area(text: str) -> tuple[float, float]:
    try:
        w, h = (float(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError("格式应为 宽x高（毫米），例如 210x297") from None
    return w, h


def _listen(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError("格式应为 HOST:PORT，例如 127.0.0.1:8090") from None
    return host, int(port)


def add_commands(dsub: argparse._SubParsersAction) -> None:
    p = dsub.add_parser("scan", help="扫描为 PDF scan pages into one PDF")
    p.add_argument("--scanner", required=True,
                   help="sane:test:0 | escl:http://host:port/eSCL | folder:/path | twain: | wia:")
    p.add_argument("--out", required=True, help="输出 PDF 文件 output PDF")
    p.add_argument("--source", choices=("flatbed", "feeder"), default="flatbed", help="平板/进纸器")
    p.add_argument("--dpi", type=int, default=150, help="分辨率 resolution (default 150)")
    p.add_argument("--color", choices=("color", "gray", "bw"), default="gray", help="彩色/灰度/黑白")
    p.add_argument("--duplex", action="store_true", help="双面 (feeder only)")
    p.add_argument("--area", type=_area, default=None, metavar="WxH", help="扫描区域（毫米）scan area in mm")
    p.add_argument("--timeout", type=float, default=None, help="等待秒数 (folder: first file; sane: whole job)")
    p.add_argument("--json", action="store_true", help="JSON output")
    p.set_defaults(handler=_scan)

    e = dsub.add_parser("emulate-escl", help="eSCL 网络扫描仪模拟器 run a loopback eSCL scanner")
    e.add_argument("--listen", type=_listen, default=("127.0.0.1", 0), help="HOST:PORT (default 127.0.0.1:any)")
    e.add_argument("--pages", type=int, default=3, help="进纸器中的页数 sheets in the feeder")
    e.add_argument("--busy", type=int, default=0, help="每页前的 503 次数 503 replies before each page")
    e.set_defaults(handler=_emulate)


def _scan(args: argparse.Namespace) -> int:
    from .scan_pdf import save_scan

    settings = ScanSettings(source=args.source, dpi=args.dpi, color=args.color, duplex=args.duplex,
                            area_mm=args.area)
    options: dict[str, object] = {}
    if args.timeout is not None and args.scanner.split(":", 1)[0].lower() in ("sane", "escl", "folder"):
        options["timeout"] = args.timeout
    scanner = open_scanner(args.scanner, **options)
    worker = DeviceWorker()
    try:
        pages = worker.submit(scanner.scan, settings).result()
    finally:
        worker.shutdown()
    count = save_scan(pages, args.out, color=args.color, dpi=args.dpi)
    if args.json:
        print(json.dumps({"pages": count, "out": str(args.out)}, ensure_ascii=False))
    else:
        print(f"已扫描 {count} 页 → {args.out}")
    return 0


def _emulate(args: argparse.Namespace) -> int:
    from .scan_escl_server import EsclServer, ServerConfig

    if args.pages < 0 or args.busy < 0:
        raise ValidationError("页数和忙碌次数不能为负数", "pages and busy must be ≥ 0")
    host, port = args.listen
    try:
        server = EsclServer(ServerConfig(pages=args.pages, busy_replies=args.busy), host, port)
    except OSError as exc:
        raise ValidationError(f"无法监听 {host}:{port}（端口被占用？）", f"cannot listen: {exc}") from exc
    with server:
        print(f"eSCL 模拟扫描仪：escl:{server.base_url}（Ctrl+C 结束）", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0
