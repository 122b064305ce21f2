"""Start to a painted sign-in dialog: a fresh process (offscreen Qt) from spawn until the dialog's
first paint event, on a first run (migrate + seed; the demo catalog is imported in the background
after the dialog shows) and on later runs. The time is taken here, in the parent, when the child
prints its first-paint line — Python start-up and every import are inside it. The child then closes
the dialog and waits for its background work (a first run's catalog import) before exiting.
The CPU time the app process used until the paint is printed too: on a shared, loaded machine
it shows the work itself where the wall time mostly shows the wait for a core.

``python bench/bench_startup.py [--runs 7]``; figures are medians (the machine may be shared).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time


def start_once(data_dir: str) -> tuple[float, float]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CLERK_BENCH_STARTUP="1")
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "clerk.cli", "--data-dir", data_dir, "app"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    painted = inner = float("nan")
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("login_painted_ms="):
            painted = (time.perf_counter() - t0) * 1000
            inner = float(line.split("cpu_ms=")[1])  # CPU time of the app process until the paint
            break
    _out, err = proc.communicate(timeout=120)
    if proc.returncode != 0 or painted != painted:
        raise SystemExit(f"app failed (rc {proc.returncode}): {err[-2000:]}")
    return painted, inner


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    firsts, warms = [], []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as d:
            firsts.append(start_once(d))
            warms += [start_once(d) for _ in range(max(1, args.runs // 3))]
    for label, runs in (("first run (migrate + seed; catalog after the dialog)", firsts), ("warm", warms)):
        wall, cpu = [w for w, _ in runs], [c for _, c in runs]
        print(f"startup {label}: median {statistics.median(wall):.0f} ms (max {max(wall):.0f}) spawn → sign-in "
              f"dialog painted; CPU of the app process until then: median {statistics.median(cpu):.0f} ms; "
              f"{len(runs)} runs")
    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared machine)")


if __name__ == "__main__":
    main()
