"""``clerk devices read-card`` and ``clerk devices emulate-reader``.

``read-card --json`` prints one card with the keys of ``CardData.to_json`` (photo_wlt_bytes is
the base64 of the raw 1024-byte WLT photo). The one rule: the command talks to the reader only
through a ``DeviceWorker``, the same path the app uses.
"""
from __future__ import annotations

import argparse
import json
import sys
import threading
from pathlib import Path

from clerk.errors import ValidationError

from .idcard import CardData
from .worker import DeviceWorker

JSON_HELP = ("--json 输出键：name sex nation birth_date address id_number authority valid_from "
             "valid_to(YYYY-MM-DD 或 长期) card_type photo_wlt_bytes(WLT 原始字节 base64)；"
             "外国人永久居留证另有 english_name nationality（2017 版再加 card_version authority_code，"
             "2023 版再加 renewal_count），港澳台居住证另有 pass_number issue_count，"
             "--fingerprint 且卡内有指纹时另有 fingerprint_bytes(base64)")


def add_commands(dsub: argparse._SubParsersAction) -> None:
    p = dsub.add_parser("read-card", help="读身份证 read one ID card", description=JSON_HELP)
    p.add_argument("--port", required=True, help="pyserial URL: COM3, /dev/ttyUSB0, socket://host:port, rfc2217://…")
    p.add_argument("--baud", type=int, default=None, help="波特率 (default: probe 115200, then 9600)")
    p.add_argument("--timeout", type=float, default=2.0, help="应答超时秒数 reply timeout in seconds")
    p.add_argument("--fingerprint", action="store_true", help="同时读指纹 (30 10)")
    p.add_argument("--json", action="store_true", help="JSON output")
    p.set_defaults(handler=_read_card)

    e = dsub.add_parser("emulate-reader", help="身份证读卡器模拟器 run a reader emulator on TCP")
    e.add_argument("--listen", default="127.0.0.1:0", help="HOST:PORT (default 127.0.0.1, any free port)")
    e.add_argument("--card-json", type=Path, help="卡片 JSON（read-card --json 的格式；默认演示卡）")
    e.set_defaults(handler=_emulate)


def _read_card(args: argparse.Namespace) -> int:
    from .idcard_serial import SerialIdCardReader

    reader = SerialIdCardReader(args.port, baud=args.baud, timeout=args.timeout)
    worker = DeviceWorker()
    try:
        card = worker.submit(reader.read_card, args.fingerprint).result()
    finally:
        worker.submit(reader.close).result()
        worker.shutdown()
    if args.json:
        sys.stdout.write(json.dumps(card.to_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        for key, value in card.to_json().items():
            if key.endswith("_bytes"):
                value = f"{len(getattr(card, key))} 字节"
            print(f"{key}: {value}")
    if card.photo_note:
        print(card.photo_note, file=sys.stderr)
    return 0


def _load_card(path: Path | None) -> CardData:
    from .idcard_emulator import demo_cards

    if path is None:
        return demo_cards()["resident"]
    try:
        return CardData.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValidationError(f"卡片文件无法读取：{path}", f"cannot load card JSON {path}: {exc}") from exc


def _emulate(args: argparse.Namespace) -> int:
    from .idcard_emulator import ReaderEmulator

    host, _, port = args.listen.rpartition(":")
    if not host or not port.isdigit():
        raise ValidationError("--listen 格式应为 主机:端口，例如 127.0.0.1:5000", f"bad --listen {args.listen!r}")
    emulator = ReaderEmulator(_load_card(args.card_json))
    try:
        url = emulator.start_tcp(host, int(port))
    except OSError as exc:
        raise ValidationError(f"无法监听 {args.listen}", f"cannot listen on {args.listen}: {exc}") from exc
    print(f"读卡器模拟器已启动：{url}（Ctrl+C 退出）", flush=True)
    try:
        threading.Event().wait()
    finally:
        emulator.close()
    return 0
