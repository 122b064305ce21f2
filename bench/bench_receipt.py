"""Receipt render time: first render (font registration included), then p50/p95 over 50 renders
of a typical 8-material receipt and of a 40-material (two-page) one. Goal: p50 ≤ 100 ms.

Then the first receipt after start, each in a fresh process (``--fresh N`` of them): cold (the
imports, the font and reportlab's first-use caches paid by the receipt) and after the warm-up
the app runs in the background after sign-in (``printing.warm.warm``, through
``DocumentService.warm``). Goal: the first receipt after start ≤ 150 ms.

Run: ``python bench/bench_receipt.py`` (or ``python -m bench receipt``). Prints figures only.
"""
from __future__ import annotations

import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from printing.data import ApplicantInfo, HallInfo, MaterialLine, ReceiptData  # noqa: E402
from printing.receipt import render_receipt  # noqa: E402

RUNS = 50


def receipt(n_materials: int) -> ReceiptData:
    return ReceiptData(
        case_number="33022501W01202611230007", matter_names=["出生医学证明办理", "户口登记（出生）"],
        bundle_name="出生一件事", applicant=ApplicantInfo("张晓明", "330226********2316", "138****5678"),
        accepted_at=dt.datetime(2026, 11, 23, 9, 41), promised_date=dt.date(2026, 11, 25),
        statutory_days=20, promised_days=2, hall=HallInfo("宁海县行政服务中心", "兴宁中路1号", "0574-65512345"),
        clerk_name="王丽", window_name="综合受理 3 号窗口",
        materials=[MaterialLine(f"申请材料第{i + 1}项", "原件及复印件", 1, "已提交") for i in range(n_materials)])


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


FIRST = """
import sys, time
sys.path.insert(0, {root!r})
from bench.bench_receipt import receipt
if {warm}:
    from printing.warm import warm
    warm()
started = time.perf_counter()
from printing.receipt import render_receipt
render_receipt(receipt(8))
print((time.perf_counter() - started) * 1000)
"""


def first_receipt(warm: bool, runs: int) -> list[float]:
    """The first receipt of a fresh process (imports included), with or without the warm-up."""
    root = str(Path(__file__).resolve().parents[1])
    code = FIRST.format(root=root, warm=warm)
    return sorted(float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                       check=True).stdout.split()[-1]) for _ in range(runs))


def main() -> int:
    fresh = int(sys.argv[sys.argv.index("--fresh") + 1]) if "--fresh" in sys.argv else 5
    load = os.getloadavg()[0]
    for warm in (False, True):
        runs = first_receipt(warm, fresh)
        what = "after the sign-in warm-up (printing.warm)" if warm else "cold (nothing warmed)"
        print(f"first receipt after start, {what}: p50 {statistics.median(runs):.1f} ms, max {runs[-1]:.1f} ms "
              f"over {fresh} fresh processes (goal <= 150 ms; load average {load:.1f} on {os.cpu_count()} cores)")
    typical, long = receipt(8), receipt(40)
    print(f"first render (incl. font registration): {timed(lambda: render_receipt(typical)):.1f} ms")
    for label, data in (("8 materials, 1 page", typical), ("40 materials, 2 pages", long)):
        runs = sorted(timed(lambda: render_receipt(data)) for _ in range(RUNS))
        p95 = runs[int(round(0.95 * (len(runs) - 1)))]
        print(f"{label}: p50 {statistics.median(runs):.1f} ms, p95 {p95:.1f} ms "
              f"over {RUNS} runs (goal p50 <= 100 ms), {len(render_receipt(data)) // 1024} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
