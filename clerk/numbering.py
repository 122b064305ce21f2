"""Numbers that never collide, online or offline.

Case number: ``{hall_code}{workstation}{yyyymmdd}{seq:04d}`` (docs/ARCHITECTURE.md). The daily
sequence lives in ``daily_counter`` and is incremented inside the caller's transaction, so a
rollback gives the number back and a commit makes it unique. Uniqueness across machines comes
from the hall code + workstation code prefix; the ``case_file.number`` unique index is the
last line of defence.
"""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import ValidationError
from .models import DailyCounter

_WS = re.compile(r"^[A-Z0-9]{3}$")
_HALL = re.compile(r"^[0-9]{8}$")
CASE_NUMBER = re.compile(r"^(?P<hall>[0-9]{8})(?P<ws>[A-Z0-9]{3})(?P<date>[0-9]{8})(?P<seq>[0-9]{4,})$")


def next_value(session: Session, scope: str, day: dt.date) -> int:
    """Increment and return the counter (scope, day). Row-locked on PostgreSQL; SQLite
    transactions already begin IMMEDIATE (clerk.db)."""
    stmt = select(DailyCounter).where(DailyCounter.scope == scope, DailyCounter.day == day)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = session.scalar(stmt)
    if row is None:
        if session.get_bind().dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert

            session.execute(insert(DailyCounter).values(scope=scope, day=day, value=0)
                            .on_conflict_do_nothing())
            row = session.scalar(stmt)
        else:
            row = DailyCounter(scope=scope, day=day, value=0)
            session.add(row)
    assert row is not None
    row.value += 1
    session.flush()
    return row.value


def check_codes(hall_code: str, workstation: str) -> None:
    if not _HALL.match(hall_code or ""):
        raise ValidationError(f"大厅编码应为 8 位数字，当前为“{hall_code}”", f"hall code must be 8 digits: {hall_code!r}")
    if not _WS.match(workstation or ""):
        raise ValidationError(f"工作站编码应为 3 位大写字母或数字，当前为“{workstation}”",
                              f"workstation code must be 3 upper-case letters/digits: {workstation!r}")


def next_case_number(session: Session, hall_code: str, workstation: str, day: dt.date) -> str:
    check_codes(hall_code, workstation)
    seq = next_value(session, f"case:{hall_code}:{workstation}", day)
    return f"{hall_code}{workstation}{day:%Y%m%d}{seq:04d}"


def parse_case_number(number: str) -> dict[str, str] | None:
    m = CASE_NUMBER.match((number or "").strip().upper())
    return m.groupdict() if m else None
