"""Felt speed at the counter: a keystroke in the intake's matter search until the hits are painted,
at 10,000 matters (bench/gen_catalog.py), in the real ``MatterPicker`` (offscreen Qt) with the
app's workers — the hits come from the index in memory on the GUI thread (a worker answers only
when the index must be built or re-checked against the catalog stamp), and the list repaints. The
clock starts when the key event is sent and stops at the result list's first paint that shows the
new hits. Between keys the bench waits until no work is pending, as a clerk's pauses would.

``python bench/bench_keystroke.py [--matters 10000] [--keys 60]``; the machine may be shared
(the load average is printed with the figures).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

QUERIES = ("sbk", "户籍", "不动产", "jsz", "营业执照", "医保", "结婚", "出生一件事", "gs", "食品")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--matters", type=int, default=10_000)
    ap.add_argument("--keys", type=int, default=60)
    args = ap.parse_args()

    from PySide6.QtCore import QEvent, QObject, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from bench.gen_catalog import generate
    from clerk.catalog import import_catalog, warm_search
    from clerk.config import Config
    from clerk.db import Database
    from clerk.migrate import upgrade
    from clerk.seed import seed_defaults
    from ui.bootstrap import close_context, make_context
    from ui.intake import MatterPicker

    app = QApplication.instance() or QApplication([])
    tmp = Path(tempfile.mkdtemp())
    url = f"sqlite:///{tmp / 'clerk.sqlite3'}"
    upgrade(url)
    db = Database(url)
    seed_defaults(db, catalog=None)
    path = tmp / "catalog.json"
    path.write_text(json.dumps(generate(args.matters), ensure_ascii=False), encoding="utf-8")
    import_catalog(db, path)
    warm_search(db)
    ctx = make_context(Config(data_dir=tmp, database_url=url), db=db)
    picker = MatterPicker(ctx)
    picker.resize(700, 600)
    picker.show()
    app.processEvents()

    painted: list[float] = []
    waiting = {"since": 0.0, "gen": -1}

    class Paint(QObject):
        def eventFilter(self, obj, event):  # noqa: ANN001
            if (event.type() == QEvent.Type.Paint and waiting["since"]
                    and picker._generation == waiting["gen"] and picker.results.count()):
                painted.append((time.perf_counter() - waiting["since"]) * 1000)
                waiting["since"] = 0.0
            return False

    spy = Paint()
    picker.results.viewport().installEventFilter(spy)
    for i in range(args.keys):
        query = QUERIES[i % len(QUERIES)]
        picker.query.setText(query[:-1])
        end = time.perf_counter() + 5
        while ctx.tasks.pending and time.perf_counter() < end:
            app.processEvents()
        waiting["gen"] = picker._generation + 1
        waiting["since"] = time.perf_counter()
        QTest.keyClick(picker.query, query[-1] if query[-1].isascii() else Qt.Key.Key_unknown)
        if not query[-1].isascii():
            picker.query.insert(query[-1])
        while waiting["since"] and time.perf_counter() < end + 5:
            app.processEvents()
    s = sorted(painted)
    p95 = s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))]
    print(f"keystroke → hits painted at {args.matters} matters: p50 {statistics.median(s):.1f} ms, "
          f"p95 {p95:.1f} ms, max {s[-1]:.1f} ms over {len(s)} keys (no debounce; search and paint "
          f"included; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores, shared machine)")
    picker.close()
    close_context(ctx)
    db.dispose()


if __name__ == "__main__":
    main()
