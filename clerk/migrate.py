"""Alembic wiring without an alembic.ini: ``upgrade(url)`` brings any database to head.

``ensure_current(url)`` is what start-up calls: one query when the database is already at
``HEAD_REVISION`` (Alembic itself is imported only when there is something to migrate)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

MIGRATIONS = Path(__file__).with_name("migrations")
HEAD_REVISION = "0008"  # the newest script in migrations/versions (tests/unit/test_migrate_head.py)


def alembic_config(url: str) -> Any:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def ensure_current(url: str) -> bool:
    """Migrate ``url`` to head unless it is there already; True when a migration ran."""
    from sqlalchemy import text
    from sqlalchemy.exc import ProgrammingError, SQLAlchemyError

    from .db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            at = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as exc:
        # a new database has no version table yet; anything else (unreachable, locked) is raised
        if not (isinstance(exc, ProgrammingError) or "no such table" in str(exc)):
            raise
        at = None
    finally:
        engine.dispose()
    if at == HEAD_REVISION:
        return False
    upgrade(url)
    return True


def current(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    from .db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
