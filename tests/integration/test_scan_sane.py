"""SANE through the real ``scanimage`` and the SANE ``test`` backend, enabled by a project-local
``SANE_CONFIG_DIR`` (Debian ships ``#test`` commented out in /etc/sane.d/dll.conf)."""
from __future__ import annotations

import shutil

import pytest
from pypdf import PdfReader

from devices.errors import DeviceError, DeviceNotFound
from devices.scan_base import ScanSettings, open_scanner
from devices.scan_pdf import save_scan
from devices.scan_sane import SaneScanner

pytestmark = [pytest.mark.usefixtures("device_thread"), pytest.mark.skipif(shutil.which("scanimage") is None,
                                reason="scanimage missing: apt install sane-utils")]

SMALL = dict(dpi=50, area_mm=(40.0, 50.0))   # fast: about 80 x 100 px per page


@pytest.fixture
def sane_dir(tmp_path):
    conf = tmp_path / "sane.d"
    conf.mkdir()
    (conf / "dll.conf").write_text("test\n")
    return conf


def test_flatbed_scan_becomes_a_one_page_pdf(sane_dir, tmp_path):
    scanner = open_scanner("sane:test:0", config_dir=sane_dir)
    pages = scanner.scan(ScanSettings(source="flatbed", color="gray", **SMALL))
    assert len(pages) == 1
    width, height = pages[0].size
    # 40 x 50 mm at 50 dpi is 78.7 x 98.4 px; backends round either way.
    assert abs(width - 78.7) <= 1.5 and abs(height - 98.4) <= 1.5

    out = tmp_path / "one.pdf"
    assert save_scan(pages, out, color="gray", dpi=50) == 1
    page = PdfReader(out).pages[0]
    # Page size follows the DPI: the paper is 40 mm (113.4 pt) wide, give or take a pixel.
    assert float(page.mediabox.width) == pytest.approx(width * 72 / 50, abs=0.01)
    assert float(page.mediabox.width) == pytest.approx(40 / 25.4 * 72, abs=72 / 50 * 1.5)


def test_feeder_gives_every_sheet_until_the_tray_is_empty(sane_dir, tmp_path):
    """The test backend's ADF holds 10 sheets and then reports NO_DOCS, which ends the batch."""
    scanner = SaneScanner("test:0", config_dir=sane_dir)
    pages = scanner.scan(ScanSettings(source="feeder", color="color", **SMALL))
    assert len(pages) == 10 and all(p.mode == "RGB" for p in pages)

    out = tmp_path / "batch.pdf"
    assert save_scan(pages, out, color="color", dpi=50) == 10
    assert len(PdfReader(out).pages) == 10


def test_black_and_white_is_stored_as_one_bit_pages(sane_dir, tmp_path):
    scanner = SaneScanner("test:0", config_dir=sane_dir)
    pages = scanner.scan(ScanSettings(color="bw", extra=("--test-picture", "Grid"), **SMALL))
    out = tmp_path / "bw.pdf"
    save_scan(pages, out, color="bw", dpi=50)
    image = PdfReader(out).pages[0].images[0].image
    assert image.mode == "1"


@pytest.mark.parametrize("status, message", [
    ("SANE_STATUS_JAMMED", "进纸器卡纸，请取出纸张后重试"),
    ("SANE_STATUS_COVER_OPEN", "扫描仪盖板未合上，请合上后重试"),
    ("SANE_STATUS_DEVICE_BUSY", "扫描仪正忙，请稍后重试"),
    ("SANE_STATUS_NO_DOCS", "进纸器无纸，请放入材料后重试"),
])
def test_device_trouble_reaches_the_clerk_in_chinese(sane_dir, tmp_path, status, message):
    scanner = SaneScanner("test:0", config_dir=sane_dir)
    settings = ScanSettings(source="feeder", extra=("--read-return-value", status), **SMALL)
    with pytest.raises(DeviceError) as info:
        scanner.scan(settings)
    assert info.value.message == message


def test_unknown_device_is_device_not_found(sane_dir):
    with pytest.raises(DeviceNotFound) as info:
        SaneScanner("test:7", config_dir=sane_dir).scan(ScanSettings(**SMALL))
    assert "找不到扫描仪（test:7）" in info.value.message


def test_missing_scanimage_is_a_clear_message():
    with pytest.raises(DeviceNotFound) as info:
        SaneScanner("test:0", scanimage="scanimage-not-installed").scan(ScanSettings(**SMALL))
    assert "sane-utils" in info.value.message


def test_duplex_on_a_simplex_feeder_is_refused_before_scanning(sane_dir):
    scanner = SaneScanner("test:0", config_dir=sane_dir)
    with pytest.raises(DeviceError) as info:
        scanner.scan(ScanSettings(source="feeder", duplex=True, **SMALL))
    assert info.value.message == "这台扫描仪不支持双面扫描"
