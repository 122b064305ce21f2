"""Sync with the departments' back office (contract v1, ``SYNC_CONTRACT.md``; no Qt).

- push (``push.py``): the outbox, in order per case, blobs before the case that names them,
  each operation with its idempotency key for life; backoff with full jitter, ``Retry-After``
  honoured; an entry that keeps failing or is refused is ``dead`` and waits for 重新发送;
- pull (``pull.py``): the changes feed, a page and its cursor in one transaction, statuses only
  forward through the desk's own state machine;
- ``engine.py``: a round, the loop, status, enrolment, pruning; ``state.py``: settings and lease.

Importing this package is cheap (requests is imported by the modules that use it).
"""
from __future__ import annotations

from typing import Any

from .state import backoffice_configured, configured_in

# the decisions that belong to the departments: refused at the desk once a back office is configured
from ..cases import DEPARTMENT_ACTIONS  # one list, kept in clerk.cases

__all__ = ["DEPARTMENT_ACTIONS", "backoffice_configured", "configured_in", "enrol", "run_once", "status",
           "retry", "items", "prune", "loop", "case_rows", "forget"]


def __getattr__(name: str) -> Any:
    if name in ("enrol", "run_once", "status", "items", "prune", "loop", "case_rows", "forget", "RoundReport",
                "NotConfigured"):
        from . import engine

        return getattr(engine, name)
    if name in ("retry", "Options"):
        from . import push

        return getattr(push, name)
    raise AttributeError(name)
