"""First-use seeding of the embedded defaults: demo hall, default accounts, demo catalog.

Runs on every start and does nothing once seeded, so a hall that imported its own catalog keeps it.
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from .bootstrap import ensure_hall, ensure_users
from .config import Config
from .db import Database
from .models import Matter, Setting

DEMO_CATALOG = Path(__file__).with_name("data") / "demo_catalog.json"


def seed_defaults(db: Database, cfg: Config | None = None, *, catalog: Path | None = DEMO_CATALOG) -> None:
    hall_code = cfg.hall_code if cfg else "33022501"
    with db.uow() as s:
        hall = ensure_hall(s, code=hall_code)
        ensure_users(s, hall)
        if cfg is not None and s.get(Setting, "workstation") is None:
            s.add(Setting(key="workstation", value=cfg.workstation))
        has_matters = s.scalar(select(func.count()).select_from(Matter)) or 0
    if not has_matters and catalog is not None and catalog.exists():
        from .catalog import import_catalog

        import_catalog(db, catalog)


def seed_demo_catalog(db: Database, catalog: Path = DEMO_CATALOG) -> bool:
    """The demo catalog, when the database has no matter yet (the app runs this in the background
    after its sign-in dialog shows, so a first start is not kept waiting). True when imported."""
    with db.read() as s:
        if s.scalar(select(func.count()).select_from(Matter)):
            return False
    if not catalog.exists():
        return False
    from .catalog import import_catalog

    import_catalog(db, catalog)
    return True
