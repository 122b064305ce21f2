"""Cold start to the login window: a fresh process (offscreen Qt) until the login dialog is
shown, on a first run (migrate + seed the demo catalog) and on later runs."""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time


def start_once(data_dir: str) -> tuple[float, float]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CLERK_BENCH_STARTUP="1")
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "clerk.cli", "--data-dir", data_dir, "app"], env=env,
                         capture_output=True, text=True, timeout=120)
    wall = (time.perf_counter() - t0) * 1000
    inner = next((float(line.split("=")[1]) for line in out.stdout.splitlines() if line.startswith("login_window_ms=")), float("nan"))
    if out.returncode != 0:
        raise SystemExit(out.stderr[-2000:])
    return wall, inner


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        first, first_inner = start_once(d)
        runs = [start_once(d) for _ in range(5)]
    walls = [w for w, _ in runs]
    print(f"startup first run (migrate + seed demo catalog): {first:.0f} ms to login window "
          f"(in-process {first_inner:.0f} ms)")
    print(f"startup warm: median {statistics.median(walls):.0f} ms, max {max(walls):.0f} ms over {len(walls)} runs "
          f"(process start → login dialog shown)")


if __name__ == "__main__":
    main()
