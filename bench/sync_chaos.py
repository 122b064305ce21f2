"""Chaos run of the desk's sync against the real back office (Jepsen-style set check).

    python -m bench.sync_chaos --cases 1000 --kills 200

A desk with N accepted cases (bundles and scans among them) and a back office on loopback. The
sync process (``python -m clerk.cli sync --loop``) is started again and again and killed with
SIGKILL — at a random moment, or by a named crash point inside the engine (``push.after_reply``:
replies in hand, local commit not done; ``pull.after_cursor_save``: a page and its cursor
committed) — while departments decide cases on the server and the desk hands ready results over.
A scanning process is also killed between the scan file's write and its row's insert
(``attach.after_blob``). Then the sync runs to the end without kills, and the checks:

- lost = acknowledged (sent at the desk) − present on the server; unexpected = present − made at
  the desk; duplicated = present more than once (by uuid and by number) — all empty;
- every scan on the server byte-equal to the desk's file; no attachment row without its file;
- desk and server states equal for every matter case; nothing pending or dead at the desk;
- the desk's SQLite ``integrity_check`` is ok.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select, text

from bench.sync_desk import bulk_cases, make_desk, start_backoffice
from clerk import cases, sync
from clerk.attachments import blob_path
from clerk.models import Attachment, Case, OutboxEntry

ROOT = Path(__file__).resolve().parents[1]
ENROL = "demo-enrol-33022501"
POINTS = ("push.after_reply", "pull.after_cursor_save")


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update({"CLERK_SYNC_BACKOFF_BASE": "0.05", "CLERK_SYNC_BACKOFF_CAP": "0.5", "CLERK_SYNC_MAX_FAILURES": "1000",
                "CLERK_SYNC_TIMEOUT": "10", "CLERK_SYNC_IDLE": "0.3"})
    env.pop("CLERK_SYNC_CRASH", None)
    env.update(extra or {})
    return env


def _sync_proc(data_dir: Path, crash: str | None) -> subprocess.Popen[bytes]:
    extra = {"CLERK_SYNC_CRASH": crash} if crash else {}
    return subprocess.Popen([sys.executable, "-m", "clerk.cli", "--data-dir", str(data_dir), "sync", "--loop"],
                            env=_env(extra), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)


def _working(db: Any, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> bool:
    """Wait until the sync process holds the outbox lease (imports done, a round begun)."""
    import socket

    from clerk.models import SyncState

    me = f"{socket.gethostname()}:{proc.pid}"
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        with db.uow() as s:
            if s.get(SyncState, 1).lock_holder == me:
                return True
        time.sleep(0.02)
    return False


def _kill_scanner(data_dir: Path, case_id: int, n: int) -> int:
    """A scan attached in a process killed after the file is written, before its row: returns the
    process's exit (−9 expected)."""
    code = (
        "import sys; from clerk.commands import open_config, open_db; from clerk import attachments;"
        "from tests.casefixtures import clerk_user; from tests.sync.desk import scan; import argparse;"
        f"a = argparse.Namespace(data_dir={str(data_dir)!r}); db = open_db(a);"
        f"attachments.attach(db, clerk_user(db), open_config(a).files_dir, {case_id}, 'birth_cert', 'x.pdf', scan({n}))")
    p = subprocess.run([sys.executable, "-c", code], env=_env({"CLERK_SYNC_CRASH": "attach.after_blob"}), cwd=ROOT,
                       capture_output=True, timeout=120)
    return p.returncode


def _server_cases(server: Any, token: str) -> list[dict[str, Any]]:
    import requests

    out: list[dict[str, Any]] = []
    while True:
        r = requests.get(f"{server.url}/api/v1/cases", params={"limit": 500, "offset": len(out)},
                         headers={"Authorization": f"Bearer {token}"}, timeout=60)
        r.raise_for_status()
        page = r.json()["cases"]
        out.extend(page)
        if not page or len(out) >= r.json()["total"]:
            return out


def _decide_some(server: Any, rng: random.Random, token: str, k: int) -> int:
    """Departments move up to k matter cases one step on the server."""
    from backoffice import service

    store = service.Store(server.database_url)
    moved = 0
    try:
        held = [c for c in _server_cases(server, token) if c["state"] in ("accepted", "in_review", "approved",
                                                                           "supplement")]
        for c in rng.sample(held, min(k, len(held))):
            try:
                if c["state"] == "accepted":
                    service.decide(store, c["uuid"], "review", "审批员")
                elif c["state"] == "in_review":
                    if rng.random() < 0.15:
                        service.decide(store, c["uuid"], "supplement", "审批员", items=["birth_cert"], reason="不清晰")
                    else:
                        service.decide(store, c["uuid"], "approve", "审批员")
                elif c["state"] == "approved":
                    service.decide(store, c["uuid"], "ready", "审批员")
                else:
                    continue
                moved += 1
            except service.ApiError:
                continue  # a bundle case or already moved
    finally:
        store.dispose()
    return moved


def _desk_acts(db: Any, rng: random.Random, k: int) -> int:
    """The desk hands over results that are ready and takes supplements in."""
    from tests.casefixtures import ZHANG, clerk_user

    user = clerk_user(db)
    with db.uow() as s:
        ready = s.execute(select(Case.id, Case.state).where(Case.state.in_(("result_ready", "supplement")),
                                                             Case.matter_id.is_not(None))).all()
    done = 0
    for cid, st in rng.sample(ready, min(k, len(ready))):
        try:
            if st == "result_ready":
                cases.hand_over(db, user, cid, by="window", identity_number=ZHANG)
            else:
                cases.supply_supplement(db, user, cid, note="已补正")
            done += 1
        except Exception:  # noqa: BLE001 - a matter of a bundle: handed over with its bundle
            continue
    return done


def run_chaos(cases_n: int = 1000, kills: int = 200, *, seed: int = 1, workdir: Path | None = None,
              scan_every: int = 10, bundle_every: int = 9, scanner_kills: int = 3, max_alive: float = 1.5,
              verbose: bool = True) -> dict[str, Any]:
    rng = random.Random(seed)
    base = Path(workdir or tempfile.mkdtemp(prefix="sync_chaos_"))
    t0 = time.perf_counter()
    server = start_backoffice(base / "backoffice")
    try:
        desk_dir = base / "desk"
        db = make_desk(desk_dir)
        files = desk_dir / "files"
        sync.enrol(db, server.url, ENROL, "1号窗口")
        token = server.register("CHK")
        # half the cases now, the rest a few at a time between kills: each run finds work to push
        first = cases_n // 2 if kills else cases_n
        made = bulk_cases(db, files, first, scan_every=scan_every, bundle_every=bundle_every)
        later = [cases_n - first] if not kills else [(cases_n - first) * (i + 1) // kills - (cases_n - first) * i // kills
                                                     for i in range(kills)]
        # scans killed between the file and the row
        with db.uow() as s:
            some = s.scalars(select(Case.id).where(Case.matter_id.is_not(None), Case.parent_id.is_(None)).limit(1)).all()
        scanner = [_kill_scanner(desk_dir, some[0], 900_000 + i) for i in range(scanner_kills)] if some else []
        named = random_kills = exited = decided = acted = 0
        for i in range(kills):
            crash = rng.choice(POINTS) + f":{rng.randint(1, 3)}" if rng.random() < 0.5 else None
            proc = _sync_proc(desk_dir, crash)
            started = _working(db, proc)
            try:
                proc.wait(timeout=20.0 if crash else rng.uniform(0.0, max_alive) if started else 0.0)
                named += crash is not None and proc.returncode == -signal.SIGKILL
                exited += proc.returncode != -signal.SIGKILL
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                random_kills += 1
            if later[i]:
                made += bulk_cases(db, files, later[i], scan_every=scan_every, bundle_every=bundle_every, first=len(made))
            decided += _decide_some(server, rng, token, max(2, cases_n // 40))
            acted += _desk_acts(db, rng, max(1, cases_n // 100))
            if verbose and i % 20 == 0:
                st = sync.status(db)
                print(f"kill {i + 1}/{kills}: pending {st['pending']} sent {st['sent']} "
                      f"(named {named}, random {random_kills})", flush=True)
        # to the end, without kills: rounds until nothing is pending and the feed is drained
        rounds = 0
        os.environ.update({k: v for k, v in _env().items() if k.startswith("CLERK_SYNC_")})
        os.environ.pop("CLERK_SYNC_CRASH", None)
        while True:
            rounds += 1
            rep = sync.run_once(db, files)
            if rep.error and rounds > 50:
                raise SystemExit(f"sync does not drain: {rep.error}")
            if sync.status(db)["pending"] == 0 and not rep.sent and not rep.applied and rounds > 1:
                break
            with db.uow() as s:  # the backoff of the chaos phase is over
                for e in s.scalars(select(OutboxEntry).where(OutboxEntry.state == "pending")):
                    e.next_attempt_at = None
        result = check(db, files, server, token, made)
        result.update(cases=cases_n, kills=kills, named_kills=named, random_kills=random_kills, exited=exited,
                      scanner_exits=scanner, decisions=decided, desk_actions=acted, final_rounds=rounds,
                      seconds=round(time.perf_counter() - t0, 1))
        return result
    finally:
        server.stop()


def check(db: Any, files: Path, server: Any, token: str, made: list[str]) -> dict[str, Any]:
    held = _server_cases(server, token)
    by_uuid = Counter(c["uuid"] for c in held)
    by_number = Counter(c["number"] for c in held)
    with db.uow() as s:
        desk = {c.uuid: c for c in s.scalars(select(Case).where(Case.number.is_not(None)))}
        acked = {e.request["uuid"] for e in s.scalars(select(OutboxEntry).where(
            OutboxEntry.state == "sent", OutboxEntry.kind.in_(("case.accept", "case.notify", "case.refuse"))))
            if e.request and e.request.get("op") == "put"}
        acked |= {c.uuid for u in list(acked) for c in desk[u].children} if acked else set()
        atts = list(s.scalars(select(Attachment)))
        pending = s.scalar(select(text("count(*)")).select_from(OutboxEntry).where(
            OutboxEntry.state.in_(("pending", "dead"))))
        integrity = s.execute(text("PRAGMA integrity_check")).scalar() if db.dialect == "sqlite" else "ok"
        desk_states = {u: c.state for u, c in desk.items()}
        matter_uuids = {u for u, c in desk.items() if c.matter_id is not None}
    present = set(by_uuid)
    lost = sorted(acked - present)
    unexpected = sorted(present - set(desk))
    dup = sorted([u for u, n in by_uuid.items() if n > 1] + [n for n, k in by_number.items() if k > 1])
    server_states = {c["uuid"]: c["state"] for c in held}
    mismatched = sorted(u for u in matter_uuids if server_states.get(u) != desk_states[u])
    missing_files = [a.id for a in atts if not blob_path(files, a.sha256).exists()]
    import requests

    bad_blobs = []
    shas = {x["sha256"] for c in held for x in c["attachments"]}
    for sha in sorted(shas):
        r = requests.get(f"{server.url}/api/v1/blobs/{sha}", headers={"Authorization": f"Bearer {token}"}, timeout=60)
        if r.status_code != 200 or hashlib.sha256(r.content).hexdigest() != sha or \
                r.content != blob_path(files, sha).read_bytes():
            bad_blobs.append(sha)
    return {"made": len(made), "acknowledged": len(acked), "present": len(present), "lost": len(lost),
            "unexpected": len(unexpected), "duplicated": len(dup), "state_mismatches": len(mismatched),
            "blobs_checked": len(shas), "blobs_bad": len(bad_blobs), "rows_without_file": len(missing_files),
            "pending_or_dead": int(pending or 0), "integrity": integrity,
            "examples": {"lost": lost[:3], "mismatched": [(u, desk_states[u], server_states.get(u)) for u in mismatched[:3]]}}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=1000)
    p.add_argument("--kills", type=int, default=200)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    r = run_chaos(args.cases, args.kills, seed=args.seed)
    print(json.dumps(r, ensure_ascii=False, indent=1))
    ok = (r["lost"] == r["unexpected"] == r["duplicated"] == r["state_mismatches"] == r["blobs_bad"]
          == r["rows_without_file"] == r["pending_or_dead"] == 0 and r["integrity"] == "ok"
          and r["acknowledged"] == r["present"])
    print("OK: 0 lost, 0 duplicated, 0 unexpected, attachments byte-equal, statuses equal, nothing pending"
          if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
