"""Core ``clerk`` command groups and the helper that opens the configured database.

Each group lives in its own ``clerk/cli_*.py`` module with a ``register(subparsers)`` function.
"""
from __future__ import annotations

import argparse
import importlib

from .config import Config, load_config
from .db import Database
from .migrate import ensure_current

GROUPS = ("clerk.cli_db", "clerk.cli_validate", "clerk.cli_catalog", "clerk.cli_queue", "clerk.doctor",
          "clerk.cli_demo")


def register(sub: argparse._SubParsersAction) -> None:
    for name in GROUPS:
        importlib.import_module(name).register(sub)


def open_config(args: argparse.Namespace) -> Config:
    return load_config(getattr(args, "data_dir", None))


def open_db(args: argparse.Namespace, *, migrate: bool = True, seed: bool = True) -> Database:
    """The configured database, migrated to head and, on first use, seeded with the demo hall,
    the default accounts and the demo catalog."""
    from sqlalchemy.exc import SQLAlchemyError

    from .db import database_error

    cfg = open_config(args)
    try:
        if migrate:
            ensure_current(cfg.database_url)
        db = Database(cfg.database_url)
        if seed:
            from .seed import seed_defaults

            seed_defaults(db, cfg)
    except SQLAlchemyError as exc:
        raise database_error(exc, cfg.database_url) from exc
    return db
