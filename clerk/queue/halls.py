"""Halls, zones and windows as the queue sees them: a window's zones, its paused flag, its seat."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from .. import audit
from ..auth import authorize
from ..db import Database
from ..dto import UserInfo
from ..models import WindowZone, Zone
from ._common import _hall, _window


# --------------------------------------------------------------------------- zones and windows

@dataclass(frozen=True)
class HallZone:
    code: str
    name: str
    prefix: str


def hall_zones(db: Database, hall_code: str) -> list[HallZone]:
    """The hall's own zones in display order (a hall may have fewer or other zones than
    ``clerk.zones.DEFAULT_ZONES``)."""
    with db.read() as s:
        hall = _hall(s, hall_code)
        return [HallZone(z.code, z.name, z.prefix)
                for z in s.scalars(select(Zone).where(Zone.hall_id == hall.id).order_by(Zone.position, Zone.id))]


def window_zone_codes(db: Database, hall_code: str, window_number: int) -> list[str]:
    """The zones a window serves, its first zone first."""
    with db.read() as s:
        window = _window(s, _hall(s, hall_code), window_number)
        return list(s.scalars(select(Zone.code).join(WindowZone, WindowZone.zone_id == Zone.id)
                              .where(WindowZone.window_id == window.id).order_by(WindowZone.priority)))


def _set_paused(db: Database, hall_code: str, window_number: int, paused: bool,
                user: UserInfo | None, workstation: str) -> bool:
    who = authorize(user, "queue.window")
    with db.uow() as s:
        window = _window(s, _hall(s, hall_code), window_number)
        window.paused = paused
        audit.record(s, "queue.pause" if paused else "queue.resume", username=who, workstation=workstation,
                     entity="window", entity_id=f"{hall_code}:{window_number}")
        return window.paused


def pause_window(db: Database, hall_code: str, window_number: int, *, user: UserInfo | None = None,
                 workstation: str = "") -> bool:
    """暂停服务: the window calls nobody until resumed (its called ticket stays with it)."""
    return _set_paused(db, hall_code, window_number, True, user, workstation)


def resume_window(db: Database, hall_code: str, window_number: int, *, user: UserInfo | None = None,
                  workstation: str = "") -> bool:
    return _set_paused(db, hall_code, window_number, False, user, workstation)


def seat_of(holder: str) -> str:
    """Holders are ``seat:instance`` (e.g. ``host:window:pid``): the seat survives a restart."""
    return holder.rsplit(":", 1)[0] if ":" in holder else holder


def hall_id_of(db: Database, hall_code: str) -> int:
    with db.read() as s:
        return _hall(s, hall_code).id
