"""Scanning and attaching from the intake checklist, against the loopback eSCL scanner, a real
SQLite database and the real content-addressed file store; the PDFs are read back with pypdf."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from pypdf import PdfReader

from clerk.attachments import list_attachments, read_attachment
from devices.scan_escl_server import EsclServer, ServerConfig
from tests.casefixtures import ZHANG
from ui.device_hub import DeviceHub


def idle(qtbot, ctx):
    qtbot.waitUntil(lambda: ctx.tasks.pending == 0, timeout=10_000)


def _zhang_card():
    from devices.idcard import CardData

    return CardData(name="张三", sex="男", birth_date=dt.date(1990, 1, 1), id_number=ZHANG,
                    valid_from=dt.date(2020, 1, 1), valid_to=dt.date(2040, 1, 1), nation="汉",
                    address="浙江省象山县丹东街道天安路 1 号", authority="象山县公安局")


@pytest.fixture
def yibao(qtbot, window, intake_ctx):
    """The 医保 case on screen with 户口簿 selected in the checklist."""
    window.card_read(_zhang_card())
    intake = window.intake
    intake.picker.query.setText("城乡居民医保")
    qtbot.waitUntil(lambda: intake.picker.results.count() > 0, timeout=5000)
    qtbot.keyClick(intake.picker.query, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: intake.case is not None, timeout=5000)
    idle(qtbot, intake_ctx)
    table = intake.checklist
    row = next(r for r in range(table.rowCount()) if table.item(r, 0).data(Qt.ItemDataRole.UserRole) == "hukou")
    table.setCurrentCell(row, 0)
    return intake


def _use_scanner(window, url: str, source: str = "feeder") -> DeviceHub:
    hub = DeviceHub({"scanner": url, "scan_source": source})
    window.intake.scan_bar.hub = hub
    return hub


def _wait_status(qtbot, intake, *words: str) -> str:
    qtbot.waitUntil(lambda: any(w in intake.status.text() for w in words), timeout=20_000)
    return intake.status.text()


def test_feeder_scan_attaches_one_pdf_with_every_page(qtbot, window, yibao, intake_ctx):
    with EsclServer(ServerConfig(pages=3)) as server:
        hub = _use_scanner(window, f"escl:{server.base_url}")
        try:
            qtbot.keyClick(yibao, Qt.Key.Key_F11)
            text = _wait_status(qtbot, yibao, "已附加", "失败")
        finally:
            hub.stop()
    idle(qtbot, intake_ctx)
    assert text == "已附加“户口簿.pdf”，共 3 页"
    [att] = list_attachments(intake_ctx.db, yibao.case.id)
    assert (att.material_key, att.pages, att.mime) == ("hukou", 3, "application/pdf")
    data = read_attachment(intake_ctx.db, intake_ctx.cfg.files_dir, att.id)
    assert len(PdfReader(io.BytesIO(data)).pages) == 3
    assert list((intake_ctx.cfg.data_dir / "scans").glob("*.pdf")) == []   # kept only until attached
    row = yibao.checklist.currentRow()
    assert yibao.checklist.item(row, 0).data(Qt.ItemDataRole.UserRole) == "hukou"
    assert "已附扫描件 1 份" in yibao.checklist.item(row, 3).text()


def test_jam_is_reported_and_nothing_half_attached(qtbot, window, yibao, intake_ctx):
    with EsclServer(ServerConfig(pages=3, jam_after=1)) as server:
        hub = _use_scanner(window, f"escl:{server.base_url}")
        try:
            qtbot.mouseClick(yibao.scan_bar.scan_button, Qt.MouseButton.LeftButton)
            text = _wait_status(qtbot, yibao, "已附加", "失败")
        finally:
            hub.stop()
    assert text == "扫描失败：进纸器卡纸，请取出纸张后重试"
    assert list_attachments(intake_ctx.db, yibao.case.id) == []
    assert yibao.scan_bar.scan_button.isEnabled()   # the clerk can clear the jam and scan again


def test_empty_feeder_says_so(qtbot, window, yibao, intake_ctx):
    with EsclServer(ServerConfig(pages=0)) as server:
        hub = _use_scanner(window, f"escl:{server.base_url}")
        try:
            yibao.scan_bar.scan()
            text = _wait_status(qtbot, yibao, "已附加", "失败")
        finally:
            hub.stop()
    assert "进纸器无纸" in text


def test_no_scanner_configured_points_to_settings(qtbot, window, yibao):
    yibao.scan_bar.scan()
    assert "未配置扫描仪" in yibao.status.text() and "设置 → 设备" in yibao.status.text()


def test_nothing_selected_asks_for_a_material(qtbot, window, yibao):
    yibao.checklist.setCurrentCell(-1, -1)
    yibao.scan_bar.attach_file()
    assert "选中要附加的材料" in yibao.status.text()


def test_failed_attach_keeps_the_scanned_pdf(qtbot, window, yibao, intake_ctx):
    intake_ctx.cfg.files_dir.write_text("not a folder")   # the file store cannot be written
    with EsclServer(ServerConfig(pages=2)) as server:
        hub = _use_scanner(window, f"escl:{server.base_url}")
        try:
            yibao.scan_bar.scan()
            text = _wait_status(qtbot, yibao, "已附加", "失败")
        finally:
            hub.stop()
    [kept] = list((intake_ctx.cfg.data_dir / "scans").glob("*.pdf"))
    assert text.startswith("附加失败：扫描件无法保存") and str(kept) in text
    assert len(PdfReader(kept).pages) == 2
    assert list_attachments(intake_ctx.db, yibao.case.id) == []


def test_attach_image_from_file(qtbot, window, yibao, intake_ctx, tmp_path, monkeypatch):
    picture = tmp_path / "户口簿首页.png"
    Image.new("RGB", (40, 30), "white").save(picture)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(picture), "")))
    qtbot.mouseClick(yibao.scan_bar.file_button, Qt.MouseButton.LeftButton)
    text = _wait_status(qtbot, yibao, "已附加", "失败")
    idle(qtbot, intake_ctx)
    assert text == "已附加“户口簿首页.png”，共 1 页"
    [att] = list_attachments(intake_ctx.db, yibao.case.id)
    assert (att.material_key, att.mime) == ("hukou", "image/png")
    row = yibao.checklist.currentRow()
    assert "已附扫描件 1 份" in yibao.checklist.item(row, 3).text()


def test_file_that_is_not_a_document_is_refused(qtbot, window, yibao, intake_ctx, tmp_path, monkeypatch):
    notes = tmp_path / "说明.txt"
    notes.write_text("这不是扫描件", encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(notes), "")))
    yibao.scan_bar.attach_file()
    text = _wait_status(qtbot, yibao, "已附加", "失败")
    assert text == "附加失败：只能附加 PDF、JPEG 或 PNG 文件"
    assert list_attachments(intake_ctx.db, yibao.case.id) == []
    assert yibao.scan_bar.file_button.isEnabled()
