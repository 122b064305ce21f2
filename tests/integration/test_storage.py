"""Storage: the schema migrates on SQLite and PostgreSQL, SQLite runs with the durability
pragmas, a unit of work is all-or-nothing, and case numbers never collide."""
from __future__ import annotations

import datetime as dt
import multiprocessing as mp

import pytest
from sqlalchemy import func, inspect, select

from clerk import migrate
from clerk.bootstrap import ensure_hall
from clerk.db import Database
from clerk.errors import StorageError, ValidationError
from clerk.models import Applicant, Base, Case, DailyCounter, Matter, Window, Zone
from clerk.numbering import next_case_number, parse_case_number


def test_sqlite_connections_use_wal_full_sync_fk_and_busy_timeout(db):
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_sqlite_write_transactions_begin_immediate(db, sqlite_url):
    """A second writer waits for the first instead of failing half way: the first BEGIN takes
    the write lock at once, so another connection cannot even start its transaction."""
    import sqlite3

    path = sqlite_url.removeprefix("sqlite:///")
    with db.uow() as s:
        s.execute(select(1))  # the transaction is open: with BEGIN IMMEDIATE it holds the write lock
        other = sqlite3.connect(path, timeout=0.1, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()


def test_schema_matches_models_on_both_engines(any_db):
    """Every table and column of the models exists after the migrations (no drift)."""
    insp = inspect(any_db.engine)
    tables = set(insp.get_table_names())
    for table in Base.metadata.sorted_tables:
        assert table.name in tables
        cols = {c["name"] for c in insp.get_columns(table.name)}
        assert {c.name for c in table.columns} <= cols, table.name
    assert migrate.current(any_db.url) == migrate.HEAD_REVISION


def test_migrations_and_models_agree_for_autogenerate(any_db):
    """Alembic finds nothing to generate: every column, index and constraint of the models is made
    by a migration (server defaults are not compared: PostgreSQL cannot compare JSON ones)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with any_db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_unit_of_work_rolls_back_everything_on_error(any_db):
    with pytest.raises(RuntimeError):
        with any_db.uow() as s:
            s.add(Applicant(name="张三", id_number="330225199001011234"))
            s.flush()
            raise RuntimeError("boom")
    with any_db.uow() as s:
        assert s.scalar(select(func.count()).select_from(Applicant)) == 0


def test_unique_constraint_violation_leaves_nothing(any_db):
    from sqlalchemy.exc import IntegrityError

    with any_db.uow() as s:
        s.add(Case(number="X1"))
    with pytest.raises(IntegrityError):
        with any_db.uow() as s:
            s.add(Applicant(name="李四", id_number="1"))
            s.add(Case(number="X1"))
    with any_db.uow() as s:
        assert s.scalar(select(func.count()).select_from(Applicant)) == 0


def test_case_numbers_have_the_documented_format_and_count_per_day(any_db):
    day = dt.date(2026, 11, 23)
    with any_db.uow() as s:
        a = next_case_number(s, "33022501", "W01", day)
        b = next_case_number(s, "33022501", "W01", day)
        c = next_case_number(s, "33022501", "W02", day)
        d = next_case_number(s, "33022501", "W01", day + dt.timedelta(days=1))
    assert a == "33022501W01202611230001"
    assert b.endswith("0002") and c.endswith("0001") and d.endswith("202611240001")
    assert parse_case_number(a) == {"hall": "33022501", "ws": "W01", "date": "20261123", "seq": "0001"}


def test_a_rolled_back_number_is_given_again(db):
    day = dt.date(2026, 11, 23)
    with pytest.raises(RuntimeError):
        with db.uow() as s:
            next_case_number(s, "33022501", "W01", day)
            raise RuntimeError
    with db.uow() as s:
        assert next_case_number(s, "33022501", "W01", day).endswith("0001")


def test_bad_hall_or_workstation_code_is_refused_in_chinese(db):
    with db.uow() as s, pytest.raises(ValidationError, match="工作站编码"):
        next_case_number(s, "33022501", "w1", dt.date.today())


def _numbers(url: str, ws: str, n: int, q) -> None:
    database = Database(url)
    got = []
    for _ in range(n):
        with database.uow() as s:
            got.append(next_case_number(s, "33022501", ws, dt.date(2026, 11, 23)))
    q.put(got)
    database.dispose()


def test_concurrent_workstations_never_share_a_number(any_db):
    """Four processes, two per workstation code, 25 numbers each: 100 distinct numbers."""
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    procs = [ctx.Process(target=_numbers, args=(any_db.url, ws, 25, q)) for ws in ("W01", "W01", "W02", "W02")]
    for p in procs:
        p.start()
    results = [q.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(30)
    flat = [n for r in results for n in r]
    assert len(flat) == 100 and len(set(flat)) == 100
    with any_db.uow() as s:
        assert sorted(s.scalars(select(DailyCounter.value))) == [50, 50]


def test_full_disk_becomes_a_clear_chinese_storage_error(tmp_path):
    """SQLite's max_page_count makes the 'disk' full: the write fails with the Chinese
    message and the earlier data is intact."""
    url = f"sqlite:///{(tmp_path / 'small.sqlite3').as_posix()}"
    migrate.upgrade(url)
    database = Database(url)
    with database.uow() as s:
        s.add(Applicant(name="王五", id_number="keep"))
    with database.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()

    from sqlalchemy import event

    @event.listens_for(database.engine, "connect")
    def _limit(dbapi_conn, _rec):  # applies to new connections
        dbapi_conn.execute(f"PRAGMA max_page_count={pages + 1}")

    database.engine.dispose()
    with pytest.raises(StorageError, match="磁盘已满"):
        with database.uow() as s:
            for i in range(2000):
                s.add(Applicant(name="大" * 100, id_number=f"n{i}", address="长" * 190))
    with database.uow() as s:
        assert s.scalars(select(Applicant.id_number)).all() == ["keep"]
    database.dispose()


def test_ensure_hall_is_idempotent(any_db):
    with any_db.uow() as s:
        ensure_hall(s)
    with any_db.uow() as s:
        ensure_hall(s)
        assert s.scalar(select(func.count()).select_from(Window)) == 8
        assert s.scalar(select(func.count()).select_from(Zone)) == 7


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def empty_url(request, sqlite_url) -> str:
    """An empty database (not migrated) on each engine."""
    return sqlite_url if request.param == "sqlite" else request.getfixturevalue("pg_url")


def test_0002_adds_the_application_form_to_a_0001_database_with_data(empty_url):
    """Given a hall database at 0001 with a matter, a case and its material checks, When it is
    upgraded, Then the matter has an empty form, the case empty values, nothing else changed (the
    checks survive: no table copy), the models work, and a downgrade takes the columns away again."""
    from sqlalchemy import text

    migrate.upgrade(empty_url, "0001")
    database = Database(empty_url)
    with database.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO matter (code, name, short_name, department, zone_code, kind, statutory_days, promised_days,"
            " fee, visits_required, online, delivery_options, legal_basis, conditions, window_script, target, active,"
            " use_count, search_text, catalog_version) VALUES ('M1', '出生登记', '', '', 'GA', 'committed', 20, 3,"
            " '不收费', 1, false, '[\"window\"]', '', '', '', 'person', true, 0, '', '')"))
        matter_id = conn.execute(text("SELECT id FROM matter")).scalar()
        conn.execute(text(
            "INSERT INTO case_file (uuid, workstation, state, situation, department, catalog_version, created_at,"
            " delivery, post_address, tracking_number, visits, reason, note, version, matter_id) VALUES"
            " ('u-1', 'W01', 'draft', '{}', '', '', '2026-11-23 09:00:00', 'window', '', '', 0, '', '', 1, :m)"),
            {"m": matter_id})
        case_id = conn.execute(text("SELECT id FROM case_file")).scalar()
        conn.execute(text(
            "INSERT INTO material_check (case_id, material_key, name, status, form, count, share_source,"
            " share_reference, note, position) VALUES (:c, 'id_card', '居民身份证', 'presented', 'original', 1,"
            " '', '', '', 0)"), {"c": case_id})
    database.dispose()

    migrate.upgrade(empty_url)
    assert migrate.current(empty_url) == migrate.HEAD_REVISION
    database = Database(empty_url)
    try:
        with database.uow() as s:
            matter = s.scalar(select(Matter))
            case = s.get(Case, case_id)
            assert matter.form_fields == [] and case.form_data == {} and case.detail == {}
            assert [c.material_key for c in case.checks] == ["id_card"]
            matter.form_fields = [{"key": "baby_name", "label": "新生儿姓名", "type": "text", "required": True}]
            case.form_data = {"baby_name": "张小宝"}
        with database.uow() as s:
            assert s.get(Case, case_id).form_data == {"baby_name": "张小宝"}
    finally:
        database.dispose()
    migrate.downgrade(empty_url, "0001")
    database = Database(empty_url)
    try:
        insp = inspect(database.engine)
        assert "form_fields" not in {c["name"] for c in insp.get_columns("matter")}
        assert not {"form_data", "detail"} & {c["name"] for c in insp.get_columns("case_file")}
        with database.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM material_check")).scalar() == 1
    finally:
        database.dispose()


def test_0003_adds_the_published_list_fields_and_keeps_checks(empty_url):
    """Given a database at 0002 with a matter, a material and a case whose check points at it,
    When it is upgraded, Then the matter has empty published-list fields (事项类型, 主项, 区划,
    地点, 电话, other facts) and the check still points at its material (no table copy); a
    downgrade to the revision before takes the columns away and keeps the rows."""
    from sqlalchemy import text

    migrate.upgrade(empty_url, "0002")
    database = Database(empty_url)
    with database.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO matter (code, name, short_name, department, zone_code, kind, statutory_days, promised_days,"
            " fee, visits_required, online, delivery_options, legal_basis, conditions, window_script, target, active,"
            " use_count, search_text, catalog_version) VALUES ('M1', '出生登记', '', '', 'GA', 'committed', 20, 3,"
            " '不收费', 1, false, '[\"window\"]', '', '', '', 'person', true, 0, '', '')"))
        matter_id = conn.execute(text("SELECT id FROM matter")).scalar()
        conn.execute(text(
            "INSERT INTO material_requirement (matter_id, key, name, form, count, required, core, \"deferrable\","
            " shareable, share_source, sample, notes, position) VALUES (:m, 'id_card', '居民身份证', 'original', 1,"
            " true, true, false, false, '', '', '', 0)"), {"m": matter_id})
        material_id = conn.execute(text("SELECT id FROM material_requirement")).scalar()
        conn.execute(text(
            "INSERT INTO case_file (uuid, workstation, state, situation, department, catalog_version, created_at,"
            " delivery, post_address, tracking_number, visits, reason, note, version, matter_id) VALUES"
            " ('u-1', 'W01', 'draft', '{}', '', '', '2026-11-23 09:00:00', 'window', '', '', 0, '', '', 1, :m)"),
            {"m": matter_id})
        case_id = conn.execute(text("SELECT id FROM case_file")).scalar()
        conn.execute(text(
            "INSERT INTO material_check (case_id, material_id, material_key, name, status, form, count,"
            " share_source, share_reference, note, position) VALUES (:c, :mat, 'id_card', '居民身份证', 'presented',"
            " 'original', 1, '', '', '', 0)"), {"c": case_id, "mat": material_id})
    database.dispose()

    migrate.upgrade(empty_url, "0003")
    database = Database(empty_url)
    try:
        with database.engine.connect() as conn:
            row = conn.execute(text("SELECT power_type, parent_name, division, place, phone FROM matter")).one()
            assert tuple(row) == ("", "", "", "", "")
            assert conn.execute(text("SELECT material_id FROM material_check")).scalar() == material_id
    finally:
        database.dispose()
    migrate.downgrade(empty_url, "0007")  # 0003 sits on top of 0007 (re-chained when both were merged)
    database = Database(empty_url)
    try:
        cols = {c["name"] for c in inspect(database.engine).get_columns("matter")}
        assert not {"power_type", "parent_name", "division", "place", "phone", "extra"} & cols
        with database.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM material_check WHERE material_id IS NOT NULL")).scalar() == 1
            assert conn.execute(text("SELECT name FROM matter")).scalar() == "出生登记"
    finally:
        database.dispose()
