"""待重打小票: a ticket that met a paper-out printer is listed with its reason, stays kept while
the printer is still empty, prints once paper is loaded, can go to another printer, or be dropped."""
from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QMessageBox

from devices.errors import DeviceError
from devices.escpos_decode import decode
from devices.escpos_emulator import EmulatorServer
from devices.escpos_printer import PrintSpool, print_job
from printing.ticket import TicketSlip, render_ticket
from ui.spool_dialog import SpoolDialog, spool_folders

SLIP = TicketSlip("象山县行政服务中心", "Z007", "综合受理区", dt.datetime(2026, 12, 2, 9, 15), people_ahead=2)


@pytest.fixture
def emulator():
    with EmulatorServer() as emu:
        yield emu


@pytest.fixture
def kept(emulator, ui_ctx, device_thread):
    """One ticket refused for paper-out, kept in the kiosk's spool folder of the data dir."""
    emulator.printer.run_out_of_paper()
    spool = PrintSpool(spool_folders(ui_ctx)[1])
    with pytest.raises(DeviceError):
        print_job(emulator.url, render_ticket(SLIP, 80), spool, title="取号 Z007")
    emulator.wait_connections(1)
    return spool


def click(qtbot, dialog, key, wait_tasks):
    qtbot.mouseClick(dialog.buttons[key], Qt.MouseButton.LeftButton)
    wait_tasks(dialog.ctx)


def cell(dialog, row, col):
    return dialog.table.item(row, col).text()


def test_kept_ticket_is_listed_and_reprinted_after_paper_is_loaded(qtbot, ui_ctx, wait_tasks, emulator, kept):
    d = SpoolDialog(ui_ctx)
    qtbot.addWidget(d)
    assert d.table.rowCount() == 1
    assert (cell(d, 0, 1), cell(d, 0, 2), cell(d, 0, 3)) == ("取号 Z007", emulator.url, "1")
    assert cell(d, 0, 4).startswith("打印机缺纸")

    click(qtbot, d, "reprint", wait_tasks)  # still no paper
    assert d.message.text().startswith("取号 Z007 仍未打印：打印机缺纸")
    assert cell(d, 0, 3) == "2" and len(kept.pending()) == 1

    emulator.printer.load_paper()
    click(qtbot, d, "reprint", wait_tasks)
    assert d.message.text() == "已重打 取号 Z007"
    assert d.table.rowCount() == 0 and kept.pending() == []
    emulator.wait_connections(3)
    assert "Z007" in decode(emulator.printer.printed()).text


def test_reprint_on_another_printer_and_drop(qtbot, ui_ctx, wait_tasks, emulator, kept, monkeypatch):
    with EmulatorServer() as other:
        monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (other.url, True))
        d = SpoolDialog(ui_ctx)
        qtbot.addWidget(d)
        click(qtbot, d, "other", wait_tasks)
        assert d.message.text() == "已重打 取号 Z007"
        other.wait_connections(1)
        assert "Z007" in decode(other.printer.printed()).text

    with pytest.raises(DeviceError):
        print_job(emulator.url, b"\x1b@x\n", kept, title="回执小票")
    d.refresh()
    assert d.table.rowCount() == 1
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    click(qtbot, d, "drop", wait_tasks)
    assert kept.pending() == [] and d.message.text() == "没有待重打的小票"
    assert not d.buttons["reprint"].isEnabled()
