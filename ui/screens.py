"""Where windows go and how big they are: every window fits the screen it opens on (a 1366×768
counter PC with a taskbar included) and grows sensibly up to 1920×1080.

The one rule: sizes come from the screen's *available* geometry (without the taskbar), never
from a fixed number alone — a fixed 1366×800 hid the status bar and the F-key buttons.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QWidget


def screen_of(widget: QWidget) -> QScreen | None:
    return widget.screen() or QGuiApplication.primaryScreen()


def fit_window(widget: QWidget, width: int, height: int) -> None:
    """Size ``widget`` to ``width``×``height`` or the screen's available area, whichever is
    smaller, and keep it inside that area (centred). A window as large as the area is
    maximised, so the window manager keeps it clear of the taskbar."""
    screen = screen_of(widget)
    if screen is None:
        widget.resize(width, height)
        return
    area = screen.availableGeometry()
    w, h = min(width, area.width()), min(height, area.height())
    widget.resize(w, h)
    frame = widget.frameGeometry()
    extra_w, extra_h = frame.width() - widget.width(), frame.height() - widget.height()
    if w + extra_w > area.width() or h + extra_h > area.height():
        widget.resize(max(200, w - extra_w), max(200, h - extra_h))
    x = area.x() + max(0, (area.width() - widget.frameGeometry().width()) // 2)
    y = area.y() + max(0, (area.height() - widget.frameGeometry().height()) // 2)
    widget.move(x, y)


def show_full_screen(widget: QWidget, screen: QScreen | None = None) -> None:
    """Cover the whole screen, with or without a window manager: a kiosk or hall display PC
    often runs X with no window manager, where the full-screen request alone is never granted,
    so the window is also frameless and given the screen's geometry itself."""
    screen = screen or screen_of(widget)
    widget.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
    if screen is not None:
        widget.setGeometry(screen.geometry())
    widget.showFullScreen()


def second_screen() -> QScreen | None:
    """A screen other than the primary one (the applicant-facing display), if there is one."""
    primary = QGuiApplication.primaryScreen()
    return next((s for s in QGuiApplication.screens() if s is not primary), None)
