"""Push: the outbox to the back office, in order per case, many cases at once.

One rule: an entry becomes ``sent`` only after a well-formed success reply that echoes it, and
its request (frozen body, idempotency key) never changes between tries — so a kill at any point
(before, during, after a request, before the local commit) leads to the same request again and
the server's stored reply, never a second case.

Order: entries with the same root case go one after the other in id order (blobs before the PUT
that names them, the PUT before its events); a failed entry holds back the later ones of its case
only. Different cases go in parallel (``Options.workers`` threads, each with its own HTTP session);
outcomes are committed by the calling thread in batches.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select

from .. import audit
from ..attachments import blob_path
from ..auth import authorize
from ..db import Database
from ..dto import UserInfo
from ..models import OutboxEntry
from . import snapshot, state
from .crash import crash_point
from .http import API, Client, Result, backoff_delay, classify, classify_error, network_result

CHUNK = 64 * 1024 * 1024       # a PATCH carries the rest of a scan (the server writes it as it arrives)
SMALL_CHUNK = 4 * 1024 * 1024  # after a 413 (a server or proxy that caps request bodies)


@dataclass
class Options:
    workers: int = 4
    max_failures: int = 8           # after this many counted failures an entry is dead
    backoff_base: float = 2.0       # seconds; full jitter up to base·2^(n-1)
    backoff_cap: float = 900.0
    batch: int = 5000               # entries scheduled per round
    commit_every: int = 200         # outcomes per local commit
    chunk: int = CHUNK              # blob PATCH size
    timeout: tuple[float, float] = (5.0, 30.0)
    pull_limit: int = 100
    max_pages: int = 200

    @classmethod
    def from_env(cls) -> Options:
        """Tests and the chaos runs shorten the waits with CLERK_SYNC_* variables."""
        o = cls()
        env = os.environ
        if env.get("CLERK_SYNC_WORKERS"):
            o.workers = max(1, int(env["CLERK_SYNC_WORKERS"]))
        if env.get("CLERK_SYNC_MAX_FAILURES"):
            o.max_failures = max(1, int(env["CLERK_SYNC_MAX_FAILURES"]))
        if env.get("CLERK_SYNC_BACKOFF_BASE"):
            o.backoff_base = float(env["CLERK_SYNC_BACKOFF_BASE"])
        if env.get("CLERK_SYNC_BACKOFF_CAP"):
            o.backoff_cap = float(env["CLERK_SYNC_BACKOFF_CAP"])
        if env.get("CLERK_SYNC_TIMEOUT"):
            t = float(env["CLERK_SYNC_TIMEOUT"])
            o.timeout = (min(5.0, t), t)
        return o


@dataclass(frozen=True)
class Job:
    id: int
    key: str
    request: dict[str, Any]
    attempts: int


@dataclass
class PushReport:
    sent: int = 0
    covered: int = 0
    retried: int = 0
    dead: int = 0
    blocked: int = 0          # waiting behind an earlier entry of the same case, or not yet due
    offline: bool = False
    auth_error: str = ""
    errors: list[str] = field(default_factory=list)
    next_due: dt.datetime | None = None


# --------------------------------------------------------------------------- the wire

def _echo_put(req: dict[str, Any]) -> Callable[[dict[str, Any]], bool]:
    body = req["body"]
    return lambda d: d.get("uuid") == body["uuid"] and d.get("number") == body["number"]


def _echo_event(req: dict[str, Any]) -> Callable[[dict[str, Any]], bool]:
    return lambda d: d.get("case_uuid") in (req["body"]["case_uuid"], req["uuid"])


def send(client: Client, files_dir: Path, job: Job, chunk: int = CHUNK) -> Result:
    req = job.request
    try:
        if req["op"] == "blob":
            return upload_blob(client, files_dir, req["sha256"], req["size"], chunk)
        if req["op"] == "put":
            r = classify(client.request("PUT", f"{API}/cases/{req['uuid']}", body=req["body"]), _echo_put(req))
            if r.kind == "dead" and r.data.get("code") == "missing_blob":
                # a blob the server should hold is gone (or a desk bug): send them again, then the case
                for a in _attachments(req["body"]):
                    up = upload_blob(client, files_dir, a["sha256"], a["size"], chunk)
                    if not up.ok:
                        return up
                r = classify(client.request("PUT", f"{API}/cases/{req['uuid']}", body=req["body"]),
                             _echo_put(req))
            return r
        if req["op"] == "handover":
            return classify(client.request("PUT", f"{API}/handover-lists/{req['number']}", body=req["body"]),
                            lambda d: d.get("number") == req["number"])
        if req["op"] == "event":
            return classify(client.request("POST", f"{API}/cases/{req['uuid']}/events", body=req["body"],
                                           headers={"Idempotency-Key": job.key}), _echo_event(req))
    except Exception as exc:  # noqa: BLE001 - requests raises many kinds; all mean "not known done"
        return network_result(exc)
    return Result("dead", None, f"未知的上传操作 {req.get('op')}")


def _attachments(body: dict[str, Any]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for m in body.get("materials") or ():
        for a in m.get("attachments") or ():
            seen.setdefault(a["sha256"], a)
    return list(seen.values())


class FileSlice:
    """``size`` bytes of an open file from ``offset`` as one request body: requests takes its
    length for Content-Length and sends it block by block through one reused 1 MiB buffer: a
    32 MiB scan is not read into memory first, and no block is a fresh allocation."""

    BLOCK = 1024 * 1024

    def __init__(self, f: Any, offset: int, size: int) -> None:
        self.f, self.offset, self.size = f, offset, size

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[memoryview]:
        buf = memoryview(bytearray(max(1, min(self.BLOCK, self.size))))
        self.f.seek(self.offset)
        left = self.size
        while left:
            n = self.f.readinto(buf[:min(left, len(buf))])
            if not n:
                raise OSError("本机扫描件文件在上传中变短")
            yield buf[:n]  # sent (sendall) before the next block is read into the buffer
            left -= n


def upload_blob(client: Client, files_dir: Path, sha256: str, size: int, chunk: int = CHUNK) -> Result:
    """tus-like: POST says what the server holds (creating the upload if it has nothing), then
    PATCH the rest from its offset — by default in one request, streamed from the file. A
    complete blob is never sent again."""
    path = blob_path(files_dir, sha256)
    try:
        total = path.stat().st_size
    except OSError:
        return Result("dead", None, "本机扫描件文件缺失，无法上传，请重新扫描后重新发送")
    url = f"{API}/blobs/{sha256}"
    resp = client.request("POST", url, headers={"Upload-Length": str(total)})
    if resp.status_code in (200, 201) and _blob_headers(resp) is None:
        resp = client.request("HEAD", url)  # a server that does not name the offset in its POST reply
    if resp.status_code not in (200, 201):
        return classify_error(resp)
    head = _blob_headers(resp)
    if head is None:
        return Result("retry", resp.status_code, "后台对扫描件查询的回复不符合约定（可能是网络登录页），稍后重试")
    offset, length, complete = head
    if length not in (None, total):
        return Result("dead", resp.status_code, f"后台登记的扫描件长度 {length} 与本机 {total} 不符")
    if complete:
        return Result("ok", resp.status_code, "", "", data={"sha256": sha256, "size": total, "skipped": True})
    rounds = 0
    with path.open("rb") as f:
        while offset < total:
            rounds += 1
            if rounds > total // max(1, min(chunk, SMALL_CHUNK)) + 8:
                return Result("retry", None, "扫描件上传偏移反复不一致，稍后重试")
            body = FileSlice(f, offset, min(chunk, total - offset))
            resp = client.request("PATCH", url, data=body, headers={
                "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})
            if resp.status_code == 413 and chunk > SMALL_CHUNK:
                chunk = SMALL_CHUNK  # the server (or a proxy before it) caps a request's body
                resp = client.request("HEAD", url)
                if resp.status_code != 200:
                    return classify_error(resp)
                head = _blob_headers(resp)
                if head is None:
                    return Result("retry", 200, "后台对扫描件上传的回复不符合约定，稍后重试")
                if head[2]:
                    return Result("ok", 200, "", "", data={"sha256": sha256, "size": total})
                offset = head[0]
                continue
            if resp.status_code == 409:
                held = resp.headers.get("Upload-Offset", "")
                if not held.isdigit():
                    return classify_error(resp)
                offset = int(held)
                continue
            if resp.status_code == 422:
                if _local_sha(path) != sha256:
                    return Result("dead", 422, "本机扫描件文件已损坏（校验值不符），请重新扫描后重新发送")
                return Result("retry", 422, "后台校验扫描件不一致，将重新上传")
            if resp.status_code != 204:
                return classify_error(resp)
            new = resp.headers.get("Upload-Offset", "")
            if new == str(total) and resp.headers.get("Blob-Complete", "").lower() == "true":
                # complete: ours was the last chunk, or another desk finished the same bytes first
                return Result("ok", 204, "", "", data={"sha256": sha256, "size": total})
            if not new.isdigit() or int(new) != offset + len(body):
                # not where our chunk should have left it (another desk's upload of the same scan
                # went on between): ask where the server stands and go on from there — the
                # server's sha256 check at the end guards the bytes either way
                resp = client.request("HEAD", url)
                head = _blob_headers(resp) if resp.status_code in (200, 201) else None
                if head is None:
                    return Result("retry", 204, "后台对扫描件上传的回复不符合约定，稍后重试")
                if head[2]:
                    return Result("ok", resp.status_code, "", "", data={"sha256": sha256, "size": total})
                offset = head[0]
                continue
            offset = int(new)
            if offset == total:
                if resp.headers.get("Blob-Complete", "").lower() != "true":
                    return Result("retry", 204, "后台未确认扫描件完整，稍后重试")
                return Result("ok", 204, "", "", data={"sha256": sha256, "size": total})
    # The server holds every byte but has not finished the blob: the desk that sent the last
    # chunk went away before its reply (the bytes that arrived are kept), or a 409 told us so.
    # No chunk is left to send, so an empty PATCH at the end asks the server to check and finish
    # it — else nobody ever would, and the case would wait for its scan for ever.
    resp = client.request("PATCH", url, data=b"", headers={
        "Upload-Offset": str(total), "Content-Type": "application/offset+octet-stream"})
    if resp.status_code == 422:
        return Result("retry", 422, "后台校验扫描件不一致，将重新上传")
    if resp.status_code not in (204, 409):
        return classify_error(resp)
    head = _blob_headers(resp)
    if head is not None and head[2]:
        return Result("ok", resp.status_code, "", "", data={"sha256": sha256, "size": total})
    return Result("retry", None, "扫描件上传未完成，稍后重试")


def _blob_headers(resp: Any) -> tuple[int, int | None, bool] | None:
    off = resp.headers.get("Upload-Offset", "")
    length = resp.headers.get("Upload-Length", "")
    complete = resp.headers.get("Blob-Complete", "").lower()
    if not off.isdigit() or complete not in ("true", "false"):
        return None
    return int(off), (int(length) if length.isdigit() else None), complete == "true"


def _local_sha(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# --------------------------------------------------------------------------- the engine

def _freeze_all(db: Database) -> int:
    covered = 0
    while True:
        with db.uow() as s:
            todo = list(s.scalars(select(OutboxEntry).where(OutboxEntry.state == "pending",
                                                            OutboxEntry.request.is_(None))
                                  .order_by(OutboxEntry.id).limit(500)))
            if not todo:
                return covered
            snapshot.freeze(s, todo, state.now())
            covered += sum(1 for e in todo if e.state == "covered")


def _schedule(db: Database, limit: int, at: dt.datetime, report: PushReport,
              behind: set[str] | None = None) -> list[list[Job]]:
    """Groups of jobs by root case, in id order. An entry that must follow other cases (a 交接单:
    ``request["after"]``) waits while an earlier entry of any of them is pending or dead; when one
    of them is being sent this round, its root goes into ``behind`` (push then runs another pass)."""
    with db.uow() as s:
        rows = s.execute(select(OutboxEntry.id, OutboxEntry.root_uuid, OutboxEntry.state, OutboxEntry.next_attempt_at,
                                OutboxEntry.attempts, OutboxEntry.idempotency_key, OutboxEntry.request)
                         .where(OutboxEntry.state.in_(("pending", "dead")))
                         .order_by(OutboxEntry.id)).all()
    groups: dict[str, list[Job]] = {}
    blocked: set[str] = set()
    skipped: set[str] = set()
    count = 0
    for r in rows:
        root = r.root_uuid or f"entry:{r.id}"
        if root in blocked:
            if r.state == "pending":
                report.blocked += 1
            continue
        if root not in groups:
            if r.state == "dead" or (r.next_attempt_at is not None and r.next_attempt_at > at):
                blocked.add(root)
                if r.state == "pending":
                    report.blocked += 1
                    if report.next_due is None or r.next_attempt_at < report.next_due:
                        report.next_due = r.next_attempt_at
                continue
            if count >= limit:
                skipped.add(root)
                continue
            groups[root] = []
        if r.state != "pending" or r.request is None:
            blocked.add(root)
            continue
        after = set(r.request.get("after") or ()) if isinstance(r.request, dict) else set()
        if after & (blocked | skipped | (set(groups) - {root})):
            if behind is not None and after & (set(groups) - {root}):
                behind.add(root)
            blocked.add(root)
            if not groups[root]:
                del groups[root]
            report.blocked += 1
            continue
        groups[root].append(Job(r.id, r.idempotency_key, r.request, r.attempts))
        count += 1
    return [g for g in groups.values() if g]


def _apply(db: Database, outcomes: list[tuple[Job, Result]], opts: Options, report: PushReport,
           rng: Callable[[], float]) -> None:
    if not outcomes:
        return
    crash_point("push.after_reply")
    t = state.now()
    with db.uow() as s:
        rows = {e.id: e for e in s.scalars(select(OutboxEntry).where(OutboxEntry.id.in_([j.id for j, _ in outcomes])))}
        for job, r in outcomes:
            e = rows.get(job.id)
            if e is None or e.state != "pending":
                continue
            e.reply_status = r.status
            if r.ok:
                e.state, e.sent_at, e.last_error, e.next_attempt_at = "sent", t, "", None
                e.reply = r.reply or ""
                report.sent += 1
                continue
            e.reply = r.reply or ""
            e.last_error = r.message
            if r.kind == "dead":
                e.state = "dead"
                report.dead += 1
                continue
            if r.kind == "retry":
                e.attempts += 1
            if e.attempts >= opts.max_failures:
                e.state = "dead"
                e.last_error = f"已重试 {e.attempts} 次仍失败：{r.message}"
                report.dead += 1
                continue
            delay = backoff_delay(max(1, e.attempts), r.retry_after, base=opts.backoff_base, cap=opts.backoff_cap,
                                  rng=rng)
            e.next_attempt_at = t + dt.timedelta(seconds=delay)
            report.retried += 1
        state.row(s).lock_until = t + dt.timedelta(seconds=state.LEASE_SECONDS)


def push(db: Database, client: Client, files_dir: Path, opts: Options | None = None,
         rng: Callable[[], float] = random.random) -> PushReport:
    opts = opts or Options()
    report = PushReport()
    report.covered = _freeze_all(db)
    for n in range(3):
        if n:  # a later pass counts what still waits afresh
            report.blocked, report.next_due = 0, None
        behind: set[str] = set()
        groups = _schedule(db, opts.batch, state.now(), report, behind)
        if not groups:
            return report
        stopped = _push_groups(db, client, files_dir, opts, rng, report, groups)
        # a 交接单 waited behind cases sent in this pass: once they are sent, one more pass sends it
        if stopped or not behind:
            return report
    return report


def _push_groups(db: Database, client: Client, files_dir: Path, opts: Options, rng: Callable[[], float],
                 report: PushReport, groups: list[list[Job]]) -> bool:
    """One pass over the scheduled groups; True when the round stopped (offline, token refused)."""
    stop = threading.Event()

    def run(jobs: list[Job]) -> tuple[list[tuple[Job, Result]], int]:
        done: list[tuple[Job, Result]] = []
        for job in jobs:
            if stop.is_set():
                break
            r = send(client, files_dir, job, opts.chunk)
            if r.kind in ("offline", "auth"):
                stop.set()
                if r.kind == "auth":
                    report.auth_error = r.message
                else:
                    report.offline = True
                break
            done.append((job, r))
            if not r.ok:
                break
        return done, len(jobs) - len(done)  # the later entries of a case wait behind a failed one

    pending: list[tuple[Job, Result]] = []
    it = iter(groups)
    with ThreadPoolExecutor(max_workers=opts.workers, thread_name_prefix="clerk-sync") as pool:
        running: set[Future[tuple[list[tuple[Job, Result]], int]]] = set()
        for g in it:
            running.add(pool.submit(run, g))
            if len(running) >= opts.workers * 4:
                break
        while running:
            finished, running = wait(running, return_when=FIRST_COMPLETED)
            for f in finished:
                done, waiting = f.result()
                pending.extend(done)
                report.blocked += waiting
            if not stop.is_set():
                for g in it:
                    running.add(pool.submit(run, g))
                    if len(running) >= opts.workers * 4:
                        break
            if len(pending) >= opts.commit_every:
                _apply(db, pending, opts, report, rng)
                pending = []
    _apply(db, pending, opts, report, rng)
    return stop.is_set()


def retry(db: Database, entry_id: int | None = None, *, user: UserInfo | None = None,
          workstation: str = "") -> int:
    """重新发送: a dead entry (or every dead entry) goes back to pending with its failures reset —
    same key, same frozen request. Returns how many. ``user``: the person asking (permission
    ``sync.retry``; audited with the entries resent)."""
    username = authorize(user, "sync.retry")
    with db.uow() as s:
        stmt = select(OutboxEntry).where(OutboxEntry.state == "dead")
        if entry_id is not None:
            stmt = select(OutboxEntry).where(OutboxEntry.id == entry_id,
                                             or_(OutboxEntry.state == "dead", OutboxEntry.state == "pending"))
        n = 0
        ids = []
        for e in s.scalars(stmt):
            e.state, e.attempts, e.next_attempt_at = "pending", 0, None
            ids.append(e.id)
            n += 1
        if n:
            audit.record(s, "sync.retry", username=username, workstation=workstation, entity="outbox_entry",
                         entity_id=entry_id if entry_id is not None else "", entries=ids[:200], count=n)
        return n
