"""一件事: how a bundle case's state follows its matter cases — one rule, used by the desk
(``clerk.cases``) and by the back office (``backoffice.service``), so both agree on it."""
from __future__ import annotations

from collections.abc import Iterable

from .models import CaseState as S


def bundle_state(matter_states: Iterable[str]) -> S:
    """The bundle's state from its matter cases' states (withdrawn ones aside): withdrawn when
    all are withdrawn; delivered when all the others are delivered; ready when all the others
    are ready or delivered; 补正中 while one waits for a supplement; accepted while none has moved
    on; else in review."""
    active = set(matter_states) - {S.WITHDRAWN}
    if not active:
        return S.WITHDRAWN
    if active <= {S.DELIVERED}:
        return S.DELIVERED
    if active <= {S.RESULT_READY, S.DELIVERED}:
        return S.RESULT_READY
    if S.SUPPLEMENT in active:
        return S.SUPPLEMENT
    if active <= {S.ACCEPTED}:
        return S.ACCEPTED
    return S.IN_REVIEW
