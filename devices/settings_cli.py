"""``clerk devices settings``: this workstation's device URLs, for the counter, its kiosk or its
hall display (each kept apart, ``clerk.device_settings.mode_workstation``). Showing is open;
changing signs in (``--user``, a manager or admin)."""
from __future__ import annotations

import argparse
import json

from clerk.device_settings import DEVICE_KEYS, MODES, load_device_settings, mode_workstation, save_device_settings
from clerk.errors import ValidationError


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("settings", help="查看或设置本工作站的设备地址 device URLs of this workstation")
    p.add_argument("--mode", choices=MODES, default="clerk", help="窗口(clerk)、取号机(kiosk)或叫号屏(display)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=URL",
                   help=f"设置一项（可重复），KEY 为 {'、'.join(DEVICE_KEYS)}；URL 留空则清除")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run)


def _parse(items: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for item in items:
        key, sep, url = item.partition("=")
        if not sep or key.strip() not in DEVICE_KEYS:
            raise ValidationError(f"设备设置写法应为 KEY=URL，KEY 为 {'、'.join(DEVICE_KEYS)}：{item}",
                                  f"expected KEY=URL with a known key: {item}")
        values[key.strip()] = url.strip()
    return values


def run(args: argparse.Namespace) -> int:
    from clerk import audit
    from clerk.commands import open_config, open_db, sign_in

    cfg = open_config(args)
    db = open_db(args)
    who = mode_workstation(cfg.workstation, args.mode)
    if args.set:
        values = _parse(args.set)
        user = sign_in(args, db, "devices.configure")
        save_device_settings(db, values, who)
        with db.uow() as s:
            audit.record(s, "devices.configure", username=user.username, workstation=cfg.workstation,
                         entity="workstation", entity_id=who, **values)
    shown = load_device_settings(db, who)
    if args.json:
        print(json.dumps({"workstation": who, "settings": shown}, ensure_ascii=False))
    else:
        print(f"工作站 {who} 的设备设置：")
        for key in DEVICE_KEYS:
            print(f"  {key} = {shown.get(key, '')}")
    return 0
