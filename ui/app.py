"""Application start: config, database (migrated and seeded), fonts, sign-in, main window."""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from typing import Any

from PySide6.QtCore import QLocale, QTimer, QTranslator
from PySide6.QtWidgets import QApplication, QMessageBox

from clerk.errors import ClerkError

from .context import AppContext
from .style import apply_style
from .taskman import TaskManager

STARTED = time.perf_counter()


def make_app(argv: list[str] | None = None) -> QApplication:
    from .modes import guard_signal_refcount

    guard_signal_refcount()  # PySide6 6.12 on Python 3.11 leaks a reference to True per emit
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("窗口综合受理")
    app.setOrganizationName("WindowClerk")
    translator = QTranslator(app)
    here = os.path.join(os.path.dirname(__file__), "i18n")
    if translator.load(QLocale(), "clerk", "_", here):  # zh_CN is the source language
        app.installTranslator(translator)
    apply_style(app)
    from . import gcguard

    gcguard.install(app)  # cyclic garbage (Qt objects among it) collected on this thread only
    return app  # type: ignore[return-value]


def open_context(args: argparse.Namespace) -> AppContext:
    from clerk import __version__
    from clerk.commands import open_config, open_db
    from clerk.db import redact_url
    from clerk.logs import setup_logging

    cfg = open_config(args)
    setup_logging(cfg.data_dir)
    logging.getLogger("clerk").info("start %s: mode %s, hall %s, workstation %s, database %s", __version__,
                                    getattr(args, "mode", "clerk"), cfg.hall_code, cfg.workstation,
                                    redact_url(cfg.database_url))
    db = open_db(args, catalog=False)  # the demo catalog (first run) comes after the dialog shows
    return AppContext(cfg=cfg, db=db, tasks=TaskManager(), window_number=getattr(args, "window", 1) or 1)


def _bench_first_paint(dialog: Any) -> None:
    """bench/bench_startup.py: print the moment the sign-in dialog is first painted, then close it."""
    from PySide6.QtCore import QEvent, QObject

    class FirstPaint(QObject):
        def eventFilter(self, obj: Any, event: Any) -> bool:
            if event.type() == QEvent.Type.Paint and not getattr(self, "seen", False):
                self.seen = True
                print(f"login_painted_ms={(time.perf_counter() - STARTED) * 1000:.0f} "
                      f"cpu_ms={time.process_time() * 1000:.0f}", flush=True)
                QTimer.singleShot(0, dialog.reject)
            return False

    dialog._bench_filter = FirstPaint(dialog)
    dialog.installEventFilter(dialog._bench_filter)


def run_app(args: argparse.Namespace) -> int:
    app = make_app()
    try:
        ctx = open_context(args)
    except ClerkError as exc:
        QMessageBox.critical(None, "无法启动", exc.message)
        return 1
    db = ctx.db

    def catalog_ready() -> None:
        # Off the GUI thread, once the event loop runs: a first run imports the demo catalog
        # (no longer before the sign-in dialog), every run warms the search index, so the first
        # search answers at once. The screens are imported after sign-in, not before the dialog.
        from clerk.catalog import warm_search
        from clerk.seed import seed_demo_catalog

        seed_demo_catalog(db)
        warm_search(db)

    QTimer.singleShot(250, lambda: ctx.tasks.run(catalog_ready))  # after the dialog is up
    from clerk.bootstrap import hall_summary

    from .login import LoginDialog

    name = hall_summary(ctx.db, ctx.cfg.hall_code).name
    if args.user:
        from clerk import auth

        ctx.user = auth.login(ctx.db, args.user, args.password or "", ctx.workstation)
    else:
        dialog = LoginDialog(ctx, name)
        if os.environ.get("CLERK_BENCH_STARTUP"):
            _bench_first_paint(dialog)
        if dialog.exec() != LoginDialog.DialogCode.Accepted:
            ctx.tasks.shutdown()  # a first run's catalog import finishes before the process ends
            return 0
    from .main_window import MainWindow
    from .applicant_screen import ApplicantScreen
    from clerk.device_settings import load_device_settings

    from .device_hub import DeviceHub

    hub = DeviceHub(load_device_settings(ctx.db, ctx.workstation), demo=bool(getattr(args, "demo_devices", False)))
    screen2 = ApplicantScreen(name)
    win = MainWindow(ctx, hub=hub, applicant_screen=screen2)
    win.show()
    screen2.place()
    hub.start()
    if args.screenshot:
        def shoot() -> None:
            win.grab().save(args.screenshot)
            app.quit()
        QTimer.singleShot(1500, shoot)
    rc = app.exec()
    hub.stop()
    ctx.tasks.shutdown()
    ctx.db.dispose()
    return rc
