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
    p.add_argument("--smoke", action="store_true",
                   help="启动检查：绘制登录窗口后退出（也可设 CLERK_SMOKE=1） paint the sign-in dialog and exit")
    p.set_defaults(handler=_run)


def preflight(env=None) -> str | None:
    """Why Qt would abort at start on this Linux desktop (a platform plug-in whose system libraries
    are missing, no display at all), as a Chinese message; None when it should start. Qt's own
    message for a missing library blames xcb-cursor0 whatever is missing."""
    import os
    import sys

    if not sys.platform.startswith("linux"):
        return None
    from .doctor import chosen_platform, platform_libraries, qt_dir

    env = os.environ if env is None else env
    platform = chosen_platform(env)
    if platform is None:
        return ("没有图形显示（DISPLAY、WAYLAND_DISPLAY 都未设置），无法打开窗口。请在桌面会话中启动；"
                "检查本机请运行 clerk doctor")
    qt = qt_dir()
    if platform not in ("xcb", "wayland") or qt is None:
        return None
    candidates = [platform]
    if platform == "wayland" and not env.get("QT_QPA_PLATFORM") and env.get("DISPLAY"):
        candidates.append("xcb")   # Qt falls back to X11 (XWayland) when wayland cannot load
    missing: list[str] = []
    for candidate in candidates:
        lacking = platform_libraries(qt, candidate, quick=True)
        if not lacking:
            return None
        missing = missing or lacking
    from clerk.doctor import install_hint

    return (f"Qt 平台插件 {platform} 缺少系统库 {'、'.join(missing)}，程序无法启动。"
            f"{install_hint(missing)}。完整检查：clerk doctor")


def _run(args: argparse.Namespace) -> int:
    import sys

    # The database layer (SQLAlchemy, the models) before anything imports PySide6: once PySide6
    # is in, its __feature__ import hook reads the source of every module imported after it
    # (inspect.getsource) to see whether it uses Qt — some 250 SQLAlchemy modules, ~50 ms of a
    # warm start for nothing.
    import clerk.bootstrap  # noqa: F401

    problem = preflight()
    if problem:
        print(f"错误：{problem}", file=sys.stderr)
        return 1
    if getattr(args, "mode", "clerk") in ("kiosk", "display"):
        from .modes import run_mode

        return run_mode(args)
    from .app import run_app

    return run_app(args)
