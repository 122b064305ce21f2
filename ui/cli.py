"""``clerk app`` (also plain ``clerk``): start the desktop app. Registered through the
``clerk.commands`` entry point so the core never imports Qt."""
from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("app", help="启动窗口受理桌面程序 start the desktop app")
    p.add_argument("--user", help="自动登录的用户名（演示与截图用） sign in as this user")
    p.add_argument("--password", help="密码 password for --user")
    p.add_argument("--window", type=int, default=1, help="窗口号 window number")
    p.add_argument("--screenshot", help="启动后截图保存到此文件并退出 save a screenshot and quit")
    p.add_argument("--mode", choices=("clerk", "kiosk", "display"), default="clerk",
                   help="clerk 窗口受理（需登录）| kiosk 取号机 | display 叫号屏（全屏，无需登录）")
    p.add_argument("--printer", help="取号机的号票打印机 URL（覆盖设备设置） kiosk ticket printer URL")
    p.add_argument("--demo-devices", action="store_true",
                   help="使用模拟读卡器与打印机 use emulated card reader and printer")
    p.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    if getattr(args, "mode", "clerk") in ("kiosk", "display"):
        from .modes import run_mode

        return run_mode(args)
    from .app import run_app

    return run_app(args)
