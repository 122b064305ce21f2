"""The case list at volume, on a real database (SQLite and PostgreSQL): a page costs the same
number of statements however many rows and children it holds, pages follow one another by id,
the search finds a name or a case number by its beginning and a full ID number, and treats
``%``, ``_`` and ``\\`` as plain characters; a NUL or an over-long search is refused in Chinese.
A read never takes SQLite's write lock."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event

from clerk import case_rows, cases
from clerk.db import Database
from clerk.dto import ApplicantInput
from clerk.errors import ValidationError
from tests.casefixtures import clerk_user, id_number, make_catalog

MON = dt.datetime(2026, 11, 23, 9, 30)


@pytest.fixture
def setup(any_db):
    make_catalog(any_db)
    return any_db, clerk_user(any_db)


def _accepted(db, user, name: str, body17: str, bundle: bool = False) -> cases.CaseInfo:
    person = ApplicantInput(name=name, id_number=id_number(body17), phone="13812345678")
    if bundle:
        c = cases.start_case(db, user, person, bundle_code="B-BIRTH", answers={"M-HUJI": {"who": ["self"]}})
    else:
        c = cases.start_case(db, user, person, matter_code="M-YIBAO")
    for ch in c.checks:
        cases.check_material(db, user, c.id, ch.key, "presented", today=MON.date())
    return cases.accept_case(db, user, c.id, now=MON)


def _statements(db: Database, fn):
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_a):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        return fn(), seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_a_page_costs_the_same_statements_for_two_rows_and_for_nine(setup):
    db, user = setup
    _accepted(db, user, "张三", "33022519900101123")
    _accepted(db, user, "李四", "33022519850612002", bundle=True)
    few, few_sql = _statements(db, lambda: cases.list_cases(db, "all"))
    for i in range(4):
        _accepted(db, user, f"王{i}", f"33022519800{i + 1}01111")
        _accepted(db, user, f"赵{i}", f"33022519700{i + 1}01222", bundle=True)
    many, many_sql = _statements(db, lambda: cases.list_cases(db, "all"))
    assert len(few) == 2 and len(many) == 10
    assert len(many_sql) == len(few_sql)
    bundle = next(c for c in many if c.children)
    assert sorted(k.matter_code for k in bundle.children) == ["M-HUJI", "M-YIBAO"]
    assert bundle.checks and bundle.clerk_name == "王晓丽" and all(k.state == "accepted" for k in bundle.children)


def test_pages_follow_each_other_newest_first(setup):
    db, user = setup
    made = [_accepted(db, user, f"钱{i}", f"33022519600{i + 1}01333").id for i in range(5)]
    first = cases.list_cases(db, "all", limit=2)
    second = cases.list_cases(db, "all", limit=2, before_id=first[-1].id)
    third = cases.list_cases(db, "all", limit=2, before_id=second[-1].id)
    assert [c.id for c in first + second + third] == sorted(made, reverse=True)


def test_search_by_name_beginning_number_beginning_and_full_id(setup):
    db, user = setup
    zhang = _accepted(db, user, "张晓明", "33022519900101123")
    li = _accepted(db, user, "李四", "33022519850612002")
    assert [c.id for c in cases.list_cases(db, "all", "张")] == [zhang.id]
    assert [c.id for c in cases.list_cases(db, "all", "张晓明")] == [zhang.id]
    assert [c.id for c in cases.list_cases(db, "all", li.number[:-1].lower())] == [li.id, zhang.id]
    assert [c.id for c in cases.list_cases(db, "all", li.number)] == [li.id]
    full_id = id_number("33022519850612002")
    assert [c.id for c in cases.list_cases(db, "all", full_id.lower())] == [li.id]
    assert cases.list_cases(db, "all", "晓明") == []  # a name is found by its beginning


@pytest.mark.parametrize("query", ["%", "_", "张%", "张_", "张_%", "\\", "%张"])
def test_like_wildcards_are_plain_characters(setup, query):
    db, user = setup
    _accepted(db, user, "张三", "33022519900101123")
    _accepted(db, user, "张_%\\", "33022519850612002")
    found = [c.applicant.name for c in cases.list_cases(db, "all", query)]
    assert found == (["张_%\\"] if query in ("张_", "张_%") else [])
    rows = [r.applicant_label.split(" ")[0] for r in case_rows.case_rows(db, "all", query)]
    assert rows == found


@pytest.mark.parametrize("listed", [case_rows.PEOPLE_LISTED, 0])
def test_the_list_rows_are_one_select_a_page_and_agree_with_the_full_cases(setup, monkeypatch, listed):
    """The table's rows (``case_rows``): the same cases as ``list_cases`` for every view and
    search — whether the namesakes are few (looked up by id) or many (tested case by case) —
    the same five columns, the ID number masked, one SELECT a page however many rows (two on
    即将到期, which reads the hall's calendar; a search reads the applicants first)."""
    monkeypatch.setattr(case_rows, "PEOPLE_LISTED", listed)
    db, user = setup
    draft = cases.start_case(db, user, ApplicantInput(name="孙七", id_number=id_number("33022519950505555")),
                             matter_code="M-YIBAO")
    _accepted(db, user, "张晓明", "33022519900101123")
    late = _accepted(db, user, "李四", "33022519850612002", bundle=True)
    few, few_sql = _statements(db, lambda: case_rows.case_rows(db, "all"))
    for i in range(4):
        _accepted(db, user, f"王{i}", f"33022519800{i + 1}01111", bundle=i % 2 == 0)
    many, many_sql = _statements(db, lambda: case_rows.case_rows(db, "all"))
    assert len(few) == 3 and len(many) == 7
    selects = [q for q in many_sql if q.lstrip().upper().startswith("SELECT")]
    assert len(many_sql) == len(few_sql) and len(selects) == 1
    today = late.promised_date  # the accepted cases are due that day: in every open view
    for view in case_rows.VIEWS:
        for query in ("", "王", "李四", late.number[:-2], id_number("33022519900101123"), "无此人"):
            full = cases.list_cases(db, view, query, today=today)
            rows, sql = _statements(db, lambda: case_rows.case_rows(db, view, query, today=today))
            selects = [x for x in sql if x.lstrip().upper().startswith("SELECT")]
            assert len(selects) == 1 + (view == "due_soon") * 2 + bool(query), (view, query, selects)
            assert [(r.id, r.number, r.matter_name, r.applicant_label, r.state_label, r.promised_date) for r in rows] \
                == [(c.id, c.number, c.matter_name, f"{c.applicant.name} {c.applicant.id_number_masked}",
                     c.state_label, c.promised_date) for c in full], (view, query)
    labels = [r.applicant_label for r in case_rows.case_rows(db, "all")]
    assert draft.id in [r.id for r in case_rows.case_rows(db, "all")]
    assert "孙七 " in "".join(labels) and not any(id_number("33022519950505555") in x for x in labels)
    assert any(r.id == late.id and r.matter_name == "出生一件事" for r in case_rows.case_rows(db, "open", today=today))


def test_nul_and_over_long_searches_are_refused_in_chinese(setup):
    db, _user = setup
    with pytest.raises(ValidationError, match="空字符"):
        cases.list_cases(db, "all", "张\x00三")
    with pytest.raises(ValidationError, match="查询内容过长.*最多 40 个字"):
        cases.list_cases(db, "all", "张" * 100_000)
    assert cases.list_cases(db, "all", " " * 100) == []  # blanks are no search, not an error


def test_count_by_state_for_a_day(setup):
    db, user = setup
    _accepted(db, user, "张三", "33022519900101123")
    day = dt.datetime.combine(dt.date.today(), dt.time())
    assert cases.count_by_state(db, day, day + dt.timedelta(days=1)) == {"accepted": 1}
    assert cases.count_by_state(db, day - dt.timedelta(days=1), day) == {}


def test_a_read_never_takes_the_sqlite_write_lock(tmp_path):
    """While one process reads (an open read unit of work), another writes at once; while one
    holds a write unit of work, another writer waits (the contrast that shows the test can fail)."""
    from clerk.errors import StorageError
    from clerk.migrate import upgrade
    from clerk.models import Setting

    url = f"sqlite:///{(tmp_path / 'lock.sqlite3').as_posix()}"
    upgrade(url)
    reader, writer = Database(url), Database(url, busy_timeout_ms=200)
    try:
        with reader.read() as s:
            assert s.get(Setting, "x") is None  # the read transaction has begun and holds its snapshot
            with writer.uow() as w:
                w.add(Setting(key="x", value="1"))
        with reader.uow() as s:
            s.get(Setting, "x")
            with pytest.raises(StorageError, match="数据库正忙"):
                with writer.uow() as w:
                    w.add(Setting(key="y", value="2"))
    finally:
        reader.dispose()
        writer.dispose()
