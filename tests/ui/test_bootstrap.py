"""The composition root (ui/bootstrap.py): one context, one Ops, one device thread shared by the
hub, the documents and the kiosk; the device URLs read once from clerk.device_settings."""
from __future__ import annotations

import threading

from clerk.config import load_config
from clerk.device_settings import save_device_settings
from devices.worker import on_device_thread
from ui.bootstrap import close_context, make_context, make_hub
from ui.documents import DocumentService


def test_one_context_one_device_thread_for_everything(qtbot, tmp_path):
    cfg = load_config(tmp_path)
    ctx = make_context(cfg)
    try:
        assert ctx.hall is not None and ctx.hall.name            # read once, at start
        assert ctx.ops is ctx.tasks and ctx.devices == {}
        save_device_settings(ctx.db, {"receipt_printer": "file:/tmp/x.bin"}, ctx.workstation)
        close_context(ctx)
        ctx = make_context(cfg)
        assert ctx.devices["receipt_printer"] == "file:/tmp/x.bin"   # this workstation's URLs, one source
        hub = make_hub(ctx)
        docs = DocumentService(ctx, preview=False)
        worker = ctx.tasks.device_worker
        assert hub.worker is worker and docs.device_worker() is worker and ctx.hub is hub
        seen: list[tuple[bool, threading.Thread]] = []
        ctx.tasks.device(lambda: (on_device_thread(), threading.current_thread()), seen.append)
        qtbot.waitUntil(lambda: bool(seen), timeout=5000)
        assert seen == [(True, worker.thread)]
    finally:
        close_context(ctx)
    assert worker.closed and not worker.thread.is_alive() and ctx.tasks.closed
