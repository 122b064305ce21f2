"""The back office's Alembic wiring (its own scripts and version table): ``upgrade(url)``."""
from __future__ import annotations

from pathlib import Path
from typing import Any

MIGRATIONS = Path(__file__).with_name("migrations")
HEAD_REVISION = "bo0001"


def alembic_config(url: str) -> Any:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def ensure_current(url: str) -> bool:
    """Migrate ``url`` to head unless it is there already (one query); True when a migration ran."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from clerk.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            at = conn.execute(text("SELECT version_num FROM bo_alembic_version")).scalar()
    except SQLAlchemyError:
        at = None  # a new database (or not reachable: upgrade says which)
    finally:
        engine.dispose()
    if at == HEAD_REVISION:
        return False
    upgrade(url)
    return True


def current(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    from clerk.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn, opts={"version_table": "bo_alembic_version"}).get_current_revision()
    finally:
        engine.dispose()
