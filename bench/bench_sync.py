"""Sync figures on the desk side, against the real back office on loopback (SQLite):

* drain: N queued accepted cases (every 9th a bundle of two matters) pushed to the server —
  wall time and cases/s (goal: 10,000 in ≤ 60 s on the 2-core machine);
* attachments: one scan of S MiB uploaded by the engine (POST, then one PATCH streamed from the
  file; sha256 checked by the server) vs a plain HTTP PUT of the same bytes to a bare loopback server, same run
  (goal ≥ 50 %);
* CPU on the desk: process CPU seconds per case pushed, and per status change pulled.

    python bench/bench_sync.py [--cases 10000] [--mib 32] [--workers 8] [--server-workers 2]
"""
from __future__ import annotations

import argparse
import hashlib
import http.server
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests

from bench.sync_desk import bulk_cases, make_desk, start_backoffice
from clerk import sync
from clerk.attachments import store_blob
from clerk.sync.http import Client
from clerk.sync.push import Options, upload_blob

ENROL = "demo-enrol-33022501"


class _Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_PUT(self) -> None:
        left = int(self.headers["Content-Length"])
        h = hashlib.sha256()
        while left:
            chunk = self.rfile.read(min(left, 1 << 20))
            h.update(chunk)
            left -= len(chunk)
        body = h.hexdigest().encode()
        self.send_response(201)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a: object) -> None:
        pass


def plain_upload(data: bytes) -> float:
    """Seconds for one PUT of ``data`` to a bare HTTP server on loopback that hashes what it reads."""
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        start = time.perf_counter()
        r = requests.put(f"http://127.0.0.1:{srv.server_port}/x", data=data, timeout=300)
        took = time.perf_counter() - start
        assert r.status_code == 201 and r.text == hashlib.sha256(data).hexdigest()
        return took
    finally:
        srv.shutdown()
        srv.server_close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--cases", type=int, default=10_000)
    p.add_argument("--mib", type=int, default=32)
    p.add_argument("--workers", type=int, default=8)
    p.add_argument("--server-workers", type=int, default=2)
    p.add_argument("--pull", type=int, default=500, help="status changes pulled for the CPU figure")
    p.add_argument("--sqlite-normal", action="store_true",
                   help="the server's SQLite with synchronous=NORMAL (FULL is its default)")
    p.add_argument("--attachments-only", action="store_true", help="only the attachment upload figure")
    p.add_argument("--repeat", type=int, default=5, help="fresh scans sent both ways; the best of each is quoted")
    args = p.parse_args(argv)
    base = Path(tempfile.mkdtemp(prefix="bench_sync_"))
    server = start_backoffice(base / "backoffice", workers=args.server_workers, faults=False,
                              extra_args=("--sqlite-synchronous", "normal") if args.sqlite_normal else ())
    print(f"server: SQLite synchronous={'NORMAL' if args.sqlite_normal else 'FULL'}, {args.server_workers} worker(s)")
    try:
        db = make_desk(base / "desk")
        files = base / "desk" / "files"
        sync.enrol(db, server.url, ENROL, "1号窗口")
        if not args.attachments_only:
            drain_and_pull(args, base, server, db, files)
        attachments(args, server, db, files, args.repeat)
        return 0
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)  # some 200 MB of scans and databases per run


def drain_and_pull(args: argparse.Namespace, base: Path, server: Any, db: Any, files: Path) -> None:
    t = time.perf_counter()
    bulk_cases(db, files, args.cases, bundle_every=9)
    print(f"queued {args.cases} cases in {time.perf_counter() - t:.1f} s "
          f"({sync.status(db)['pending']} outbox entries)", flush=True)

    opts = Options(workers=args.workers, batch=20_000, commit_every=500)
    cpu0, t0 = time.process_time(), time.perf_counter()
    rounds = 0
    while sync.status(db)["pending"]:
        rounds += 1
        rep = sync.run_once(db, files, opts=opts)
        if rep.error or rounds > 20:
            raise SystemExit(f"drain stopped: {rep}")
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    print(f"drain: {args.cases} cases in {wall:.1f} s = {args.cases / wall:.0f} cases/s "
          f"({rounds} round(s), {args.workers} desk workers, {args.server_workers} server workers; goal ≤ 60 s)")
    print(f"push CPU on the desk: {cpu / args.cases * 1000:.2f} ms per case")

    # pull: departments move cases, the desk applies the changes
    from backoffice import service

    store = service.Store(server.database_url)
    import sqlite3

    con = sqlite3.connect(str(base / "desk" / "clerk.sqlite3"))
    numbers = [r[0] for r in con.execute(
        "select number from case_file where matter_id is not null and parent_id is null and state='accepted' "
        "limit ?", (args.pull,))]
    con.close()
    for n in numbers:
        service.decide(store, n, "review", "审批员")
    store.dispose()
    cpu0, t0 = time.process_time(), time.perf_counter()
    rep = sync.run_once(db, files, opts=opts)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    print(f"pull: {rep.pulled} changes applied ({rep.applied}) in {wall:.2f} s; "
          f"CPU on the desk {cpu / max(1, rep.pulled) * 1000:.2f} ms per change")


def attachments(args: argparse.Namespace, server: Any, db: Any, files: Path, repeat: int = 5) -> None:
    """The engine vs a plain upload of the same bytes, same run: ``repeat`` fresh scans, each sent
    both ways (the best of each is quoted: the machine is shared, the slow runs are other load)."""
    with db.uow() as s:
        token = sync.state.token(s)
    client = Client(server.url, token, timeout=(5, 300))
    plains, engines = [], []
    for _ in range(repeat):
        data = os.urandom(args.mib * 1024 * 1024)
        digest = store_blob(files, data)
        plains.append(plain_upload(data))
        t0 = time.perf_counter()
        r = upload_blob(client, files, digest, len(data))
        engines.append(time.perf_counter() - t0)
        assert r.ok, r
    mb = args.mib * 1024 * 1024 / 1e6
    took, plain = min(engines), min(plains)
    med_e, med_p = statistics.median(engines), statistics.median(plains)
    print(f"attachment {args.mib} MiB (best of {repeat}): engine {mb / took:.0f} MB/s ({took:.3f} s), plain HTTP PUT "
          f"{mb / plain:.0f} MB/s ({plain:.3f} s) → {plain / took * 100:.0f} % (goal ≥ 50 %); medians {med_e:.3f} s vs "
          f"{med_p:.3f} s → {med_p / med_e * 100:.0f} %; all runs engine {', '.join(f'{t:.3f}' for t in engines)} s, "
          f"plain {', '.join(f'{t:.3f}' for t in plains)} s")
    t0 = time.perf_counter()
    again = upload_blob(client, files, digest, len(data))
    print(f"the same attachment again: {time.perf_counter() - t0:.3f} s (one POST, nothing sent: skipped={again.data.get('skipped')})")


if __name__ == "__main__":
    raise SystemExit(main())
