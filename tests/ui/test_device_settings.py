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
from clerk.device_settings import load_device_settings
from ui.device_hub import DeviceHub
from ui.settings import DeviceSettingsDialog
from ui.voice import audio_problem as _audio_problem

LI_ID = "330225199203150021"


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
    assert "ticket_printer" not in load_device_settings(ui_ctx.db, ui_ctx.workstation)


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
        stored = load_device_settings(ui_ctx.db, ui_ctx.workstation)
        assert stored == {**values, "a4_printer": "HP_LaserJet", "scan_source": "feeder",
                          "ticket_paper_mm": "80", "receipt_paper_mm": "80"}
        assert hub.settings["idcard_port"] == port and hub.watcher is not None   # the watcher restarted
        assert statuses == ["读卡器就绪，请放卡"]
    again = DeviceSettingsDialog(ui_ctx, hub)
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.loaded, timeout=10_000)
    wait_tasks(ui_ctx)
    assert again.values() == stored


# --------------------------------------------------------------------------- per workstation
def _ctx_at(ui_ctx, workstation: str):
    from dataclasses import replace

    from ui.context import AppContext

    return AppContext(cfg=replace(ui_ctx.cfg, workstation=workstation), db=ui_ctx.db, tasks=ui_ctx.tasks,
                      window_number=ui_ctx.window_number)


def test_two_workstations_on_one_database_keep_their_own_devices(qtbot, ui_ctx, hub, wait_tasks):
    """A hall-wide database: saving at window 2 must not change window 1's printer."""
    w1, w2 = _ctx_at(ui_ctx, "W01"), _ctx_at(ui_ctx, "W02")
    for ctx, printer, paper in ((w1, "tcp://10.0.0.1:9100", "80"), (w2, "tcp://10.0.0.2:9100", "58")):
        dlg = DeviceSettingsDialog(ctx, hub)
        qtbot.addWidget(dlg)
        qtbot.waitUntil(lambda d=dlg: d.loaded, timeout=10_000)
        dlg.inputs["receipt_printer"].setText(printer)
        dlg.paper["receipt_paper_mm"].setCurrentIndex(dlg.paper["receipt_paper_mm"].findData(paper))
        saved = []
        dlg.saved.connect(saved.append)
        qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda s=saved: bool(s), timeout=10_000)
    one, two = load_device_settings(ui_ctx.db, "W01"), load_device_settings(ui_ctx.db, "W02")
    assert (one["receipt_printer"], one["receipt_paper_mm"]) == ("tcp://10.0.0.1:9100", "80")
    assert (two["receipt_printer"], two["receipt_paper_mm"]) == ("tcp://10.0.0.2:9100", "58")
    again = DeviceSettingsDialog(w1, hub)   # window 1 reopens its dialog: its own values
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.loaded, timeout=10_000)
    wait_tasks(ui_ctx)
    assert again.inputs["receipt_printer"].text() == "tcp://10.0.0.1:9100"


def test_plain_keys_of_older_versions_are_read_until_overridden(ui_ctx):
    from clerk.models import Setting
    from clerk.device_settings import device_key, paper_width, save_device_settings

    with ui_ctx.db.uow() as s:
        s.add(Setting(key="ticket_printer", value="tcp://old:9100"))
        s.add(Setting(key="idcard_port", value="COM3"))
    save_device_settings(ui_ctx.db, {"idcard_port": "COM7", "ticket_paper_mm": "58"}, "W02")
    with ui_ctx.db.uow() as s:
        assert s.get(Setting, "idcard_port").value == "COM3"   # the shared row is left alone
        assert s.get(Setting, device_key("W02", "idcard_port")).value == "COM7"
    w2, w1 = load_device_settings(ui_ctx.db, "W02"), load_device_settings(ui_ctx.db, "W01")
    assert (w2["idcard_port"], w2["ticket_printer"]) == ("COM7", "tcp://old:9100")
    assert (w1["idcard_port"], w1["ticket_printer"]) == ("COM3", "tcp://old:9100")
    assert (paper_width(w2, "ticket_printer"), paper_width(w1, "ticket_printer")) == (58, 80)


# --------------------------------------------------------------------------- paper width
def test_escpos_test_page_uses_the_chosen_paper_width(qtbot, dialog):
    with EmulatorServer() as emu:
        dialog.inputs["ticket_printer"].setText(emu.url)
        combo = dialog.paper["ticket_paper_mm"]
        combo.setCurrentIndex(combo.findData("58"))
        text = _press_test(qtbot, dialog, "ticket_printer")
        emu.wait_connections(2)
        printed = emu.printer.printed()
    assert text.startswith("正常")
    assert render_test_page(58) in printed and render_test_page(80) not in printed


def test_kiosk_reader_function_gives_the_saved_width(ui_ctx):
    from clerk.device_settings import load_paper_width, save_device_settings

    assert load_paper_width(ui_ctx.db, ui_ctx.workstation) == 80          # nothing set yet
    save_device_settings(ui_ctx.db, {"ticket_paper_mm": "58"}, ui_ctx.workstation)
    assert load_paper_width(ui_ctx.db, ui_ctx.workstation, "ticket_printer") == 58
    assert load_paper_width(ui_ctx.db, ui_ctx.workstation, "receipt_printer") == 80


# --------------------------------------------------------------------------- barcode gun
def _gun_server(payload: bytes, delay: float = 0.3):
    """A serial device server (socket://) with a gun that scans ``payload`` after ``delay``."""
    import socket
    import threading

    srv = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        try:
            conn, _ = srv.accept()
        except OSError:
            return
        with conn:
            threading.Event().wait(delay)
            if payload:
                conn.sendall(payload)
            conn.recv(1)   # hold the line until the driver closes it

    threading.Thread(target=serve, daemon=True).start()
    return srv, f"socket://127.0.0.1:{srv.getsockname()[1]}"


def test_serial_gun_test_reports_the_scanned_code(qtbot, dialog):
    srv, url = _gun_server(b"33022501W01202611230007\r\n")
    try:
        dialog.inputs["barcode_port"].setText(url)
        text = _press_test(qtbot, dialog, "barcode_port")
    finally:
        srv.close()
    assert text == "扫码正常（串口）：33022501W01202611230007"


def test_serial_gun_test_without_a_scan_says_so(qtbot, dialog, monkeypatch):
    import ui.settings

    monkeypatch.setattr(ui.settings, "GUN_WAIT", 0.5)
    srv, url = _gun_server(b"", delay=0)
    try:
        dialog.inputs["barcode_port"].setText(url)
        text = _press_test(qtbot, dialog, "barcode_port")
    finally:
        srv.close()
    assert "未收到扫码" in text


def test_serial_gun_test_on_a_missing_port(qtbot, dialog, tmp_path):
    dialog.inputs["barcode_port"].setText(str(tmp_path / "ttyNOPE"))
    assert "找不到扫码枪" in _press_test(qtbot, dialog, "barcode_port")


def test_keyboard_gun_test_shows_what_was_scanned_into_the_field(qtbot, dialog):
    assert dialog.inputs["barcode_port"].text() == ""
    qtbot.mouseClick(dialog.buttons["barcode_port"], Qt.MouseButton.LeftButton)
    field = dialog.scan_field
    assert field.isVisible() and "请扫描任意条码" in dialog.results["barcode_port"].text()
    qtbot.keyClicks(field, "6901234567892")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert dialog.results["barcode_port"].text() == "扫码正常（键盘型）：6901234567892"
    assert dialog.isVisible() and dialog.result() == 0   # Enter ended the scan, it did not press 保存


# --------------------------------------------------------------------------- voice
@pytest.fixture
def mock_voice(monkeypatch):
    """The dialog's VoiceCaller on Qt's mock engine, the chime counted instead of played."""
    import ui.voice

    chimes: list[int] = []

    class MockCaller(ui.voice.VoiceCaller):
        def __init__(self, engine=None, parent=None):
            super().__init__("mock", parent)

        def _play_chime(self):
            chimes.append(1)

    monkeypatch.setattr(ui.voice, "VoiceCaller", MockCaller)
    return chimes


needs_audio = pytest.mark.skipif(bool(_audio_problem()),
                                 reason=f"Qt Multimedia cannot load here: {_audio_problem()}")


@needs_audio
def test_voice_test_without_a_chinese_voice_plays_the_chime_and_says_so(qtbot, dialog, mock_voice):
    qtbot.mouseClick(dialog.buttons["voice"], Qt.MouseButton.LeftButton)
    assert mock_voice == [1]
    assert dialog.results["voice"].text() == "已播放提示音（语音引擎 mock 没有中文语音，改用提示音）"


@needs_audio
def test_voice_test_speaks_the_sample_call(qtbot, dialog, mock_voice, monkeypatch):
    import ui.voice

    monkeypatch.setattr(ui.voice.VoiceCaller, "_pick_chinese_voice", lambda self: None)
    qtbot.mouseClick(dialog.buttons["voice"], Qt.MouseButton.LeftButton)
    assert mock_voice == []
    assert dialog.results["voice"].text() == "正在用语音引擎 mock 播报：请 A001 号到 1 号窗口办理"


def test_voice_test_on_a_machine_without_the_sound_library_says_nothing_can_sound(qtbot, dialog,
                                                                                 monkeypatch):
    import ui.voice

    if not _audio_problem():   # this machine has libpulse: make it look like one that has not
        monkeypatch.setattr(ui.voice, "_audio_problem",
                            ["libpulse.so.0: cannot open shared object file: No such file or directory"])
    qtbot.mouseClick(dialog.buttons["voice"], Qt.MouseButton.LeftButton)
    text = dialog.results["voice"].text()
    assert text.startswith("未发声：本机缺少声音库") and "叫号屏" in text
    assert dialog.voice.silent and dialog.voice.chimes == 1
    got: list[str] = []
    dialog.voice.fallback.connect(got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=5000)   # the signal from the event loop ...
    assert dialog.results["voice"].text() == text       # ... changes nothing on the screen


def test_a_caller_that_does_not_name_its_workstation(ui_ctx):
    """``load_device_settings(db)`` (as ui/app.py still calls it): the only workstation with
    device settings in a local database; with several, the plain keys only."""
    from clerk.models import Setting
    from clerk.device_settings import save_device_settings

    with ui_ctx.db.uow() as s:
        s.add(Setting(key="idcard_port", value="COM3"))
    assert load_device_settings(ui_ctx.db)["idcard_port"] == "COM3"
    save_device_settings(ui_ctx.db, {"idcard_port": "COM7"}, "W01")
    assert load_device_settings(ui_ctx.db)["idcard_port"] == "COM7"
    save_device_settings(ui_ctx.db, {"idcard_port": "COM9"}, "W02")
    assert load_device_settings(ui_ctx.db)["idcard_port"] == "COM3"
    assert load_device_settings(ui_ctx.db, "W02")["idcard_port"] == "COM9"
