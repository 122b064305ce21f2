"""Shared by the case modules: the state alias, the clock, a case by id, the case's JSON detail."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from .. import clock
from ..dto import UserInfo
from ..errors import NotFound
from ..models import Case, CaseState, Setting


S = CaseState
REASON_MIN_CHARS = 4  # a written refusal reason is at least this long (it is printed)
FOLLOW_UP_DAYS = 90  # a one-time notice older than this is a new start, not a return


# --------------------------------------------------------------------------- helpers

def _now() -> dt.datetime:
    return clock.now()


def _setting(s: Session, key: str, default: str) -> str:
    row = s.get(Setting, key)
    return row.value if row and row.value else default


def _get_case(s: Session, case_id: int) -> Case:
    case = s.get(Case, case_id)
    if case is None:
        raise NotFound(f"找不到办件（编号 {case_id}）", f"case {case_id} not found")
    return case


def _label(case: Case) -> str:
    return case.number or f"草稿 #{case.id}"


def _answers(case: Case) -> dict[str, Any]:
    """The situation answers (question key → option keys)."""
    return dict(case.situation or {})


def _meta(case: Case) -> dict[str, Any]:
    return dict(case.detail or {})


def _set_meta(case: Case, **values: Any) -> None:
    # a new dict, so the JSON column sees the change
    case.detail = {**_meta(case), **values}


def user_workstation(user: UserInfo) -> str:
    return str(getattr(user, "workstation", "") or "")
