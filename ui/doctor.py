"""``clerk doctor`` checks for the Qt side: the platform plug-in and the exact system libraries
it misses (named by package), the UI font, the sound library for voice calls.

Nothing here imports QtGui or QtWidgets in this process: a platform plug-in that cannot load
aborts the whole process (qFatal). The libraries are read with ``ldd``; the real start is tried
in a child process (``python -m ui.doctor_probe``), whose exit and message are the finding.
"""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from clerk.config import Config
from clerk.doctor import Check, install_hint, missing_libraries

PROBE_TIMEOUT_S = 60

# Loaded with dlopen by the xcb plug-in (Qt >= 6.5), so ldd does not list it.
XCB_DLOPENED = ("libxcb-cursor.so.0",)


def qt_dir() -> Path | None:
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.origin:
        return None
    return Path(spec.origin).parent / "Qt"


def chosen_platform(env: Mapping[str, str]) -> str | None:
    """The platform plug-in Qt will use; None on Linux with no display at all."""
    explicit = env.get("QT_QPA_PLATFORM", "").split(":")[0].split(";")[0].strip()
    if explicit:
        return explicit
    if sys.platform == "win32":
        return "windows"
    if sys.platform == "darwin":
        return "cocoa"
    if env.get("WAYLAND_DISPLAY"):
        return "wayland"
    if env.get("DISPLAY"):
        return "xcb"
    return None


def plugin_files(qt: Path, platform: str) -> list[Path]:
    """The files that must load for ``platform``: Qt's GUI libraries and the plug-in itself."""
    lib = qt / "lib"
    files = [lib / "libQt6Gui.so.6", lib / "libQt6Widgets.so.6"]
    plugin = qt / "plugins" / "platforms" / f"libq{platform}.so"
    files.append(plugin)
    if platform == "xcb":
        files.append(lib / "libQt6XcbQpa.so.6")
    if platform == "wayland":
        files.append(lib / "libQt6WaylandClient.so.6")
    return files


def _dlopen_missing(sonames: tuple[str, ...]) -> list[str]:
    import ctypes

    missing = []
    for name in sonames:
        try:
            ctypes.CDLL(name)
        except OSError:
            missing.append(name)
    return missing


def platform_libraries(qt: Path, platform: str, *, quick: bool = False) -> list[str]:
    """Every soname ``platform`` needs that this machine lacks. ``quick`` (the app's start): only
    the plug-in's own dependency tree, which holds Qt's GUI libraries too — one ``ldd``."""
    missing: set[str] = set()
    files = plugin_files(qt, platform)
    for f in (files[2:3] if quick else files):
        missing.update(missing_libraries(f))
    if platform == "xcb":
        missing.update(_dlopen_missing(XCB_DLOPENED))
    return sorted(missing)


def run_probe(platform: str | None, env: Mapping[str, str] | None = None) -> tuple[int, dict, str]:
    """Start a QApplication in a child process; (exit code, its JSON report, its stderr)."""
    child = dict(os.environ if env is None else env)
    if platform:
        child["QT_QPA_PLATFORM"] = platform
    root = str(Path(__file__).resolve().parent.parent)
    child["PYTHONPATH"] = os.pathsep.join(p for p in (root, child.get("PYTHONPATH", "")) if p)
    try:
        proc = subprocess.run([sys.executable, "-m", "ui.doctor_probe"], capture_output=True, text=True,
                              timeout=PROBE_TIMEOUT_S, env=child, stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired:
        return -1, {}, f"Qt 在 {PROBE_TIMEOUT_S} 秒内没有启动完成"
    report: dict = {}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("{"):
            try:
                report = json.loads(line)
            except ValueError:
                pass
            break
    return proc.returncode, report, proc.stderr


def _qt_message(stderr: str) -> str:
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip() and not ln.startswith(" ")]
    for needle in ("could not", "cannot", "failed", "qt.qpa"):
        wanted = [ln for ln in lines if needle in ln.lower()]
        if wanted:
            return wanted[0][:300]
    return (lines or ["（无输出）"])[-1][:300]


def checks(cfg: Config | None, env: Mapping[str, str] | None = None) -> list[Check]:
    env = os.environ if env is None else env
    qt = qt_dir()
    if qt is None:
        return [Check("qt.platform", "fail", "Qt 界面库", "未安装 PySide6",
                      "在程序目录中运行 python -m pip install -e .")]
    out: list[Check] = []
    platform = chosen_platform(env)
    probe_platform = platform
    if platform is None:
        out.append(Check("qt.display", "warn", "图形显示", "没有图形会话（DISPLAY、WAYLAND_DISPLAY 都未设置）",
                         "在桌面会话中启动 clerk；远程维护可用 ssh -X。"
                         "无显示器的测试机可设 QT_QPA_PLATFORM=offscreen"))
        probe_platform = "offscreen"
    missing: list[str] = []
    if sys.platform.startswith("linux"):
        check_platforms = [platform] if platform else ["xcb"]   # a later desktop session uses xcb
        for plat in check_platforms:
            missing += platform_libraries(qt, plat)
        if missing:
            names = "、".join(missing)
            out.append(Check("qt.libs", "fail", f"Qt 平台插件 {check_platforms[0]} 所需系统库",
                             f"缺少 {names}", install_hint(missing)))
        else:
            out.append(Check("qt.libs", "ok", f"Qt 平台插件 {check_platforms[0]} 所需系统库", "齐全"))
    rc, report, stderr = run_probe(probe_platform, env)
    if rc == 0 and report.get("started"):
        out.append(Check("qt.platform", "ok", "Qt 界面启动", f"平台插件 {report.get('platform')} 可用"))
    else:
        fix = install_hint(missing) if missing else "把上面的 Qt 消息发给技术支持"
        out.append(Check("qt.platform", "fail", "Qt 界面启动",
                         f"平台插件 {probe_platform} 无法加载：{_qt_message(stderr)}", fix))
        return out
    family, bundled = report.get("font"), report.get("font_bundled")
    if not family:
        out.append(Check("font.ui", "fail", "界面中文字体", "没有能显示中文的字体，界面会显示方框",
                         "重新安装本程序（附带文泉驿微米黑），或安装 fonts-wqy-microhei"))
    elif bundled:
        out.append(Check("font.ui", "ok", "界面中文字体", f"{family}（随程序附带，系统没有中文字体）"))
    else:
        out.append(Check("font.ui", "ok", "界面中文字体", family))
    problem = report.get("audio_problem", "")
    if problem:
        sonames = [problem.split(":", 1)[0].strip()] if ".so" in problem else []
        out.append(Check("voice", "warn", "语音叫号", f"声音库无法加载（{problem}），叫号不发声，只显示在叫号屏",
                         install_hint(sonames) or "安装 PulseAudio/PipeWire 客户端库后重启程序"))
    else:
        engines = report.get("tts_engines") or []
        shown = "、".join(engines) if engines else "无语音引擎，叫号时播放提示音"
        out.append(Check("voice", "ok", "语音叫号", f"声音库可用；语音引擎：{shown}"))
    return out
