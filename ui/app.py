"""Application start: config, database (migrated and seeded), fonts, sign-in, main window."""
from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time

from PySide6.QtCore import QLibraryInfo, QLocale, QTimer, QTranslator
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from clerk.errors import ClerkError

from .bootstrap import close_context, make_context, make_hub
from .context import AppContext
from .style import apply_style

STARTED = time.perf_counter()


def make_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("窗口综合受理")
    app.setOrganizationName("WindowClerk")
    install_translations(app)
    apply_style(app)
    from . import gcguard

    gcguard.install(app)  # cyclic garbage (Qt objects among it) collected on this thread only
    return app  # type: ignore[return-value]


def install_translations(app: QApplication, locale: QLocale | None = None) -> list[QTranslator]:
    """The app's own strings are written in zh_CN; a translation (ui/i18n/clerk_<lang>.qm) is
    loaded for another language when one exists. Qt's own dialog texts (OK/Cancel, Yes/No, the
    file and print dialogs) follow the same language: qtbase_zh_CN from the Qt installation when
    the app speaks Chinese, so no English button sits in a Chinese dialog."""
    locale = locale or QLocale()
    installed: list[QTranslator] = []
    own = QTranslator(app)
    here = os.path.join(os.path.dirname(__file__), "i18n")
    speaks_other = own.load(locale, "clerk", "_", here)
    if speaks_other:
        app.installTranslator(own)
        installed.append(own)
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    qt_locale = locale if speaks_other else QLocale(QLocale.Language.Chinese, QLocale.Country.China)
    qt = QTranslator(app)
    if qt.load(qt_locale, "qtbase", "_", qt_dir):
        app.installTranslator(qt)
        installed.append(qt)
    return installed


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
    from clerk.backup import check_database

    check_database(cfg)  # a damaged SQLite file stops here, with the way back to the newest backup
    db = open_db(args)
    return make_context(cfg, db=db, window_number=getattr(args, "window", 1) or 1)


SMOKE_TEXT = "窗口综合受理登录"


def _smoke(app: QApplication, ctx: AppContext, dialog: QWidget) -> int:
    """``clerk app --smoke`` / ``CLERK_SMOKE=1 clerk``: the app started (config, database migrated
    and seeded, fonts, Qt platform); paint the sign-in dialog once, check it, print one line, exit.
    Exit 1 when the dialog painted blank or its font cannot draw Chinese."""
    from PySide6.QtGui import QFontMetrics

    from clerk.db import redact_url

    report: dict[str, object] = {}

    def look() -> None:
        image = dialog.grab().toImage()
        colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
        metrics = QFontMetrics(dialog.font())
        report.update(size=f"{image.width()}×{image.height()}", painted=len(colours) > 1,
                      chinese=all(metrics.inFontUcs4(ord(ch)) for ch in SMOKE_TEXT),
                      family=dialog.font().family())
        dialog.reject()

    QTimer.singleShot(0, dialog, look)
    dialog.exec()
    ctx.tasks.shutdown()
    ctx.db.dispose()
    ok = bool(report.get("painted")) and bool(report.get("chinese"))
    line = (f"登录窗口已绘制（{report.get('size')}），界面字体 {report.get('family')}，"
            f"平台 {app.platformName()}，数据库 {redact_url(ctx.cfg.database_url)}")
    if ok:
        print(f"启动检查通过：{line}")
        return 0
    why = "窗口没有画出内容" if not report.get("painted") else "界面字体不能显示中文"
    print(f"启动检查失败：{why}；{line}。请运行 clerk doctor", file=sys.stderr)
    return 1


def run_app(args: argparse.Namespace) -> int:
    app = make_app()
    try:
        ctx = open_context(args)
    except ClerkError as exc:
        QMessageBox.critical(None, "无法启动", exc.message)
        return 1
    from clerk.catalog import warm_search

    ctx.tasks.run(lambda: warm_search(ctx.db))  # the first search then answers at once
    from clerk.backup import daily_backup

    cfg = ctx.cfg

    def backup_today() -> None:  # its own thread: a large backup must not hold the database worker
        try:
            daily_backup(cfg)
        except Exception:  # logged; the counter works on without it
            logging.getLogger("clerk").exception("daily backup failed")

    threading.Thread(target=backup_today, name="daily-backup", daemon=True).start()
    from .login import LoginDialog
    from .main_window import MainWindow
    from .single import SeatGuard, seat_key

    guard = SeatGuard(seat_key(str(cfg.data_dir), ctx.window_number, "clerk"))
    if not (getattr(args, "smoke", False) or os.environ.get("CLERK_SMOKE") == "1") and not guard.claim():
        print("本席位的窗口综合受理已在运行，已将其调到前台 (already running on this seat: brought to the front)")
        close_context(ctx)
        return 0
    name = ctx.hall.name
    hub = None
    rc = 0
    while True:  # 注销/切换用户 comes back here
        if args.user and ctx.user is None:
            from clerk import auth

            ctx.user = auth.login(ctx.db, args.user, args.password or "", ctx.workstation)
        elif ctx.user is None:
            dialog = LoginDialog(ctx, name)
            if getattr(args, "smoke", False) or os.environ.get("CLERK_SMOKE") == "1":
                return _smoke(app, ctx, dialog)
            if os.environ.get("CLERK_BENCH_STARTUP"):
                QTimer.singleShot(0, lambda d=dialog: (print(f"login_window_ms={(time.perf_counter() - STARTED) * 1000:.0f}"),
                                                       d.reject()))
            if dialog.exec() != LoginDialog.DialogCode.Accepted:
                break
        from .applicant_screen import ApplicantScreen

        if hub is None:
            hub = make_hub(ctx, demo=bool(getattr(args, "demo_devices", False)))
            hub.start()
        screen2 = ApplicantScreen(name)
        win = MainWindow(ctx, hub=hub, applicant_screen=screen2)
        guard.activated.connect(win.bring_forward)
        signed_out: list[bool] = []
        win.closed.connect(lambda out, said=signed_out: (said.append(out), app.quit()))
        win.show()
        screen2.place()
        if args.screenshot:
            def shoot(shown: MainWindow = win) -> None:
                shown.grab().save(args.screenshot)
                app.quit()
            QTimer.singleShot(1500, shoot)
        rc = app.exec()
        guard.activated.disconnect(win.bring_forward)
        win.deleteLater()
        screen2.deleteLater()
        if not (signed_out and signed_out[0]):
            break
        logging.getLogger("clerk").info("sign-out: %s", ctx.user.username if ctx.user else "")
        ctx.user = None
        args.user = None
    guard.release()
    close_context(ctx)
    return rc
