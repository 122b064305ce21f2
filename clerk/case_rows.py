"""The case list's rows: what the table shows, read in one statement a page.

A row of the list is five columns (number, matter, applicant, state, promised date) and its
电子监察 colour; the full ``CaseInfo`` (checklist, children, actions, form) is read only for the
case the clerk opens (``cases.get_case``). Building a full ``CaseInfo`` for every row of a page
cost ~1,600 ORM objects per 100 rows (matters with their materials and options, checks,
children) — 45–200 ms a page on a year of data — where the row needs one joined SELECT.

``view_filter`` is the one definition of the views and the search, used by ``case_rows`` here
and by ``cases.list_cases`` (full ``CaseInfo`` pages).
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, false, func, select, true, union_all
from sqlalchemy.orm import Session, aliased

from .calendar import WorkCalendar
from .db import Database
from .errors import ValidationError
from .models import Applicant, Bundle, Case, CaseState, CheckStatus, MaterialCheck, Matter
from .privacy import mask_id

SEARCH_MAX = 40  # characters: a name, an ID number or a case number is far shorter
PAGE = 100
VIEWS = ("today", "open", "overdue", "due_soon", "deferred", "all")
_ID_LIKE = re.compile(r"^[0-9]{15}$|^[0-9]{17}[0-9X]$|^[0-9A-Z]{18}$")
_NUMBER_LIKE = re.compile(r"^[0-9A-Z]{4,40}$")


@dataclass(frozen=True)
class CaseRow:
    """One line of the case list (plain values; the applicant's ID number masked)."""
    id: int
    number: str | None
    matter_name: str
    applicant_label: str       # name and masked ID number
    state: str
    state_label: str
    promised_date: dt.date | None

    @classmethod
    def of(cls, info: Any) -> CaseRow:
        """The row of a full ``CaseInfo`` (after an action changed the case)."""
        a = info.applicant
        label = f"{a.name} {a.id_number_masked}" if a is not None else ""
        return cls(info.id, info.number, info.matter_name, label, info.state, info.state_label, info.promised_date)


def clean_query(query: str) -> str:
    """The case-list search text, stripped; refused when it cannot be a name or a number."""
    q = (query or "").strip()
    if "\x00" in q:
        raise ValidationError("查询内容含有无效字符（空字符），请重新输入", "NUL in the search text")
    if len(q) > SEARCH_MAX:
        raise ValidationError(f"查询内容过长（{len(q)} 个字），最多 {SEARCH_MAX} 个字：请输入姓名、身份证号或办件编号",
                              f"search text longer than {SEARCH_MAX} characters")
    return q


def prefix(s: Session, column: Any, text: str) -> Any:
    """``column`` starts with ``text`` — literally (``%``, ``_`` and ``\\`` are plain characters),
    as a range ``text <= column < text⁺`` (the last character bumped by one code point): an index
    range scan whatever the text holds. SQLite compares binary (code-point order); on PostgreSQL
    the range is written with ``~>=~`` / ``~<~`` (byte order, the same as code-point order in
    UTF-8), the operators of the ``text_pattern_ops`` indexes (migration 0005), so it does not
    depend on the database's collation."""
    upper = text[:-1] + chr(ord(text[-1]) + 1)
    if s.get_bind().dialect.name == "postgresql":
        return and_(column.op("~>=~", is_comparison=True)(text), column.op("~<~", is_comparison=True)(upper))
    return and_(column >= text, column < upper)


PEOPLE_LISTED = 300  # a name beginning shared by fewer people is looked up person by person


def _people(s: Session, q: str, up: str) -> Any:
    """The applicants ``q`` names: a list of ids when few share that name beginning, else a
    condition that tests each case as the newest cases are read (a common surname: the newest
    page is found among the newest few hundred cases, where joining every namesake's cases and
    sorting them cost 60–150 ms at 1,000,000 cases on PostgreSQL)."""
    by_name = select(Applicant.id).where(prefix(s, Applicant.name, q))
    people: Any = by_name.union(select(Applicant.id).where(Applicant.id_number == up)) if _ID_LIKE.match(up) \
        else by_name
    few = s.scalars(select(people.subquery().c.id).limit(PEOPLE_LISTED + 1)).all()
    if len(few) <= PEOPLE_LISTED:
        return Case.applicant_id.in_(few) if few else false()
    if s.get_bind().dialect.name == "postgresql":
        # ``IS TRUE`` keeps the IN a filter (a hashed subplan) instead of a join the planner
        # would order by id afterwards: only a bare IN in the top-level WHERE becomes a join
        return Case.applicant_id.in_(people).is_(true())
    return Case.applicant_id.in_(people)


def search_filter(s: Session, q: str, terms: Sequence[Any] = (), limit: int | None = None) -> Any:
    """Cases matching ``q``: case number starting with it, applicant name starting with it, or
    the applicant's full ID number / USCC. Every branch is an index lookup. Two branches are
    never an ``OR`` in the page's WHERE: with ``applicant_id IN (…) OR number LIKE …``
    PostgreSQL cannot turn the IN into a join and walked the whole primary key backwards testing
    every case (1,000,000 rows: 250–330 ms for the one case of a number or an ID number). They
    are a UNION of case ids, each branch with the page's other ``terms`` and its own newest
    ``limit`` (the newest ``limit`` of a union are among the newest ``limit`` of each part), so a
    number beginning that matches thousands of cases is not joined back in full either."""
    up = q.upper()
    people = _people(s, q, up)
    if not _NUMBER_LIKE.match(up):
        return people
    parts = []
    for branch in (people, prefix(s, Case.number, up)):
        part = select(Case.id).where(*terms, branch).order_by(Case.id.desc())
        if limit is not None:
            part = part.limit(limit)
        parts.append(select(part.subquery().c.id))
    return Case.id.in_(union_all(*parts))


def view_filter(s: Session, view: str, q: str, today: dt.date, before_id: int | None = None,
                limit: int | None = None) -> list[Any]:
    """The WHERE terms of a case-list view and search (top-level cases only, paged by id);
    ``limit``: the page's size, which the search's branches may use (see ``search_filter``)."""
    from .cases import OPEN_STATES

    # coalesce: "not a matter case" is nearly every row, never worth the parent_id index
    terms: list[Any] = [func.coalesce(Case.parent_id, 0) == 0]
    if before_id is not None:
        terms.append(Case.id < before_id)
    if view == "today":
        start = dt.datetime.combine(today, dt.time())
        terms += [Case.created_at >= start, Case.created_at < start + dt.timedelta(days=1)]
    elif view == "open":
        terms.append(Case.state.in_(OPEN_STATES))
    elif view == "overdue":
        terms += [Case.state.in_(OPEN_STATES), Case.promised_date < today]
    elif view == "due_soon":
        terms += [Case.state.in_(OPEN_STATES), Case.promised_date >= today,
                  Case.promised_date <= WorkCalendar.load(s).add_working_days(today, 2).date]
    elif view == "deferred":
        sub = select(MaterialCheck.case_id).where(MaterialCheck.status == CheckStatus.DEFERRED.value,
                                                  MaterialCheck.supplied_at.is_(None))
        terms += [Case.id.in_(sub), Case.state.in_(OPEN_STATES)]
    if q:
        terms.append(search_filter(s, q, list(terms), limit))
    return terms


def case_rows(db: Database, view: str = "today", query: str = "", today: dt.date | None = None,
              limit: int = PAGE, before_id: int | None = None) -> list[CaseRow]:
    """A page of the case list (newest first, ``limit`` rows after ``before_id``): one SELECT
    (two on the "due soon" view, whose limit date is cached per day) whatever the page holds."""
    from .cases import STATE_LABELS

    today = today or dt.date.today()
    q = clean_query(query)
    with db.read() as s:
        # a case's own applicant row, unless it was decided: then the parties as printed
        person = aliased(Applicant)
        stmt = (select(Case.id, Case.number, Case.state, Case.promised_date, Case.parties, Matter.name,
                       Bundle.name, person.name, person.id_number)
                .outerjoin(Matter, Matter.id == Case.matter_id).outerjoin(Bundle, Bundle.id == Case.bundle_id)
                .outerjoin(person, person.id == Case.applicant_id)
                .where(*view_filter(s, view, q, today, before_id, limit)).order_by(Case.id.desc()).limit(limit))
        rows = s.execute(stmt).all()
    return [_row(r, STATE_LABELS) for r in rows]


def _row(r: Sequence[Any], labels: dict[CaseState, str]) -> CaseRow:
    case_id, number, state, promised, parties, matter, bundle, name, id_number = r
    shown = (parties or {}).get("applicant")
    if shown:
        name, id_number = shown.get("name", ""), shown.get("id_number", "")
    label = f"{name} {mask_id(id_number or '')}" if name is not None else ""
    return CaseRow(case_id, number, matter or bundle or "", label, state, labels[CaseState(state)], promised)
