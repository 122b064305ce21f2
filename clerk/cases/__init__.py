"""Cases (办件): intake at the window and the case's life until handover.

One rule: every change of state goes through ``_move``, which checks the transition table,
writes the audit entry and the outbox entry in the same transaction, and keeps a bundle case
in step with its matter cases. Services take a ``Database`` and plain input, return
``CaseInfo`` dataclasses, and refuse what the rules refuse with a Chinese reason.

Visits (跑动次数): the trip of acceptance (or notice, refusal) counts one; after acceptance each
day the applicant comes to the window — to bring a deferred (容缺) material, to supply a 补正, to
collect the result — counts one more, however many of those things happen that day (``_count_visit``
keeps a ``case.visit`` audit entry per day). A case started again after a one-time notice for the
same applicant and matter continues the notified case: it records that case's number and its
visits go on from there.

Facts without a column of their own — the notified case a case continues, the 补正 rounds — are
kept in the case's JSON ``detail``.
"""
from __future__ import annotations

from ..dto import FORM_LABELS, ApplicantInput, CaseInfo  # kept importable from here, as before
from ._common import (
    S, REASON_MIN_CHARS, FOLLOW_UP_DAYS, user_workstation, _meta, _set_meta,
)
from .applicants import (
    _upsert_applicant, reveal_applicant_id, note_id_revealed,
)
from .states import (
    STATE_LABELS, ACTIONS, DEPARTMENT_ACTIONS, OPEN_STATES, DONE_STATES, _move, _sync_bundle,
)
from .requirements import (
    CHECK_LABELS, EXTRA_PREFIX,
)
from .queries import (
    get_case, find_case, SEARCH_MAX, PAGE, clean_query, list_cases, count_by_state, applicant_cases, count_cases,
)
from .checklist import (
    check_material, record_extra_material,
)
from .intake import (
    start_case, update_parties, set_answers, set_form, accept_case, issue_one_time_notice, refuse_case,
)
from .progress import (
    CARRIERS, advance, request_supplement, supply_supplement, finish_on_the_spot, supply_deferred, hand_over,
    DeferredReminder, deferred_reminders,
)
from .evaluations import (
    EVALUATION_LEVELS, REASON_TAGS, evaluate,
)

__all__ = [
    "FORM_LABELS", "ApplicantInput", "CaseInfo", "S", "REASON_MIN_CHARS", "FOLLOW_UP_DAYS", "user_workstation",
    "_meta", "_set_meta",  # with _move: clerk.sync.pull applies the back office's decisions by the desk's rules
    "_upsert_applicant", "reveal_applicant_id", "note_id_revealed", "STATE_LABELS", "ACTIONS",
    "DEPARTMENT_ACTIONS", "OPEN_STATES", "DONE_STATES", "_move", "_sync_bundle", "CHECK_LABELS", "EXTRA_PREFIX",
    "get_case", "find_case", "SEARCH_MAX", "PAGE", "clean_query", "list_cases", "count_by_state",
    "applicant_cases", "count_cases", "check_material", "record_extra_material", "start_case", "update_parties",
    "set_answers", "set_form", "accept_case", "issue_one_time_notice", "refuse_case", "CARRIERS", "advance",
    "request_supplement", "supply_supplement", "finish_on_the_spot", "supply_deferred", "hand_over",
    "DeferredReminder", "deferred_reminders", "EVALUATION_LEVELS", "REASON_TAGS", "evaluate",
]
