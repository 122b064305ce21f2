"""The back office's shape: its migrations make exactly its models (SQLite and PostgreSQL), the
committed OpenAPI document is what the code states, its moves are moves the desk's state machine
makes, it never imports the desk's UI or devices, and the contract's unique constraints hold in
the database itself."""
from __future__ import annotations

import ast
import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

import backoffice
from backoffice import core, migrate, service
from backoffice.models import Base, Blob, Case, Event, Hall, Workstation
from clerk.cases import ACTIONS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def store(request, tmp_path):
    url = f"sqlite:///{(tmp_path / 'bo.sqlite3').as_posix()}" if request.param == "sqlite" \
        else request.getfixturevalue("pg_url")
    migrate.upgrade(url)
    st = core.Store(url)
    yield st
    st.dispose()


def test_migrations_make_exactly_the_models(store):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": "bo_alembic_version"})
        diff = [d for d in compare_metadata(ctx, Base.metadata)
                if not (d[0] == "remove_table" and not d[1].name.startswith("bo_"))]
        assert diff == []
    assert migrate.current(store.url) == migrate.HEAD_REVISION
    assert {t.name for t in Base.metadata.sorted_tables} <= set(inspect(store.engine).get_table_names())


def test_the_contract_is_in_the_schema_not_only_in_code(store):
    """Unique case uuid, unique (hall, number), unique event key per hall, blob by sha256: a second
    row is refused by the database itself."""
    now = dt.datetime.now()
    with store.tx() as s:
        s.add(Hall(code="33022501", name="h", enrolment_hash="x"))
        s.add(Workstation(id="w1", hall_code="33022501", code="W01"))
        s.flush()
        s.add(Case(uuid="u1", hall_code="33022501", number="N1", kind="matter", state="accepted", body={},
                   body_sha256="a", reply={}, received_at=now, updated_at=now))
        s.add(Blob(sha256="b" * 64, length=1))
    twins = [
        Case(uuid="u1", hall_code="33022501", number="N2", kind="matter", state="accepted", body={}, body_sha256="a",
             reply={}),
        Case(uuid="u2", hall_code="33022501", number="N1", kind="matter", state="accepted", body={}, body_sha256="a",
             reply={}),
        Blob(sha256="b" * 64, length=1),
    ]
    for twin in twins:
        with pytest.raises(IntegrityError), store.tx() as s:
            s.add(twin)
    with store.tx() as s:
        s.add(Event(id="e1", hall_code="33022501", idempotency_key="k", workstation_id="w1", case_uuid="u1",
                    target_uuid="u1", type="evaluation", body={}, body_sha256="x", reply={}))
    with pytest.raises(IntegrityError), store.tx() as s:
        s.add(Event(id="e2", hall_code="33022501", idempotency_key="k", workstation_id="w1", case_uuid="u1",
                    target_uuid="u1", type="evaluation", body={}, body_sha256="y", reply={}))


def test_every_server_move_is_a_move_of_the_desks_state_machine():
    """The desk applies each feed row through clerk.cases.ACTIONS: the server may only make moves
    that table allows, from states it allows them."""
    moves = [(a, src, to) for a, src, to, _label in service.DECISIONS.values()]
    moves += [m for ms in service.EVENT_MOVES.values() for m in ms]
    for action, sources, target in moves:
        desk_sources, desk_target, _ = ACTIONS[action]
        assert target == desk_target, action
        assert set(sources) <= set(desk_sources), action


def test_committed_openapi_is_what_the_app_states():
    from backoffice.cli import openapi_yaml

    committed = (ROOT / "docs" / "api" / "openapi.yaml").read_text(encoding="utf-8")
    assert committed == openapi_yaml(), "run: python -m backoffice openapi --output docs/api/openapi.yaml"
    for path in ("/api/v1/cases/{case_uuid}", "/api/v1/cases/{case_uuid}/events", "/api/v1/blobs/{sha256}",
                 "/api/v1/changes", "/api/v1/cases", "/api/v1/workstations"):
        assert f"  {path}:" in committed


def test_backoffice_never_imports_the_desks_ui_or_devices():
    pkg = Path(backoffice.__file__).parent
    offenders = []
    for path in pkg.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else []
            offenders += [f"{path.name}: {n}" for n in names
                          if n.split(".")[0] in ("ui", "devices", "printing", "PySide6")]
    assert offenders == []
    code = "import backoffice.app, backoffice.cli, sys; print(sorted(m for m in sys.modules if m.split('.')[0] in ('ui','devices','printing','PySide6')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_sqlite_commits_are_durable_unless_a_benchmark_asks(tmp_path):
    """The back office on SQLite syncs every commit (FULL) like the desk; ``--sqlite-synchronous
    normal`` is there for benchmarks only. Reads run in their own deferred transactions."""
    url = f"sqlite:///{(tmp_path / 'bo.sqlite3').as_posix()}"
    migrate.upgrade(url)
    for mode, expected in (("full", 2), ("normal", 1)):
        st = core.Store(url, sqlite_synchronous=mode)
        try:
            with st.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == expected
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            with st.tx() as s, st.read() as r:  # a reader is not blocked by an open writer
                s.add(Hall(code=f"3302259{expected}", name="h", enrolment_hash="x"))
                s.flush()
                assert r.get(Hall, f"3302259{expected}") is None  # not committed yet
        finally:
            st.dispose()
