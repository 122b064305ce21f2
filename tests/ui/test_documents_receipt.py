"""The receipt slip of an accepted case, printed like the counter does: settings of this
workstation read from a real SQLite database, the slip sent to the ESC/POS emulator on loopback
TCP — and the send made on the device thread (strict check on, as in production checks)."""
from __future__ import annotations

import sys

import pytest

from clerk import cases
from clerk.config import Config
from clerk.db import Database
from clerk.migrate import upgrade
from devices.escpos_emulator import EmulatorServer
from devices.worker import DeviceWorker
from printing.casedocs import receipt_data
from printing.slip import render_receipt_slip
from tests.casefixtures import clerk_user, make_catalog, zhang
from ui.context import AppContext
from clerk.device_settings import save_device_settings
from ui.documents import DocumentService
from ui.taskman import TaskManager


@pytest.fixture
def ctx(tmp_path):
    url = f"sqlite:///{(tmp_path / 'clerk.sqlite3').as_posix()}"
    upgrade(url)
    db = Database(url)
    make_catalog(db)
    c = AppContext(cfg=Config(data_dir=tmp_path, database_url=url, workstation="W02"), db=db,
                   tasks=TaskManager(), user=clerk_user(db), window_number=2)
    yield c
    c.tasks.shutdown()
    db.dispose()


def _accepted(ctx):
    case = cases.start_case(ctx.db, ctx.user, zhang(), matter_code="M-YIBAO", workstation=ctx.workstation)
    for check in case.checks:
        cases.check_material(ctx.db, ctx.user, case.id, check.key, "presented")
    return cases.accept_case(ctx.db, ctx.user, case.id, workstation=ctx.workstation)


def _produce(qtbot, docs, case) -> str:
    said, failed = [], []
    docs.produced.connect(lambda kind, path, what: said.append(what))
    docs.failed.connect(failed.append)
    docs.produce(case, "receipt")
    qtbot.waitUntil(lambda: bool(said or failed), timeout=20_000)
    assert not failed, failed
    return said[0]


@pytest.mark.parametrize("width", [80, 58])
def test_receipt_slip_is_sent_on_the_device_thread_at_the_set_width(qtbot, ctx, width):
    with EmulatorServer("127.0.0.1") as server:
        save_device_settings(ctx.db, {"receipt_printer": server.url, "receipt_paper_mm": str(width)},
                             ctx.workstation)
        docs = DocumentService(ctx, preview=False)
        try:
            case = _accepted(ctx)
            said = _produce(qtbot, docs, case)
            server.wait_connections(1)
            printed = server.printer.printed()
        finally:
            docs.close()
    assert "回执小票已打印" in said
    hall = docs._hall_and_printer()[0]
    assert render_receipt_slip(receipt_data(case, hall), width) in printed


def test_the_given_worker_is_the_one_used(qtbot, ctx):
    """With a device thread handed in, that one prints and the context's is never started."""
    worker = DeviceWorker()
    with EmulatorServer("127.0.0.1") as server:
        save_device_settings(ctx.db, {"receipt_printer": server.url}, ctx.workstation)
        docs = DocumentService(ctx, preview=False, worker=worker)
        try:
            said = _produce(qtbot, docs, _accepted(ctx))
        finally:
            worker.shutdown()
    assert "回执小票已打印" in said and ctx.tasks._device_worker is None


def test_printer_of_another_workstation_is_not_used(qtbot, ctx):
    with EmulatorServer("127.0.0.1") as server:
        save_device_settings(ctx.db, {"receipt_printer": server.url}, "W01")   # the next window's
        docs = DocumentService(ctx, preview=False)
        try:
            said = _produce(qtbot, docs, _accepted(ctx))
        finally:
            docs.close()
        assert server.printer.printed() == b""
    assert "回执小票" not in said


@pytest.mark.parametrize("printer", [False, True])
def test_warm_up_after_sign_in_runs_on_a_worker_and_loads_what_the_receipt_needs(qtbot, ctx, monkeypatch, printer):
    """``DocumentService.warm`` (called by the main window after sign-in): the printing code and
    the font are loaded off the GUI thread by rendering a receipt (and the slip when a receipt
    printer is set), through ``ctx.tasks``; the first real receipt then works as usual."""
    import threading

    import printing.fonts
    import printing.warm

    if printer:
        save_device_settings(ctx.db, {"receipt_printer": "tcp://127.0.0.1:9"}, ctx.workstation)
    calls, real = [], printing.warm.warm

    def spy(slip: bool = False) -> float:
        calls.append((threading.current_thread() is threading.main_thread(), slip))
        return real(slip)

    monkeypatch.setattr(printing.warm, "warm", spy)
    docs = DocumentService(ctx, preview=False)
    assert docs.warm() is not None
    qtbot.waitUntil(lambda: ctx.tasks.pending == 0, timeout=20_000)
    assert calls == [(False, printer)]
    assert printing.fonts._cached is not None and "printing.receipt" in sys.modules
    if not printer:
        said = _produce(qtbot, docs, _accepted(ctx))
        assert said.startswith("已保存") and said.endswith("-receipt.pdf")
