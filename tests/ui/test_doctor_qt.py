"""``clerk doctor`` Qt checks and the start-up guard: the real platform probe in a child process,
the libraries named by package, and ``clerk app --smoke`` painting the sign-in dialog for real."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import ui.cli
import ui.doctor
from ui.doctor import chosen_platform, checks

ROOT = Path(__file__).resolve().parents[2]
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ldd and X11 plug-ins")


def by_key(found):
    return {c.key: c for c in found}


def test_the_platform_qt_will_use():
    assert chosen_platform({"QT_QPA_PLATFORM": "offscreen"}) == "offscreen"
    if sys.platform.startswith("linux"):
        assert chosen_platform({"DISPLAY": ":0"}) == "xcb"
        assert chosen_platform({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}) == "wayland"
        assert chosen_platform({}) is None


def test_offscreen_probe_starts_qt_and_finds_a_chinese_ui_font():
    found = by_key(checks(None, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}))
    assert found["qt.platform"].status == "ok" and "offscreen" in found["qt.platform"].detail
    assert found["font.ui"].status == "ok"
    assert found["voice"].status in ("ok", "warn")
    if found["voice"].status == "warn":          # this machine has no libpulse: named by package
        assert "libpulse0" in found["voice"].fix


@linux_only
def test_a_platform_whose_libraries_are_missing_is_named_by_package(monkeypatch):
    monkeypatch.setattr(ui.doctor, "platform_libraries",
                        lambda qt, plat, quick=False: ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"])
    problem = ui.cli.preflight({"DISPLAY": ":0"})
    assert "libxcb-icccm.so.4" in problem and "sudo apt install libxcb-icccm4 libxcb-keysyms1" in problem
    assert "clerk doctor" in problem
    assert ui.cli.preflight({"QT_QPA_PLATFORM": "offscreen"}) is None
    assert "没有图形显示" in ui.cli.preflight({})


@linux_only
def test_the_real_xcb_libraries_of_this_machine_agree_with_the_real_start(tmp_path):
    """ldd's verdict on the xcb plug-in matches what Qt does: missing libraries → the app stops
    with the package names before Qt aborts; none missing → the guard lets it through."""
    qt = ui.doctor.qt_dir()
    missing = ui.doctor.platform_libraries(qt, "xcb", quick=True)
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env.update(DISPLAY=":97", CLERK_DATA_DIR=str(tmp_path), PYTHONPATH=str(ROOT))
    if not missing:
        assert ui.cli.preflight(env) is None
        return
    proc = subprocess.run([sys.executable, "-m", "clerk.cli", "app", "--smoke"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "缺少系统库" in proc.stderr and all(name in proc.stderr for name in missing)


def test_smoke_start_paints_the_sign_in_dialog_and_exits_0(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CLERK_DATA_DIR": str(tmp_path),
           "CLERK_SMOKE": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "clerk.cli"], env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("启动检查通过：登录窗口已绘制")
    assert (tmp_path / "clerk.sqlite3").is_file()                # migrated and seeded on the way
