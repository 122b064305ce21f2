"""Screenshots for the README: the intake screen mid-case and the guide view, rendered offscreen
on a fresh demo database (python tools/screenshot.py)."""
from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from clerk import auth
    from clerk.commands import open_config, open_db
    from devices.idcard import CardData
    from ui.app import make_app
    from ui.context import AppContext
    from ui.documents import DocumentService
    from ui.main_window import MainWindow
    from ui.taskman import TaskManager

    app = make_app()

    def settle(cond=lambda: True, timeout=10.0):
        end = time.time() + timeout
        while time.time() < end:
            app.processEvents()
            if ctx.tasks.pending == 0 and cond():
                return
            time.sleep(0.01)

    with tempfile.TemporaryDirectory() as d:
        class Args:
            data_dir = d
        cfg, db = open_config(Args), open_db(Args)
        ctx = AppContext(cfg=cfg, db=db, tasks=TaskManager(), window_number=2)
        ctx.user = auth.login(db, "clerk", "clerk123")
        win = MainWindow(ctx, documents=DocumentService(ctx, preview=False))
        win.resize(1366, 800)
        win.show()
        win.card_read(CardData(name="张三", sex="男", birth_date=dt.date(1990, 1, 1), id_number="330225199001011234",
                               valid_from=dt.date(2020, 1, 1), valid_to=dt.date(2040, 1, 1), nation="汉",
                               address="浙江省宁波市象山县丹东街道天安路 1 号", authority="象山县公安局"))
        win.intake.applicant.phone.setText("13812345678")
        settle()
        win.intake.picker.query.setText("出生一件事")
        settle(lambda: win.intake.picker.results.count() > 0)
        win.intake.picker._take_first()
        settle(lambda: win.intake.case is not None)
        table = win.intake.checklist
        for row in range(min(3, table.rowCount())):
            combo = table.cellWidget(row, 2)
            combo.setCurrentIndex(combo.findData("presented"))
            settle()
        settle()
        win.grab().save(str(ROOT / "docs/img/main.png"))
        win.tabs.setCurrentWidget(win.guide)
        win.guide.picker.query.setText("shbzk")
        settle(lambda: win.guide.picker.results.count() > 0)
        win.guide.picker._take_first()
        settle(lambda: bool(win.guide.browser.toPlainText()))
        win.grab().save(str(ROOT / "docs/img/guide.png"))
        ctx.tasks.shutdown()
        db.dispose()
    print("docs/img/main.png docs/img/guide.png")
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
