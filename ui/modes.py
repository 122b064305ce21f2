"""``clerk app --mode kiosk|display``: the unattended hall screens, full screen, no sign-in.

``kiosk`` is the ticket machine (取号机) with its card reader and ticket printer; ``display`` is the
call screen (叫号屏), which announces the calls it sees in the shared database. One rule: neither
mode signs anybody in — they only take tickets and show calls.
"""
from __future__ import annotations

import argparse

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox, QWidget

from clerk.errors import ClerkError

from .qtfix import pin_singletons
from .screens import show_full_screen

SCREENSHOT_SIZE = (1280, 800)


def guard_signal_refcount() -> bool:
    """Kept for callers of older versions: see ``ui.qtfix.pin_singletons`` (None, True and
    False made immortal on CPython 3.11, where PySide6 6.12 takes references from them)."""
    return pin_singletons()


def run_mode(args: argparse.Namespace) -> int:
    from .app import make_app, open_context
    from .bootstrap import close_context, make_hub

    app = make_app()
    try:
        ctx = open_context(args)
        name = ctx.hall.name
    except ClerkError as exc:
        QMessageBox.critical(None, "无法启动", exc.message)
        return 1
    from clerk.device_settings import load_device_settings, mode_workstation

    # the kiosk's reader and printer are its own, never the counter's of the same seat
    ctx.devices = load_device_settings(ctx.db, mode_workstation(ctx.cfg.workstation, args.mode))
    hub = None
    widget: QWidget
    if args.mode == "kiosk":
        from clerk.device_settings import paper_width

        from .kiosk import Kiosk

        settings = ctx.devices
        url = getattr(args, "printer", None) or settings.get("ticket_printer") or None
        demo = bool(getattr(args, "demo_devices", False))
        if demo and not url:
            # The demo prints to the loopback emulator; its jobs land in <data>/demo-printer/.
            from devices.escpos_emulator import EmulatorServer

            emulator = EmulatorServer(out_dir=ctx.cfg.data_dir / "demo-printer").start()
            app.aboutToQuit.connect(emulator.stop)
            url = emulator.url
        hub = make_hub(ctx, demo=demo)
        kiosk = Kiosk(ctx, name, printer_url=url, width_mm=paper_width(settings, "ticket_printer"))
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
        show_full_screen(widget)
    if hub is not None:
        hub.start()
    rc = app.exec()
    close_context(ctx)
    return rc
