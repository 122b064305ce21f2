"""Named crash points for the chaos tests: ``CLERK_SYNC_CRASH=name`` (or ``name:N``, the N-th
time the point is reached) kills this process with SIGKILL right there — no cleanup, no flush,
like a power cut or the task manager. Unset (always, outside tests) a point costs one dict look-up.

Points: ``push.after_reply`` (replies in hand, local commit not yet done), ``pull.after_cursor_save``
(a page and its cursor committed), ``attach.after_blob`` (scan file written, row not yet inserted).
"""
from __future__ import annotations

import os
import signal

_hits: dict[str, int] = {}


def crash_point(name: str) -> None:
    wanted = os.environ.get("CLERK_SYNC_CRASH")
    if not wanted:
        return
    point, _, nth = wanted.partition(":")
    if point != name:
        return
    _hits[name] = _hits.get(name, 0) + 1
    if _hits[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
