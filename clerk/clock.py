"""The one clock for stored times: local, naive ``datetime`` (the hall's wall clock).

Every time the database keeps — ``created_at`` defaults, ``accepted_at``, ticket times, audit
entries — comes from ``now()``, and every day boundary (``list_cases("today")``, the daily case
and ticket sequences, the service day of the queue) is a local date. A county hall works in one
time zone, its documents print local dates, and its staff read the times in local time; naive
local times compare with each other correctly as long as everyone takes them from here.
"""
from __future__ import annotations

import datetime as dt


def now() -> dt.datetime:
    """Local wall-clock time, naive, to the microsecond."""
    return dt.datetime.now()


def today() -> dt.date:
    return now().date()
