"""Catalog import benchmark: 10,000 and 50,000 rows, three shapes — our JSON (materials and
situation questions), a published .xlsx list (title rows, merged department cells, 25 % with
materials) and the same list as a GBK CSV — each imported into a fresh SQLite file in a child
process, which reports wall and CPU seconds, rows/s and its peak memory (ru_maxrss, the whole
process: Python, SQLAlchemy, pypinyin's dictionaries and the import). While the 50,000-row
imports run, a second connection writes like a counter (one small transaction every 50 ms) and
the figures say how many of those writes succeeded and the longest wait.

Goals (issue 12): 10,000 rows ≤ 5 s, 50,000 ≤ 25 s, peak ≤ 300 MB; figures only, no verdict
beyond "met"/"NOT met". ``python bench/bench_catalog_import.py [N …] [--formats json,xlsx,csv]``."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GOAL_S = {10_000: 5.0, 50_000: 25.0}
GOAL_MB = 300


def peak_mb() -> float:
    """This process's peak resident memory: VmHWM, which starts afresh at exec (ru_maxrss on Linux
    carries the parent's peak over a fork + exec, so a big parent would inflate the figure)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(path: str, url: str, writer: bool) -> None:
    """Runs in the child: migrate (not timed), import with progress, print one JSON line."""
    import threading
    import time

    from clerk.catalog import import_catalog
    from clerk.db import Database
    from clerk.migrate import upgrade
    from clerk.models import Setting

    upgrade(url)
    db = Database(url)
    base_mb = peak_mb()
    stages: dict[str, float] = {}
    mark = [time.perf_counter(), ""]

    def progress(stage: str, _done: int, _total: int) -> None:
        now = time.perf_counter()
        if mark[1]:
            stages[mark[1]] = stages.get(mark[1], 0.0) + now - mark[0]
        mark[0], mark[1] = now, stage

    stop = threading.Event()
    writes = {"ok": 0, "failed": 0, "max_wait": 0.0}

    def counter() -> None:  # a counter workstation's small writes, on its own engine
        other = Database(url)
        i = 0
        while not stop.is_set():
            t = time.perf_counter()
            try:
                with other.uow() as s:
                    s.merge(Setting(key="bench_counter", value=str(i)))
                writes["ok"] += 1
            except Exception:  # noqa: BLE001 - a failed write is what we count
                writes["failed"] += 1
            writes["max_wait"] = max(writes["max_wait"], time.perf_counter() - t)
            i += 1
            stop.wait(0.05)
        other.dispose()

    thread = threading.Thread(target=counter, daemon=True) if writer else None
    if thread:
        thread.start()
    t, c = time.perf_counter(), time.process_time()
    report = import_catalog(db, path, progress=progress)
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    stop.set()
    if thread:
        thread.join()
    db.dispose()
    print(json.dumps({"rows": report.matters, "wall": wall, "cpu": cpu, "stages": stages, "base_mb": base_mb,
                      "peak_mb": peak_mb(),
                      "writes": writes if writer else None, "pending": report.materials_pending}))


def make(fmt: str, n: int, folder: Path) -> Path:
    """The sample file, made in a child process (this one stays small)."""
    path = folder / (f"demo-{n}.json" if fmt == "json" else f"published-{n}.{fmt}")
    script = "gen_catalog.py" if fmt == "json" else "gen_published.py"
    subprocess.run([sys.executable, str(ROOT / "bench" / script), str(path), str(n)], check=True, cwd=ROOT,
                   capture_output=True)
    return path


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        child(argv[1], argv[2], argv[3] == "1")
        return 0
    formats = ["json", "xlsx", "csv"]
    if "--formats" in argv:
        i = argv.index("--formats")
        formats = argv[i + 1].split(",")
        argv = argv[:i] + argv[i + 2:]
    sizes = [int(a) for a in argv] or [10_000, 50_000]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall time includes waiting for a core)")
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for n in sizes:
            for fmt in formats:
                path = make(fmt, n, folder)
                url = f"sqlite:///{folder}/{fmt}-{n}.sqlite3"
                r = subprocess.run([sys.executable, __file__, "--child", str(path), url, "1" if n >= 50_000 else "0"],
                                   capture_output=True, text=True, cwd=ROOT)
                if r.returncode != 0:
                    print(f"{fmt} {n}: FAILED\n{r.stderr[-2000:]}")
                    failed += 1
                    continue
                f = json.loads(r.stdout.strip().splitlines()[-1])
                stages = " ".join(f"{k} {v:.2f}" for k, v in f["stages"].items() if k != "done")
                goal = GOAL_S.get(n)
                verdict = ""
                if goal:
                    ok = f["wall"] <= goal and f["peak_mb"] <= GOAL_MB
                    verdict = f" | goal ≤{goal:.0f} s, ≤{GOAL_MB} MB: {'met' if ok else 'NOT met'}"
                print(f"{fmt:<4} {n:>6} rows ({path.stat().st_size / 1e6:5.1f} MB file, {f['pending']} without materials): "
                      f"{f['wall']:6.2f} s wall, {f['cpu']:6.2f} s CPU, {f['rows'] / f['wall']:7.0f} rows/s, "
                      f"peak {f['peak_mb']:5.0f} MB (before import {f['base_mb']:.0f} MB){verdict}")
                print(f"     stages (wall s): {stages}")
                if f["writes"]:
                    w = f["writes"]
                    print(f"     counter writes during the import: {w['ok']} ok, {w['failed']} failed, "
                          f"longest wait {w['max_wait']:.2f} s")
                path.unlink()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
