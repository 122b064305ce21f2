"""The counter PC's screen: 1366×768 with a 40-pixel taskbar (1366×728 available). Every window
the clerk sees fits inside it — the main window with its status bar and F-key buttons, the print
preview with 打印/关闭 — and with one screen the applicant screen stays hidden instead of
covering the clerk's work; with a second screen it fills that one. Each layout runs in a child
process whose offscreen platform has exactly those screens."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _probe(tmp_path: Path, screens: list[dict]) -> dict:
    config = tmp_path / "screens.json"
    config.write_text(json.dumps({"synchronousWindowSystemEvents": True, "windowFrameMargins": False,
                                  "screens": screens}), encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}", "CLERK_NO_AUDIO": "1",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    data = tmp_path / "data"
    data.mkdir()
    run = subprocess.run([sys.executable, "-m", "tests.ui.layout_probe", str(data)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def _screen(name: str, x: int, w: int, h: int) -> dict:
    return {"name": name, "x": x, "y": 0, "width": w, "height": h, "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}


def _inside(rect: list[int], area: list[int]) -> bool:
    x, y, w, h = rect
    ax, ay, aw, ah = area
    return x >= ax and y >= ay and x + w <= ax + aw and y + h <= ay + ah


@pytest.mark.slow
def test_every_window_fits_a_1366x768_counter_screen_with_a_taskbar(tmp_path):
    got = _probe(tmp_path, [_screen("counter", 0, 1366, 728)])
    area = got["screens"]["counter"]
    main = got["main"]
    assert _inside(main["frame"], area), main
    assert main["min"][1] <= area[3] and main["min"][0] <= area[2]
    assert main["statusbar_visible"] and _inside(main["statusbar"], area)
    assert main["buttons"] and all(_inside(b, area) for b in main["buttons"])
    assert main["case"] == "出生一件事" and main["checklist_rows"] >= 4  # the bundle is open, 4+ materials in view
    preview = got["preview"]
    assert _inside(preview["frame"], area), preview
    assert {"打印…", "关闭"} <= set(preview["buttons"]) or len(preview["buttons"]) >= 2, preview
    assert all(_inside(b, area) for b in preview["buttons"].values())
    assert not got["applicant"]["visible"]  # one screen: the applicant screen does not cover the clerk's


@pytest.mark.slow
def test_a_second_screen_gets_the_applicant_screen_and_a_large_screen_a_larger_window(tmp_path):
    got = _probe(tmp_path, [_screen("one", 0, 1920, 1040), _screen("two", 1920, 1920, 1040)])
    primary = got["primary"]
    other = next(name for name in got["screens"] if name != primary)
    assert got["applicant"]["visible"] and got["applicant"]["screen"] == other
    assert _inside(got["applicant"]["frame"], got["screens"][other])
    main = got["main"]["frame"]
    assert main[2] >= 1366 and _inside(main, got["screens"][primary])


def test_kiosk_and_display_cover_the_screen_without_a_window_manager(qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QWidget

    from ui.screens import show_full_screen

    widget = QWidget()
    qtbot.addWidget(widget)
    show_full_screen(widget)
    screen = widget.screen().geometry()
    assert widget.windowFlags() & Qt.WindowType.FramelessWindowHint
    assert widget.geometry() == screen and widget.isFullScreen()
