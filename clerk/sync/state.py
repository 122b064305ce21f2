"""The desk's sync settings and bookkeeping: the ``sync_state`` row, the token, the lease.

The bearer token lives in ``setting`` (``sync.token``), never in logs or status output. The
lease keeps two sync runs (the app's background sync and a ``clerk sync --loop``, or two windows
sharing one PostgreSQL database) off the same outbox: a holder renews it while it works; a
holder that died (its pid is gone on this host, or its lease ran out) is replaced.
"""
from __future__ import annotations

import datetime as dt
import os
import socket
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import Database
from ..models import Setting, SyncState

TOKEN_KEY = "sync.token"
RETENTION_KEY = "sync.retention_days"
DEFAULT_RETENTION_DAYS = 30
LEASE_SECONDS = 120


def now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def row(s: Session) -> SyncState:
    st = s.get(SyncState, 1)
    if st is None:
        st = SyncState(id=1, server_url="", workstation_id="", hall_code="", hall_name="", cursor="",
                       catalog_version="", online=False, last_error="", lock_holder="")
        s.add(st)
        s.flush()
    return st


def token(s: Session) -> str:
    r = s.get(Setting, TOKEN_KEY)
    return r.value if r else ""


def set_token(s: Session, value: str) -> None:
    r = s.get(Setting, TOKEN_KEY)
    if r is None:
        s.add(Setting(key=TOKEN_KEY, value=value))
    else:
        r.value = value


def setting(s: Session, key: str, default: str = "") -> str:
    r = s.get(Setting, key)
    return r.value if r is not None and r.value else default


def retention_days(s: Session) -> int:
    try:
        return max(1, int(setting(s, RETENTION_KEY, str(DEFAULT_RETENTION_DAYS))))
    except ValueError:
        return DEFAULT_RETENTION_DAYS


def configured_in(s: Session) -> bool:
    """A back office is set up for this desk (server and token). Cached on the session, so a
    list of cases asks once."""
    cached = s.info.get("clerk.sync.configured")
    if cached is None:
        st = s.get(SyncState, 1)
        cached = bool(st is not None and st.server_url and token(s))
        s.info["clerk.sync.configured"] = cached
    return cached


def backoffice_configured(db: Database) -> bool:
    with db.uow() as s:
        return configured_in(s)


@dataclass(frozen=True)
class Link:
    server: str
    token: str
    cursor: str


def link(db: Database, server: str | None = None) -> Link:
    """The server (``server`` overrides and is remembered) and the token to use."""
    with db.uow() as s:
        st = row(s)
        if server and server.rstrip("/") != st.server_url:
            st.server_url = server.rstrip("/")
        return Link(st.server_url, token(s), st.cursor)


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(holder: str) -> bool:
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine: trust its lease time
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def acquire(db: Database, me: str | None = None, seconds: int = LEASE_SECONDS) -> bool:
    me = me or holder_id()
    with db.uow() as s:
        st = s.scalar(select(SyncState).where(SyncState.id == 1).with_for_update()) or row(s)
        t = now()
        free = (not st.lock_holder or st.lock_holder == me or st.lock_until is None or st.lock_until < t
                or not _alive(st.lock_holder))
        if not free:
            return False
        st.lock_holder, st.lock_until = me, t + dt.timedelta(seconds=seconds)
        return True


def release(db: Database, me: str | None = None) -> None:
    me = me or holder_id()
    with db.uow() as s:
        st = row(s)
        if st.lock_holder == me:
            st.lock_holder, st.lock_until = "", None


def confirmed_cases(s: Session, case_ids: list[int]) -> set[int]:
    """The cases the back office has confirmed holding (asked by retention before scans are
    purged): nothing of the case still waits or died in the outbox (its own operations or, for a
    bundle's matter case, the bundle's), and the server acknowledged at least one of them or
    reported a status for it. A case whose sent entries were pruned and that never got a status
    back is not confirmed: it keeps its scans."""
    from sqlalchemy import func

    from ..models import Case, OutboxEntry

    if not case_ids:
        return set()
    # entries not yet assigned to their case by a sync round: which case they hold back is not
    # known yet, so nothing counts as confirmed until the next round has sorted them
    # (a 交接单 belongs to no one case: it is sent after its cases, and holds none of them back)
    unsorted = s.scalar(select(func.count()).select_from(OutboxEntry).where(
        OutboxEntry.root_uuid.is_(None), OutboxEntry.state != "sent", OutboxEntry.kind != "handover.list"))
    if unsorted:
        return set()
    rows = s.execute(select(Case.id, Case.uuid, Case.parent_id, Case.remote_version)
                     .where(Case.id.in_(case_ids))).all()
    parents = {p for _cid, _u, p, _v in rows if p}
    parent_uuid = dict(s.execute(select(Case.id, Case.uuid).where(Case.id.in_(parents))).all()) if parents else {}
    root = {cid: (parent_uuid.get(pid, uuid) if pid else uuid) for cid, uuid, pid, _v in rows}
    seen = {cid: version for cid, _u, _p, version in rows}
    sent: set[str] = set()
    still_open: set[str] = set()
    for uuid, state, _n in s.execute(select(OutboxEntry.root_uuid, OutboxEntry.state, func.count())
                                     .where(OutboxEntry.root_uuid.in_(set(root.values())))
                                     .group_by(OutboxEntry.root_uuid, OutboxEntry.state)):
        if uuid is not None:
            (sent if state == "sent" else still_open).add(uuid)
    return {cid for cid, r in root.items() if r not in still_open and (r in sent or (seen[cid] or 0) > 0)}
