"""Intake at the window, measured on the real app (offscreen Qt, demo catalog, SQLite, the ID
card reader emulator on a loopback socket):

* card latency: the emulator's last reply byte → the applicant's name shown in the form
  (goal ≤ 50 ms);
* keystrokes from card placed to receipt printed for a common single-matter acceptance with
  every material present (goal ≤ 8), and the wall time of that flow;
* receipt PDF render time inside the flow.
"""
from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def wait(app: QApplication, cond, timeout: float = 10.0) -> None:
    end = time.perf_counter() + timeout
    while not cond():
        app.processEvents()
        if time.perf_counter() > end:
            raise SystemExit("timed out")
        time.sleep(0.0005)


def main() -> None:
    from clerk import auth
    from clerk.commands import open_config, open_db
    from devices.idcard import CardData
    from devices.idcard_emulator import ReaderEmulator
    from ui.app import make_app
    from ui.bootstrap import close_context, make_context, make_hub
    from ui.documents import DocumentService
    from ui.main_window import MainWindow

    app = make_app()
    with tempfile.TemporaryDirectory() as d:
        class Args:
            data_dir = d
        cfg, db = open_config(Args), open_db(Args)
        ctx = make_context(cfg, db=db, window_number=2)   # the app's composition root
        ctx.user = auth.login(db, "clerk", "clerk123")
        docs = DocumentService(ctx, preview=False)
        win = MainWindow(ctx, documents=docs)
        win.show()
        card = CardData(name="张三", sex="男", birth_date=dt.date(1990, 1, 1), id_number="330225199001011234",
                        valid_from=dt.date(2020, 1, 1), valid_to=dt.date(2040, 1, 1), nation="汉",
                        address="浙江省象山县丹东街道天安路 1 号", authority="象山县公安局")
        latencies, flows, keys_used, renders = [], [], [], []
        with ReaderEmulator(None) as emu:
            ctx.devices = {"idcard_port": emu.start_tcp()}
            hub = make_hub(ctx)
            hub.card_read.connect(win.card_read)
            win.intake.applicant.read_card.connect(hub.read_now)
            hub.start()
            for i in range(12):
                win.intake.case = None
                win.intake.new_case()
                wait(app, lambda: ctx.tasks.pending == 0)
                produced: list[str] = []
                conn = docs.produced.connect(lambda kind, path, _w: produced.append(path))
                t0 = time.perf_counter()
                emu.place(card)
                wait(app, lambda: win.intake.applicant.name.text() == "张三")
                latencies.append((time.perf_counter() - emu.last_reply_sent_at) * 1000)
                wait(app, lambda: ctx.tasks.pending == 0)
                keys = 0
                for ch in "sbk":
                    QTest.keyClick(win.intake.picker.query, ch)
                    keys += 1
                wait(app, lambda: win.intake.picker.results.count() > 0 and ctx.tasks.pending == 0)
                QTest.keyClick(win.intake.picker.query, Qt.Key.Key_Return)
                keys += 1
                wait(app, lambda: win.intake.case is not None and ctx.tasks.pending == 0)
                QTest.keyClick(win.intake, Qt.Key.Key_F4)
                keys += 1
                wait(app, lambda: all(c.status == "presented" for c in win.intake.case.checks) and ctx.tasks.pending == 0)
                QTest.keyClick(win.intake, Qt.Key.Key_F5)
                keys += 1
                r0 = time.perf_counter()
                wait(app, lambda: bool(produced))
                renders.append((time.perf_counter() - r0) * 1000)
                flows.append((time.perf_counter() - t0) * 1000)
                keys_used.append(keys)
                docs.produced.disconnect(conn)
                emu.remove()
                time.sleep(0.6)  # the watcher sees the card leave before the next one is placed
        close_context(ctx)

    def p(xs, q):
        xs = sorted(xs)
        return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]
    warm = latencies[1:]
    print(f"card last byte → applicant shown: p50 {statistics.median(warm):.1f} ms, p95 {p(warm, .95):.1f} ms, "
          f"first {latencies[0]:.1f} ms (goal ≤ 50 ms)")
    print(f"keystrokes card placed → receipt printed (社会保障卡申领, its 申请表 has no required field): "
          f"{max(keys_used)} (goal ≤ 8)")
    print(f"accept → receipt PDF saved: p50 {statistics.median(renders[1:]):.0f} ms; "
          f"whole flow (card, search, check, accept, receipt): p50 {statistics.median(flows[1:]):.0f} ms")


if __name__ == "__main__":
    main()
    sys.stdout.flush()
    os._exit(0)  # skip PySide6's teardown at interpreter exit (it can crash after the figures are out)
