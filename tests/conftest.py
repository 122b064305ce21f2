"""Shared fixtures: a real migrated SQLite database per test, and PostgreSQL when configured.

PostgreSQL tests use the server named by ``CLERK_TEST_PG_URL`` (``.ci/run`` starts one). When
``CLERK_REQUIRE_PG=1`` (CI) a missing server is a failure, not a skip.
"""
from __future__ import annotations

import gc
import os
import uuid

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# No sound device on a test machine: the chime is counted, not played (Qt Multimedia's backend
# threads outliving a deleted QSoundEffect have crashed later tests). ui/voice.py reads this.
os.environ.setdefault("CLERK_NO_AUDIO", "1")

from clerk.db import Database  # noqa: E402
from clerk.migrate import upgrade  # noqa: E402


def _pg_url() -> str | None:
    url = os.environ.get("CLERK_TEST_PG_URL")
    if not url and os.environ.get("CLERK_REQUIRE_PG") == "1":
        pytest.fail("CLERK_REQUIRE_PG=1 but CLERK_TEST_PG_URL is not set")
    return url


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
    if not base:
        pytest.skip("PostgreSQL not configured (set CLERK_TEST_PG_URL)")
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
