"""Audit trail: who did or looked at what, written in the caller's transaction.

Details are masked here, whatever the caller passes, so a log never carries a full ID number
or phone (values under keys named like ``id_number``/``phone`` are masked).
"""
from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy.orm import Session

from .models import AuditEntry
from .privacy import mask_id, mask_phone

_ID_KEYS = ("id_number", "proxy_id_number", "uscc")
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


def record(session: Session, action: str, *, username: str = "", workstation: str = "",
           entity: str = "", entity_id: object = "", **detail: Any) -> None:
    session.add(AuditEntry(username=username, workstation=workstation, action=action, entity=entity,
                           entity_id=str(entity_id), detail=_mask(detail)))


def json_safe(detail: dict[str, Any]) -> dict[str, Any]:
    return {k: (json_safe(v) if isinstance(v, dict) else _plain(v)) for k, v in detail.items()}
