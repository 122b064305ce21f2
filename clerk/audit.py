"""Audit trail: who did or looked at what, written in the caller's transaction.

Details are masked here, whatever the caller passes, so a log never carries a full ID number
or phone (values under keys named like ``id_number``/``phone`` are masked).

Details are kept compact (a year of a busy hall wrote ~400,000 entries, a quarter of the
database): ``compact`` leaves out what says nothing (a key whose value is ``None``: absent means
none) and stores a checklist (``checks``: material → status) grouped by status (status →
materials), so "presented" is not repeated for every material; the database writes JSON without
blanks and with Chinese as UTF-8 (``clerk.db.compact_json``). Nothing an entry says is lost:
``expand_checks`` gives the material → status mapping back.
"""
from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy.orm import Session

from .models import AuditEntry
from .privacy import mask_id, mask_phone

_ID_KEYS = ("id_number", "proxy_id_number", "uscc")
_GROUPED_KEYS = ("checks",)  # material key → status, stored as status → [material keys]
_PHONE_KEYS = ("phone", "mobile", "proxy_phone")


def _mask(detail: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in detail.items():
        if isinstance(value, str) and key in _ID_KEYS:
            out[key] = mask_id(value)
        elif isinstance(value, str) and key in _PHONE_KEYS:
            out[key] = mask_phone(value)
        elif isinstance(value, dict):
            out[key] = _mask(value)
        else:
            out[key] = _plain(value)
    return out


def _plain(value: Any) -> Any:
    """JSON-safe: dates as ISO text, enums as their value."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def compact(detail: dict[str, Any]) -> dict[str, Any]:
    """What an entry stores of ``detail``: masked, ``None`` values left out, checklists grouped
    by status."""
    out: dict[str, Any] = {}
    for key, value in _mask(detail).items():
        if value is None:
            continue
        if key in _GROUPED_KEYS and isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
            grouped: dict[str, list[str]] = {}
            for item, status in value.items():
                grouped.setdefault(status, []).append(item)
            value = grouped
        out[key] = value
    return out


def expand_checks(grouped: dict[str, list[str]]) -> dict[str, str]:
    """A stored checklist (status → materials) as material → status."""
    return {item: status for status, items in grouped.items() for item in items}


def record(session: Session, action: str, *, username: str = "", workstation: str = "",
           entity: str = "", entity_id: object = "", **detail: Any) -> None:
    session.add(AuditEntry(username=username, workstation=workstation, action=action, entity=entity,
                           entity_id=str(entity_id), detail=compact(detail)))


def json_safe(detail: dict[str, Any]) -> dict[str, Any]:
    return {k: (json_safe(v) if isinstance(v, dict) else _plain(v)) for k, v in detail.items()}
