"""Run in a child process under an offscreen platform with given screens: open the main window,
the print preview and the applicant screen as the app does, and print their geometries as JSON.
Usage: python -m tests.ui.layout_probe DATA_DIR"""
from __future__ import annotations

import json
import sys
from pathlib import Path


def _rows_in_view(table) -> int:
    """How many rows of ``table`` are wholly visible without scrolling."""
    height = table.viewport().height()
    shown, used = 0, 0
    for row in range(table.rowCount()):
        used += table.rowHeight(row)
        if used > height:
            break
        shown += 1
    return shown


def main(data_dir: str) -> None:
    from PySide6.QtWidgets import QApplication

    from clerk.config import Config
    from clerk.db import Database
    from clerk.migrate import upgrade
    from printing.receipt import render_receipt
    from tests.casefixtures import clerk_user, make_catalog
    from tests.pdftools import sample_receipt
    from ui.applicant_screen import ApplicantScreen
    from ui.context import AppContext
    from ui.documents import DocumentService, PdfPreview
    from ui.main_window import MainWindow
    from ui.taskman import TaskManager

    app = QApplication.instance() or QApplication([])
    url = f"sqlite:///{Path(data_dir) / 'clerk.sqlite3'}"
    upgrade(url)
    db = Database(url)
    make_catalog(db)
    ctx = AppContext(cfg=Config(data_dir=Path(data_dir), database_url=url), db=db, tasks=TaskManager(),
                     user=clerk_user(db), window_number=3)
    screen2 = ApplicantScreen("象山县行政服务中心")
    win = MainWindow(ctx, documents=DocumentService(ctx, preview=False), applicant_screen=screen2)
    win.show()
    screen2.place()
    # a bundle with its questions, checklist and form: the fullest the intake screen gets
    import time

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from tests.ui.test_intake_flow import _zhang_card

    def settle(until, seconds: float = 20.0) -> None:
        end = time.monotonic() + seconds
        while not until() and time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)

    win.card_read(_zhang_card())
    win.intake.picker.query.setText("出生一件事")
    settle(lambda: win.intake.picker.results.count() > 0)
    QTest.keyClick(win.intake.picker.query, Qt.Key.Key_Return)
    settle(lambda: win.intake.case is not None and win.intake.situation.isVisible() and ctx.tasks.pending == 0)
    pdf = Path(data_dir) / "r.pdf"
    pdf.write_bytes(render_receipt(sample_receipt(3)))
    preview = PdfPreview(str(pdf), "受理回执")
    preview.show()
    for _ in range(20):
        app.processEvents()

    def rect(r) -> list[int]:
        return [r.x(), r.y(), r.width(), r.height()]

    def glob(w) -> list[int]:
        top_left = w.mapToGlobal(w.rect().topLeft())
        return [top_left.x(), top_left.y(), w.width(), w.height()]

    from PySide6.QtWidgets import QPushButton

    out = {
        "screens": {s.name(): rect(s.availableGeometry()) for s in app.screens()},
        "primary": app.primaryScreen().name(),
        "main": {"frame": rect(win.frameGeometry()), "min": [win.minimumSizeHint().width(), win.minimumSizeHint().height()],
                 "statusbar": glob(win.statusBar()), "statusbar_visible": win.statusBar().isVisible(),
                 "buttons": [glob(b) for b in win.intake.findChildren(QPushButton) if b.isVisible()],
                 "case": win.intake.case.matter_name if win.intake.case else "",
                 "checklist_rows": _rows_in_view(win.intake.checklist)},
        "preview": {"frame": rect(preview.frameGeometry()),
                    "buttons": {b.text(): glob(b) for b in preview.findChildren(QPushButton) if b.isVisible()}},
        "applicant": {"visible": screen2.isVisible(), "frame": rect(screen2.frameGeometry()),
                      "screen": screen2.screen().name() if screen2.screen() else ""},
    }
    print(json.dumps(out))
    ctx.tasks.shutdown()


if __name__ == "__main__":
    main(sys.argv[1])
