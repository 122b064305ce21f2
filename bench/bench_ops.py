"""The one hand-off (ui/ops.py), measured: how long a result takes from a worker thread to its
callback on the GUI thread, for database-lane jobs and device-thread calls, and the throughput of
a burst of jobs whose views are closed half way (dropped results included)."""
from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import shiboken6  # noqa: E402
from PySide6.QtWidgets import QApplication, QLabel  # noqa: E402

from ui.ops import Ops  # noqa: E402


def wait(app: QApplication, cond, timeout: float = 30.0) -> None:
    end = time.perf_counter() + timeout
    while not cond():
        if time.perf_counter() > end:
            raise SystemExit("timed out")
        app.processEvents()
        time.sleep(0.0005)


def round_trips(app: QApplication, ops: Ops, lane: str, n: int = 300) -> list[float]:
    times: list[float] = []
    for _ in range(n):
        got: list[float] = []
        t0 = time.perf_counter()
        ops.run(lambda: None, lambda _v: got.append(time.perf_counter()), lane=lane)
        wait(app, lambda: bool(got))
        times.append((got[0] - t0) * 1000)
    return times


def main() -> None:
    app = QApplication.instance() or QApplication([])
    ops = Ops(workers=2)
    for lane in ("db", "device"):
        ms = sorted(round_trips(app, ops, lane))
        print(f"ops_{lane}_round_trip_ms median={statistics.median(ms):.2f} p95={ms[int(len(ms) * 0.95)]:.2f}")
    views = [QLabel() for _ in range(100)]
    n, before = 5000, ops.delivered
    t0 = time.perf_counter()
    for i in range(n):
        v = views[i % len(views)]
        ops.run(lambda i=i: str(i), v.setText if i % 2 else (lambda r, v=v: v.setText(r)),
                lane="device" if i % 5 == 0 else "db")
        if i == n // 2:
            for v in views[::2]:
                shiboken6.delete(v)   # half the views closed while half the jobs are still queued
    wait(app, lambda: ops.pending == 0, timeout=120)
    secs = time.perf_counter() - t0
    print(f"ops_burst jobs={n} delivered={ops.delivered - before} dropped={ops.dropped} jobs_per_s={n / secs:.0f}")
    ops.shutdown()


if __name__ == "__main__":
    main()
