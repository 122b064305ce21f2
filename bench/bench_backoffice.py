"""The back office server's throughput over loopback HTTP: PUT case, POST event, GET changes, and
blob PATCH, on SQLite and on PostgreSQL, with a few client threads (keep-alive sessions).

``python bench/bench_backoffice.py [--cases 600] [--threads 4] [--workers 1] [--pg URL] [--no-pg]``

Each phase prints requests/s and latency p50/p95 in ms. The server is the real one
(``python -m backoffice serve``, uvicorn) in its own process; feed rows for the changes phase are
made by department decisions (service.decide on the same database). PostgreSQL: ``--pg``, else
``CLERK_TEST_PG_URL``, else the embedded server of the test extra (tests/pgserver.py; fsync off).
"""
from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from backoffice import core, service  # noqa: E402
from tests.backoffice_server import BackofficeServer, pg_database, sample_case  # noqa: E402

TUS = "application/offset+octet-stream"


def run_phase(name: str, jobs: list[Callable[[requests.Session], requests.Response]], threads: int,
              expect: set[int]) -> dict[str, float]:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    todo = iter(enumerate(jobs))

    def worker() -> None:
        web = requests.Session()
        while True:
            with lock:
                nxt = next(todo, None)
            if nxt is None:
                return
            t0 = time.perf_counter()
            r = nxt[1](web)
            dt_ = time.perf_counter() - t0
            with lock:
                latencies.append(dt_)
                if r.status_code not in expect:
                    errors.append(f"{r.status_code} {r.text[:200]}")

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    wall = time.perf_counter() - started
    lat = sorted(latencies)
    out = {"n": len(lat), "rps": len(lat) / wall, "p50": 1000 * statistics.median(lat),
           "p95": 1000 * lat[int(0.95 * (len(lat) - 1))], "errors": len(errors)}
    print(f"  {name:<22} {out['n']:>5} requests  {out['rps']:8.1f} req/s  p50 {out['p50']:6.1f} ms  "
          f"p95 {out['p95']:6.1f} ms  errors {out['errors']}", flush=True)
    if errors:
        print("    first error:", errors[0], flush=True)
    return out


def bench(label: str, server: BackofficeServer, cases: int, threads: int) -> None:
    print(f"== {label}: {cases} cases, {threads} client threads, {server.workers} server worker(s) ==", flush=True)
    tokens = [server.register(f"B{i:02d}") for i in range(threads)]
    bodies = [sample_case() for _ in range(cases)]

    def put_job(i: int) -> Callable[[requests.Session], requests.Response]:
        body, tok = bodies[i], tokens[i % threads]
        return lambda web: web.put(f"{server.url}/api/v1/cases/{body['uuid']}", json=body,
                                   headers=server.auth(tok), timeout=60)

    run_phase("PUT case", [put_job(i) for i in range(cases)], threads, {201})
    run_phase("PUT case (replay)", [put_job(i) for i in range(cases)], threads, {201})

    def event_job(i: int) -> Callable[[requests.Session], requests.Response]:
        body, tok = bodies[i], tokens[i % threads]
        ev = {"type": "evaluation", "case_uuid": body["uuid"], "at": "2026-12-02T10:00:00",
              "data": {"level": 5, "reasons": [], "text": "", "stage": "accept"}}
        key = f"bench-{body['uuid']}"
        return lambda web: web.post(f"{server.url}/api/v1/cases/{body['uuid']}/events", json=ev,
                                    headers=server.auth(tok, **{"Idempotency-Key": key}), timeout=60)

    run_phase("POST event", [event_job(i) for i in range(cases)], threads, {201})

    store = core.Store(server.database_url)
    try:
        t0 = time.perf_counter()
        for b in bodies:
            service.decide(store, b["uuid"], "approve", "bench")
        print(f"  ({cases} decisions in-process: {cases / (time.perf_counter() - t0):.0f}/s)", flush=True)
    finally:
        store.dispose()

    def drain_job(tok: str) -> list[Callable[[requests.Session], requests.Response]]:
        state = {"cursor": ""}

        def one(web: requests.Session) -> requests.Response:
            r = web.get(f"{server.url}/api/v1/changes", params={"cursor": state["cursor"], "limit": 100},
                        headers=server.auth(tok), timeout=60)
            state["cursor"] = r.json()["cursor"]
            return r

        return [one] * (cases // 100 + 1)

    # each thread drains the whole feed from the start, page by page (100 rows a page)
    jobs_per_thread = [drain_job(t) for t in tokens]
    # a thread's pages go in order (each follows the cursor of the one before); threads side by side
    results = []

    def chain(jobs: list[Callable[[requests.Session], requests.Response]]) -> None:
        web = requests.Session()
        for job in jobs:
            t0 = time.perf_counter()
            r = job(web)
            results.append((time.perf_counter() - t0, r.status_code, len(r.json()["changes"])))

    started = time.perf_counter()
    pool = [threading.Thread(target=chain, args=(j,)) for j in jobs_per_thread]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    wall = time.perf_counter() - started
    lat = sorted(r[0] for r in results)
    rows = sum(r[2] for r in results)
    print(f"  {'GET changes (100/page)':<22} {len(lat):>5} requests  {len(lat) / wall:8.1f} req/s  "
          f"p50 {1000 * statistics.median(lat):6.1f} ms  p95 {1000 * lat[int(0.95 * (len(lat) - 1))]:6.1f} ms  "
          f"rows {rows / wall:8.0f}/s  errors {sum(r[1] != 200 for r in results)}", flush=True)

    blob = os.urandom(4 * 1024 * 1024)
    chunks, size = 8, 4 * 1024 * 1024

    def blob_job(i: int) -> Callable[[requests.Session], requests.Response]:
        data = blob[:-8] + i.to_bytes(8, "big")
        sha = hashlib.sha256(data).hexdigest()
        tok = tokens[i % threads]

        def up(web: requests.Session) -> requests.Response:
            web.post(f"{server.url}/api/v1/blobs/{sha}", headers=server.auth(tok, **{"Upload-Length": str(size)}))
            return web.patch(f"{server.url}/api/v1/blobs/{sha}", data=data, timeout=120,
                             headers=server.auth(tok, **{"Upload-Offset": "0", "Content-Type": TUS}))

        return up

    t0 = time.perf_counter()
    out = run_phase("blob 4 MiB (POST+PATCH)", [blob_job(i) for i in range(chunks)], threads, {204})
    print(f"  {'':<22} {chunks * size / (time.perf_counter() - t0) / 2**20:8.1f} MiB/s stored and verified "
          f"({out['n']} blobs)", flush=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=600)
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--pg", default=None)
    p.add_argument("--no-pg", action="store_true")
    p.add_argument("--sqlite-normal", action="store_true",
                   help="also run SQLite with synchronous=NORMAL (no fsync per commit)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-bo-") as tmp:
        with BackofficeServer(Path(tmp) / "sqlite", workers=args.workers, faults=False) as server:
            bench("SQLite (synchronous=FULL)", server, args.cases, args.threads)
        if args.sqlite_normal:
            with BackofficeServer(Path(tmp) / "sqlite-normal", workers=args.workers, faults=False,
                                  extra_args=("--sqlite-synchronous", "normal")) as server:
                bench("SQLite (synchronous=NORMAL)", server, args.cases, args.threads)
        if args.no_pg:
            return 0
        base, embedded = args.pg or os.environ.get("CLERK_TEST_PG_URL"), None
        if not base:
            from tests import pgserver

            embedded = pgserver.Server(Path(tmp))
            try:
                base = embedded.start()
            except pgserver.PgUnavailable as exc:
                print(f"PostgreSQL skipped: {exc}")
                return 0
        try:
            with pg_database(base) as url, BackofficeServer(Path(tmp) / "pg", database_url=url,
                                                            workers=args.workers, faults=False) as server:
                bench("PostgreSQL" + (" (embedded, fsync off)" if embedded else ""), server, args.cases, args.threads)
        finally:
            if embedded is not None:
                embedded.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
