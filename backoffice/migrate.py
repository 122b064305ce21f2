"""The back office's Alembic wiring (its own scripts and version table): ``upgrade(url)``."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

MIGRATIONS = Path(__file__).with_name("migrations")
HEAD_REVISION = "bo0003"


def alembic_config(url: str, blob_dir: str | os.PathLike[str] | None = None) -> Any:
    """``blob_dir``: where bo0002 writes the blob chunks an older database kept as rows."""
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["blob_dir"] = str(blob_dir) if blob_dir else None
    return cfg


def upgrade(url: str, revision: str = "head", blob_dir: str | os.PathLike[str] | None = None) -> None:
    from alembic import command

    command.upgrade(alembic_config(url, blob_dir), revision)


def ensure_current(url: str, blob_dir: str | os.PathLike[str] | None = None) -> bool:
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
    upgrade(url, blob_dir=blob_dir)
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
