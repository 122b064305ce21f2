"""Start-up's fast path: ``ensure_current`` asks the database its revision and runs Alembic only
when it is behind; ``HEAD_REVISION`` must name the newest migration script."""
from __future__ import annotations

import pytest

from clerk import migrate


def test_head_revision_is_the_newest_script():
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_current_head() == migrate.HEAD_REVISION


def test_new_database_is_migrated_then_left_alone(tmp_path, monkeypatch):
    url = f"sqlite:///{(tmp_path / 'c.sqlite3').as_posix()}"
    assert migrate.ensure_current(url) is True
    assert migrate.current(url) == migrate.HEAD_REVISION

    def no_alembic(*_a, **_k):
        raise AssertionError("Alembic ran on a database already at head")
    monkeypatch.setattr(migrate, "upgrade", no_alembic)
    assert migrate.ensure_current(url) is False


def test_a_database_behind_head_is_upgraded(tmp_path):
    url = f"sqlite:///{(tmp_path / 'old.sqlite3').as_posix()}"
    migrate.upgrade(url, "0001")
    assert migrate.ensure_current(url) is True and migrate.current(url) == migrate.HEAD_REVISION


def test_an_unreachable_database_is_not_mistaken_for_a_new_one(tmp_path, monkeypatch):
    from sqlalchemy.exc import OperationalError

    called = []
    monkeypatch.setattr(migrate, "upgrade", lambda *a, **k: called.append(a))
    with pytest.raises(OperationalError):
        migrate.ensure_current(f"sqlite:///{(tmp_path / 'no' / 'such' / 'dir.sqlite3').as_posix()}")
    assert called == []
