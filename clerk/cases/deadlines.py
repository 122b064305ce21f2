"""Deadlines: the promised and statutory dates of a case, in working days of the hall's calendar."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ..calendar import WorkCalendar
from ..models import Case, MatterKind


def _calendar(s: Session) -> WorkCalendar:
    return WorkCalendar.load(s)


def _promised(s: Session, case: Case, start: dt.date) -> tuple[dt.date, dt.date | None, list[str]]:
    cal = _calendar(s)
    days, statutory = _days(case)
    due = cal.add_working_days(start, days)
    stat = cal.add_working_days(start, statutory) if statutory else None
    return due.date, (stat.date if stat else None), list(due.warnings)


def _days(case: Case) -> tuple[int, int]:
    if case.matter is not None:
        m = case.matter
        return (0 if m.kind == MatterKind.IMMEDIATE else m.promised_days), m.statutory_days
    bundle_days = case.bundle.promised_days if case.bundle else 0
    children = [c.matter for c in case.children if c.matter is not None]
    longest = max((0 if m.kind == MatterKind.IMMEDIATE else m.promised_days for m in children), default=0)
    return (bundle_days or longest), max((m.statutory_days for m in children), default=0)
