"""Shared by the queue modules: the ticket state alias, the lease, and the hall, zone and window
look-ups inside an open session."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import clock
from ..dto import UserInfo
from ..errors import NotFound, ValidationError
from ..models import Hall, TicketState, Window, Zone
from ..zones import zone_code as _zone_code_of


T = TicketState
LEASE_SECONDS = 90           # a workstation heartbeats every ~30 s; three misses release its ticket


HOLDER_MAX = 60


def bind_holder(holder: str, user: UserInfo | None) -> str:
    """The holder a signed-in person's calls carry: their session's own id with ``~username``
    appended (``host:window:pid~wangli``). A window acting for ``user`` compares the ticket's
    holder with this, so a holder string copied from another window (``--holder``) names that
    window's clerk and is refused. Idempotent; an in-process caller with no user keeps its own."""
    holder = holder.strip()
    if user is None:
        return holder[:HOLDER_MAX]
    suffix = f"~{user.username}"
    if holder.endswith(suffix) and len(holder) <= HOLDER_MAX:
        return holder
    return holder[:HOLDER_MAX - len(suffix)] + suffix


# --------------------------------------------------------------------------- helpers

def _now() -> dt.datetime:
    return clock.now()


def _is_pg(s: Session) -> bool:
    return s.get_bind().dialect.name == "postgresql"


def _hall(s: Session, hall_code: str) -> Hall:
    hall = s.scalar(select(Hall).where(Hall.code == hall_code))
    if hall is None:
        raise NotFound(f"找不到大厅 {hall_code}", f"hall {hall_code} not found")
    return hall


def _zone(s: Session, hall: Hall, text: str) -> Zone:
    code = _zone_code_of(text) or (text or "").strip().upper()
    zone = s.scalar(select(Zone).where(Zone.hall_id == hall.id, Zone.code == code))
    if zone is None:
        names = "、".join(z.name for z in s.scalars(select(Zone).where(Zone.hall_id == hall.id)
                                                   .order_by(Zone.position)))
        raise ValidationError(f"没有“{text}”分区，可选：{names}", f"unknown zone {text!r}")
    return zone


def _window(s: Session, hall: Hall, number: int, *, lock: bool = False) -> Window:
    stmt = select(Window).where(Window.hall_id == hall.id, Window.number == number)
    if lock and _is_pg(s):
        # Serialises two sessions of the same window; different windows never wait on each other.
        stmt = stmt.with_for_update()
    window = s.scalar(stmt)
    if window is None:
        raise NotFound(f"找不到 {number} 号窗口", f"window {number} not found")
    return window
