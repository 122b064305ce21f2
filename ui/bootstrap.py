"""The composition root: one place that builds what a window needs.

``make_context(cfg)`` opens the database (migrated, seeded), reads the hall and this
workstation's device URLs once (``clerk.device_settings`` is their one source of truth), and
makes the process's one ``ui.ops.Ops`` — its database workers and its one device thread
(``ops.device_worker``). ``make_hub(ctx)`` adds the ``DeviceHub`` on that same device thread.
The app (``ui.app``), the kiosk and the hall display (``ui.modes``), the bench and tools call
these instead of wiring parts themselves; ``close_context(ctx)`` takes it all down again.

It lives in ui/ because it starts Qt-side threads; clerk/ stays Qt-free.
"""
from __future__ import annotations

from typing import Any

from clerk.bootstrap import hall_summary
from clerk.config import Config
from clerk.db import Database
from clerk.device_settings import load_device_settings
from clerk.dto import UserInfo

from .context import AppContext
from .ops import Ops


def open_database(cfg: Config) -> Database:
    """The configured database, migrated to head and seeded on first use."""
    import argparse

    from clerk.commands import open_db

    return open_db(argparse.Namespace(data_dir=cfg.data_dir))


def make_context(cfg: Config, *, db: Database | None = None, user: UserInfo | None = None,
                 window_number: int = 1, workers: int = 2) -> AppContext:
    """Everything but the windows: the database, the hall, the device URLs and the one ``Ops``
    (database workers + the one device thread)."""
    db = db or open_database(cfg)
    ops = Ops(workers=workers)
    ctx = AppContext(cfg=cfg, db=db, tasks=ops, user=user, window_number=window_number or 1)
    ctx.hall = hall_summary(db, cfg.hall_code)
    ctx.devices = load_device_settings(db, cfg.workstation)
    return ctx


def make_hub(ctx: AppContext, *, demo: bool = False) -> Any:
    """The counter's devices (reader, barcode gun) on the context's one device thread."""
    from .device_hub import DeviceHub

    hub = DeviceHub(ctx.devices, demo=demo, ops=ctx.tasks)
    ctx.hub = hub
    return hub


def close_context(ctx: AppContext) -> None:
    """Stop the devices, then the workers (a running job finishes), then the database."""
    if ctx.hub is not None:
        ctx.hub.stop()
    ctx.tasks.shutdown()   # also its device thread
    ctx.db.dispose()
