"""One sync round (push, then pull), the loop around it, status, enrolment and housekeeping."""
from __future__ import annotations

import datetime as dt
import logging
import os
import random
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select

from .. import audit
from ..auth import authorize
from ..db import Database
from ..dto import UserInfo
from ..errors import ClerkError, ValidationError
from ..models import Case, Hall, OutboxEntry, SyncState
from . import state
from .http import API, Client, backoff_delay, classify, network_result
from .pull import pull
from .push import Options, push

log = logging.getLogger(__name__)
IDLE_MIN, IDLE_MAX = 5.0, 60.0        # seconds between rounds when there is nothing to do
OFFLINE_BASE, OFFLINE_CAP = 5.0, 300.0


class NotConfigured(ClerkError):
    pass


def _client(db: Database, server: str | None, opts: Options) -> Client:
    ln = state.link(db, server)
    if not ln.server:
        raise NotConfigured("尚未设置部门后台地址，请先登记本工作站（clerk backoffice register --server 地址）",
                            "no back office configured")
    if not ln.token:
        raise NotConfigured(f"本工作站尚未在后台 {ln.server} 登记，请先登记（clerk backoffice register）",
                            "workstation not registered")
    return Client(ln.server, ln.token, timeout=opts.timeout)


@dataclass
class RoundReport:
    sent: int = 0
    covered: int = 0
    retried: int = 0
    dead: int = 0
    blocked: int = 0
    pulled: int = 0
    applied: int = 0
    online: bool = False
    error: str = ""
    busy: bool = False           # another sync run holds the outbox
    next_due: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_once(db: Database, files_dir: Path, *, server: str | None = None, opts: Options | None = None,
             rng: Any = random.random) -> RoundReport:
    opts = opts or Options.from_env()
    client = _client(db, server, opts)
    rep = RoundReport()
    if not state.acquire(db):
        rep.busy = True
        return rep
    try:
        p = push(db, client, files_dir, opts, rng)
        rep.sent, rep.covered, rep.retried, rep.dead, rep.blocked = p.sent, p.covered, p.retried, p.dead, p.blocked
        rep.next_due = p.next_due.isoformat() if p.next_due else None
        error = p.auth_error or ("无法连接后台，当前离线" if p.offline else "")
        online = not (p.offline or p.auth_error)
        if online:
            q = pull(db, client, opts.pull_limit, opts.max_pages)
            rep.pulled, rep.applied = q.changes, q.applied
            if q.result is not None and not q.result.ok:
                error = q.result.message
                online = q.result.kind not in ("offline", "auth")
        rep.online, rep.error = online, error
        t = state.now()
        with db.uow() as s:
            st = state.row(s)
            st.online, st.last_attempt_at, st.last_error = online, t, error
            if online and not error:
                st.last_sync_at = t
        prune(db)
        return rep
    finally:
        client.close()
        state.release(db)


def loop(db: Database, files_dir: Path, stop: threading.Event | None = None, *, server: str | None = None,
         opts: Options | None = None, on_round: Any = None, wake: threading.Event | None = None) -> None:
    """Rounds until ``stop`` is set: at once while there is work, then waiting longer and longer
    when idle (5 s doubling to 60 s), when offline (full jitter up to 5 min), or until the next
    entry is due — never a busy poll. ``wake`` set (重新发送, 立即同步, a case just accepted)
    starts the next round at once. ``on_round(report)`` is called on this thread after each round."""
    stop = stop or threading.Event()

    def sleep(seconds: float) -> None:
        if wake is None:
            stop.wait(seconds)
            return
        wake.wait(seconds)
        wake.clear()

    idle_min = float(os.environ.get("CLERK_SYNC_IDLE", IDLE_MIN))  # chaos runs shorten the idle wait
    idle = idle_min
    offline_rounds = 0
    while not stop.is_set():
        try:
            rep = run_once(db, files_dir, server=server, opts=opts)
        except NotConfigured as exc:
            if on_round is not None:
                on_round(RoundReport(error=exc.message))
            sleep(IDLE_MAX)
            continue
        except Exception as exc:  # noqa: BLE001 - a database hiccup must not end the loop
            log.warning("sync round failed: %s", exc)
            if on_round is not None:
                on_round(RoundReport(error=getattr(exc, "message", str(exc))))
            sleep(IDLE_MAX)
            continue
        if on_round is not None:
            on_round(rep)
        if not rep.online and not rep.busy:
            offline_rounds += 1
            # full jitter, but never under the base: offline for days is a try every few minutes,
            # not a burst of near-zero waits (a laptop on battery)
            wait = max(OFFLINE_BASE, backoff_delay(offline_rounds, base=OFFLINE_BASE, cap=OFFLINE_CAP))
        elif rep.sent or rep.applied or rep.covered:
            offline_rounds, idle, wait = 0, idle_min, 0.0
        else:
            offline_rounds = 0
            wait, idle = idle, min(IDLE_MAX, idle * 2)
            if rep.next_due:
                due = (dt.datetime.fromisoformat(rep.next_due) - dt.datetime.now()).total_seconds()
                wait = max(0.2, min(wait, due))
        if wait and not stop.is_set():
            sleep(wait)


def status(db: Database) -> dict[str, Any]:
    with db.uow() as s:
        st = s.get(SyncState, 1)
        counts = dict(s.execute(select(OutboxEntry.state, func.count()).group_by(OutboxEntry.state)).all())
        oldest = s.scalar(select(func.min(OutboxEntry.created_at)).where(OutboxEntry.state == "pending"))
        configured = state.configured_in(s)
        from .offline import waiting_cases

        return {
            "configured": configured,
            "server": st.server_url if st else "",
            "hall_code": st.hall_code if st else "",
            "workstation_id": st.workstation_id if st else "",
            "pending": int(counts.get("pending", 0)),
            "waiting_cases": waiting_cases(s),  # cases with entries pending or dead (a bundle once)
            "dead": int(counts.get("dead", 0)),
            "sent": int(counts.get("sent", 0)),
            "covered": int(counts.get("covered", 0)),
            "oldest_pending": oldest.isoformat(timespec="seconds") if oldest else None,
            "online": bool(st.online) if st else False,
            "last_sync": st.last_sync_at.isoformat(timespec="seconds") if st and st.last_sync_at else None,
            "last_attempt": st.last_attempt_at.isoformat(timespec="seconds") if st and st.last_attempt_at else None,
            "last_error": st.last_error if st else "",
            "catalog_version": st.catalog_version if st else "",
        }


def items(db: Database, states: tuple[str, ...] = ("pending", "dead"), limit: int = 500) -> list[dict[str, Any]]:
    """Outbox entries for the 同步 page: what, which case, tries, the server's reason."""
    with db.uow() as s:
        rows = s.execute(select(OutboxEntry, Case.number).outerjoin(Case, Case.uuid == OutboxEntry.root_uuid)
                         .where(OutboxEntry.state.in_(states)).order_by(OutboxEntry.id).limit(limit)).all()
        return [{"id": e.id, "kind": e.kind, "state": e.state, "number": number or (e.payload or {}).get("number"),
                 "attempts": e.attempts, "last_error": e.last_error,
                 "next_attempt_at": e.next_attempt_at.isoformat(timespec="seconds") if e.next_attempt_at else None,
                 "created_at": e.created_at.isoformat(timespec="seconds") if e.created_at else None}
                for e, number in rows]


def prune(db: Database, now: dt.datetime | None = None) -> int:
    """Sent and covered entries older than the retention period (setting ``sync.retention_days``,
    default 30) are deleted; pending and dead ones never are."""
    with db.uow() as s:
        cutoff = (now or state.now()) - dt.timedelta(days=state.retention_days(s))
        res = s.execute(delete(OutboxEntry).where(OutboxEntry.state.in_(("sent", "covered")),
                                                  OutboxEntry.sent_at < cutoff))
        return int(getattr(res, "rowcount", 0) or 0)


def enrol(db: Database, server: str, code: str, name: str = "", *, workstation: str | None = None,
          hall_code: str | None = None, timeout: float = 15.0, user: UserInfo | None = None) -> dict[str, Any]:
    """Register this workstation with the back office (contract: POST /workstations) and keep its
    token. Registering again gets a new token (the old one is revoked by the server). ``user``: the
    manager doing it (permission ``sync.enrol``; audited)."""
    username = authorize(user, "sync.enrol")
    server = (server or "").strip().rstrip("/")
    if not server.startswith(("http://", "https://")):
        raise ValidationError("后台地址应以 http:// 或 https:// 开头", "server URL must start with http(s)://")
    if not code.strip():
        raise ValidationError("请填写大厅的登记码", "enrolment code required")
    with db.uow() as s:
        ws = workstation or state.setting(s, "workstation", "W01")
        hall = hall_code or state.setting(s, "hall_code", "") or (s.scalar(select(Hall.code).order_by(Hall.id)) or "")
    body = {"hall_code": hall, "workstation": ws, "name": name or f"{ws} 窗口", "enrolment_code": code.strip()}
    client = Client(server, timeout=(5.0, timeout))
    try:
        resp = client.request("POST", f"{API}/workstations", body=body)
    except Exception as exc:  # requests raises many kinds: all mean the server was not reached
        r = network_result(exc)
        raise ClerkError(f"无法连接后台 {server}：{r.message}", f"cannot reach {server}") from exc
    finally:
        client.close()
    r = classify(resp, lambda d: isinstance(d.get("token"), str) and len(d["token"]) >= 16
                 and d.get("hall_code") == hall, ok_status=(200, 201))
    if not r.ok:
        raise ClerkError(f"登记失败：{r.message}", f"enrolment failed: HTTP {r.status}")
    d = r.data
    with db.uow() as s:
        st = state.row(s)
        st.server_url, st.workstation_id = server, str(d.get("workstation_id") or "")
        st.hall_code, st.hall_name = str(d.get("hall_code") or hall), str(d.get("hall_name") or "")[:100]
        st.last_error = ""
        state.set_token(s, d["token"])
        audit.record(s, "sync.enrol", username=username, workstation=ws, entity="sync_state", entity_id=1,
                     server=server, hall_code=str(d.get("hall_code") or hall),
                     workstation_id=str(d.get("workstation_id") or ""))
    return {"server": server, "workstation": ws, "workstation_id": str(d.get("workstation_id") or ""),
            "hall_code": str(d.get("hall_code") or hall), "hall_name": str(d.get("hall_name") or "")}


def forget(db: Database) -> None:
    """Disconnect this desk from its back office (the department decisions come back to the desk)."""
    with db.uow() as s:
        st = state.row(s)
        st.server_url, st.workstation_id = "", ""
        state.set_token(s, "")


def case_rows(db: Database, limit: int = 1000) -> list[dict[str, Any]]:
    """``clerk cases list --json``: uuid, number, state and sync state of the newest cases."""
    with db.uow() as s:
        cases = s.execute(select(Case.id, Case.uuid, Case.number, Case.state, Case.remote_version, Case.parent_id)
                          .where(Case.number.is_not(None)).order_by(Case.id.desc()).limit(limit)).all()
        uuids = {c.uuid for c in cases}
        parents = {c.id: c.uuid for c in cases}
        by_root: dict[str, set[str]] = {}
        for root, st in s.execute(select(OutboxEntry.root_uuid, OutboxEntry.state)
                                  .where(OutboxEntry.state.in_(("pending", "dead")))):
            by_root.setdefault(root or "", set()).add(st)
        unfrozen = s.scalar(select(func.count()).select_from(OutboxEntry).where(
            OutboxEntry.state == "pending", OutboxEntry.root_uuid.is_(None))) or 0
        out = []
        for c in cases:
            root = parents.get(c.parent_id, c.uuid) if c.parent_id else c.uuid
            if root not in uuids and c.parent_id:
                root = s.scalar(select(Case.uuid).where(Case.id == c.parent_id)) or c.uuid
            states = by_root.get(root, set())
            sync = "dead" if "dead" in states else ("pending" if "pending" in states or unfrozen else "synced")
            out.append({"uuid": c.uuid, "number": c.number, "state": c.state, "sync": sync,
                        "remote_version": c.remote_version, "parent_uuid": parents.get(c.parent_id) if c.parent_id else None})
        return out
