"""Alembic environment of the back office: its own version table, so it can share a database
with a desk; batch mode so SQLite can alter tables; the same scripts for PostgreSQL."""
from __future__ import annotations

from alembic import context

from backoffice.models import Base
from clerk.db import make_engine

VERSION_TABLE = "bo_alembic_version"
config = context.config
target_metadata = Base.metadata


def _include(obj, name, type_, reflected, compare_to):  # alembic's hook signature
    # a shared database also holds the desk's tables: they are not ours to drop
    return not (type_ == "table" and reflected and compare_to is None and not str(name).startswith("bo_"))


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True, version_table=VERSION_TABLE,
                      include_object=_include)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                              version_table=VERSION_TABLE, include_object=_include)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
