"""设置 → 设备 driven like a clerk does: URLs typed, 测试 pressed, against the ID-card reader
emulator on a loopback socket, the ESC/POS printer emulator on TCP, the eSCL scanner server and
real ``lp``; settings saved to and read back from a real SQLite database."""
from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt

from devices.escpos_emulator import EmulatorServer
from devices.idcard import CardData
from devices.idcard_emulator import ReaderEmulator
from devices.scan_escl_server import EsclServer, ServerConfig
from printing.slip import render_test_page
from ui.device_hub import DeviceHub, load_device_settings
from ui.settings import DeviceSettingsDialog

LI_ID = "330225199203150021"


@pytest.fixture(autouse=True)
def strict_device_thread(monkeypatch):
    """Drivers refuse to run anywhere but the device thread, as in production checks."""
    monkeypatch.setenv("CLERK_STRICT_DEVICE_THREAD", "1")


@pytest.fixture
def hub():
    h = DeviceHub({})
    yield h
    h.stop()


@pytest.fixture
def dialog(qtbot, ui_ctx, hub, wait_tasks):
    dlg = DeviceSettingsDialog(ui_ctx, hub)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitUntil(lambda: dlg.loaded, timeout=10_000)
    wait_tasks(ui_ctx)
    return dlg


def _card() -> CardData:
    return CardData(name="李四", sex="女", birth_date=dt.date(1992, 3, 15), id_number=LI_ID,
                    valid_from=dt.date(2020, 1, 1), valid_to=dt.date(2040, 1, 1), nation="汉",
                    address="浙江省象山县丹东街道天安路 2 号", authority="象山县公安局")


def _press_test(qtbot, dlg, key: str) -> str:
    qtbot.mouseClick(dlg.buttons[key], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.buttons[key].isEnabled(), timeout=20_000)
    return dlg.results[key].text()


def test_reader_test_shows_name_and_masked_id(qtbot, dialog):
    with ReaderEmulator(_card()) as emu:
        dialog.inputs["idcard_port"].setText(emu.start_tcp())
        text = _press_test(qtbot, dialog, "idcard_port")
    assert "读卡正常" in text and "李四" in text
    assert "3302**********0021" in text and LI_ID not in text


def test_reader_without_card_asks_to_place_one(qtbot, dialog):
    with ReaderEmulator(None) as emu:
        dialog.inputs["idcard_port"].setText(emu.start_tcp())
        text = _press_test(qtbot, dialog, "idcard_port")
    assert "请放卡" in text


def test_escpos_test_prints_the_test_page(qtbot, dialog):
    with EmulatorServer() as emu:
        dialog.inputs["receipt_printer"].setText(emu.url)
        text = _press_test(qtbot, dialog, "receipt_printer")
        emu.wait_connections(2)   # the page, then the status check
        printed = emu.printer.printed()
    assert text.startswith("正常") and "纸张正常" in text
    assert render_test_page(80) in printed


def test_escpos_paper_out_is_named_in_chinese(qtbot, dialog):
    with EmulatorServer() as emu:
        emu.printer.run_out_of_paper()
        dialog.inputs["ticket_printer"].setText(emu.url)
        text = _press_test(qtbot, dialog, "ticket_printer")
        printed = emu.printer.printed()
    assert "打印机缺纸" in text
    assert printed == b""   # nothing was sent after the status said no paper


def test_scanner_test_reports_pages_and_size(qtbot, dialog):
    with EsclServer(ServerConfig(pages=2)) as server:
        dialog.inputs["scanner"].setText(f"escl:{server.base_url}")
        text = _press_test(qtbot, dialog, "scanner")
    assert text.startswith("扫描正常：1 页") and "210×297 毫米" in text   # the platen gives one A4 page


def test_a4_test_to_a_missing_queue_keeps_the_pdf(qtbot, dialog, tmp_path, monkeypatch):
    monkeypatch.setenv("CLERK_PRINT_FALLBACK_DIR", str(tmp_path / "unprinted"))
    dialog.a4_combo.setEditText("no_such_queue_for_test")
    text = _press_test(qtbot, dialog, "a4_printer")
    kept = list((tmp_path / "unprinted").glob("*.pdf"))
    assert "文件已保存到" in text and len(kept) == 1
    assert kept[0].read_bytes().startswith(b"%PDF-")


def test_bad_url_is_refused_before_test_and_save(qtbot, dialog, ui_ctx, wait_tasks):
    dialog.inputs["ticket_printer"].setText("192.168.1.60")
    text = _press_test(qtbot, dialog, "ticket_printer")
    assert "取号打印机地址无效" in text
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_tasks(ui_ctx)
    assert "取号打印机地址无效" in dialog.message.text() and dialog.isVisible()
    assert dialog.inputs["ticket_printer"].text() == "192.168.1.60"   # the input stays for correction
    assert "ticket_printer" not in load_device_settings(ui_ctx.db)


def test_save_round_trips_and_reconfigures_the_hub(qtbot, dialog, ui_ctx, hub, wait_tasks):
    with EmulatorServer() as printer, ReaderEmulator(None) as emu:
        port = emu.start_tcp()
        values = {"idcard_port": port, "ticket_printer": printer.url,
                  "receipt_printer": "serial:/dev/ttyUSB1?baudrate=9600", "scanner": "folder:/srv/scans",
                  "barcode_port": ""}
        for key, value in values.items():
            dialog.inputs[key].setText(value)
        dialog.a4_combo.setEditText("HP_LaserJet")
        dialog.source.setCurrentIndex(dialog.source.findData("feeder"))
        saved = []
        dialog.saved.connect(saved.append)
        statuses = []
        hub.reader_status.connect(statuses.append)
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bool(saved), timeout=10_000)
        assert dialog.result() == DeviceSettingsDialog.DialogCode.Accepted
        stored = load_device_settings(ui_ctx.db)
        assert stored == {**values, "a4_printer": "HP_LaserJet", "scan_source": "feeder"}
        assert hub.settings["idcard_port"] == port and hub.watcher is not None   # the watcher restarted
        assert statuses == ["读卡器就绪，请放卡"]
    again = DeviceSettingsDialog(ui_ctx, hub)
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.loaded, timeout=10_000)
    wait_tasks(ui_ctx)
    assert again.values() == stored
