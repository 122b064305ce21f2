"""``clerk app --mode kiosk|display``: the unattended hall screens, full screen, no sign-in.

``kiosk`` is the ticket machine (取号机) with its card reader and ticket printer; ``display`` is the
call screen (叫号屏), which announces the calls it sees in the shared database. One rule: neither
mode signs anybody in — they only take tickets and show calls.
"""
from __future__ import annotations

import argparse
import ctypes
import sys

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from clerk.errors import ClerkError

SCREENSHOT_SIZE = (1280, 800)


class _Probe(QObject):
    ping = Signal()


def guard_signal_refcount() -> bool:
    """Work around PySide6 6.12.0 on CPython 3.11: ``SignalInstance.emit()`` returns ``True``
    without a new reference, so every emit takes one reference away from ``True``. After a few
    hundred emits (the hall display emits every second) Python aborts with "Fatal Python error:
    bool_dealloc". When one probe emit shows the leak, True and False get a reference count no
    program can use up — what CPython 3.12 does for them by design. Returns whether it applied."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    probe = _Probe()
    before = int(sys.getrefcount(True))
    probe.ping.emit()
    if int(sys.getrefcount(True)) >= before:
        return False
    for value in (True, False):
        ctypes.c_ssize_t.from_address(id(value)).value += 1 << 40  # ob_refcnt is the first field
    return True


def run_mode(args: argparse.Namespace) -> int:
    from .app import make_app, open_context
    from .main_window import hall_name

    app = make_app()
    try:
        ctx = open_context(args)
        name = hall_name(ctx)
    except ClerkError as exc:
        QMessageBox.critical(None, "无法启动", exc.message)
        return 1
    hub = None
    widget: QWidget
    if args.mode == "kiosk":
        from clerk.device_settings import load_device_settings, paper_width

        from .device_hub import DeviceHub
        from .kiosk import Kiosk

        settings = load_device_settings(ctx.db, ctx.workstation)
        url = getattr(args, "printer", None) or settings.get("ticket_printer") or None
        demo = bool(getattr(args, "demo_devices", False))
        if demo and not url:
            # The demo prints to the loopback emulator; its jobs land in <data>/demo-printer/.
            from devices.escpos_emulator import EmulatorServer

            emulator = EmulatorServer(out_dir=ctx.cfg.data_dir / "demo-printer").start()
            app.aboutToQuit.connect(emulator.stop)
            url = emulator.url
        hub = DeviceHub(settings, demo=demo)
        kiosk = Kiosk(ctx, name, printer_url=url, worker=hub.worker,
                      width_mm=paper_width(settings, "ticket_printer"))
        hub.card_read.connect(kiosk.card_read)
        widget = kiosk
    elif args.mode == "display":
        from .hall_display import HallDisplay
        from .voice import VoiceCaller

        widget = HallDisplay(ctx, name, voice=VoiceCaller())
    else:
        raise ValueError(f"unknown mode {args.mode!r}")
    if args.screenshot:
        widget.resize(*SCREENSHOT_SIZE)
        widget.show()

        def shoot() -> None:
            widget.grab().save(args.screenshot)
            app.quit()
        QTimer.singleShot(1500, shoot)
    else:
        widget.showFullScreen()
    if hub is not None:
        hub.start()
    rc = app.exec()
    if hub is not None:
        hub.stop()
    ctx.tasks.shutdown()
    ctx.db.dispose()
    return rc
