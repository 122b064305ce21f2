"""eSCL over real HTTP on loopback: ``EsclScanner`` against ``EsclServer``, and the
``clerk devices scan`` handler writing a PDF that pypdf and PDFium read back."""
from __future__ import annotations

import argparse

import pytest
from pypdf import PdfReader

from clerk.errors import ClerkError
from devices.errors import DeviceError, DeviceNotFound
from devices.scan_base import ScanSettings, open_scanner
from devices.scan_cli import add_commands
from devices.scan_escl import EsclScanner
from devices.scan_escl_server import EsclServer, ServerConfig, count_bars
from devices.scan_pdf import save_scan
from tests.pdftools import pdf_to_pngs

pytestmark = pytest.mark.usefixtures("device_thread")  # drivers called directly

FEEDER = ScanSettings(source="feeder", dpi=75, color="gray", area_mm=(50.0, 60.0))


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    """The scan sub-commands as ``clerk`` runs them: handler result, or exit 1 on a ClerkError."""
    parser = argparse.ArgumentParser()
    add_commands(parser.add_subparsers())
    args = parser.parse_args(argv)
    try:
        code = args.handler(args)
    except ClerkError as exc:
        print(f"错误：{exc.one_line()}")
        code = 1
    out = capsys.readouterr()
    return code, out.out, out.err


def test_three_sheet_feeder_job_becomes_a_three_page_pdf_in_order(tmp_path):
    config = ServerConfig(pages=3)
    with EsclServer(config) as server:
        pages = open_scanner(f"escl:{server.base_url}").scan(FEEDER)
    assert [count_bars(p) for p in pages] == [1, 2, 3]
    assert {p.size for p in pages} == {(148, 177)}     # 50 x 60 mm at 75 dpi
    # The job was deleted so the scanner is free for the next window.
    assert config.log[-1].startswith("DELETE /eSCL/ScanJobs/")

    out = tmp_path / "three.pdf"
    assert save_scan(pages, out, color="gray", dpi=75) == 3
    reader = PdfReader(out)
    assert len(reader.pages) == 3
    assert {round(float(p.mediabox.width)) for p in reader.pages} == {round(148 * 72 / 75)}
    # Rendered back from the PDF, the pages still carry 1, 2, 3 bars: order survived.
    pngs = pdf_to_pngs(out.read_bytes(), tmp_path / "png", dpi=75)
    from PIL import Image
    assert [count_bars(Image.open(p)) for p in pngs] == [1, 2, 3]


def test_busy_scanner_is_waited_for(tmp_path):
    config = ServerConfig(pages=2, busy_replies=2)
    with EsclServer(config) as server:
        pages = EsclScanner(server.base_url, busy_pause=0.01).scan(FEEDER)
    assert [count_bars(p) for p in pages] == [1, 2]
    assert sum("NextDocument" in line for line in config.log) == 2 * 3 + 1   # 503, 503, 200 ×2, 404


def test_scanner_that_stays_busy_gives_up_with_a_message():
    with EsclServer(ServerConfig(pages=1, busy_replies=50)) as server:
        scanner = EsclScanner(server.base_url, busy_pause=0.001, busy_retries=3)
        with pytest.raises(DeviceError) as info:
            scanner.scan(FEEDER)
    assert info.value.message == "扫描仪一直处于忙碌状态，请稍后重试"


def test_server_dying_mid_job_is_an_error_and_writes_no_file(tmp_path, capsys):
    out = tmp_path / "scan.pdf"
    with EsclServer(ServerConfig(pages=3, die_after=1)) as server:
        code, stdout, _ = run_cli(["scan", "--scanner", f"escl:{server.base_url}", "--out", str(out),
                                   "--source", "feeder", "--dpi", "75", "--area", "50x60"], capsys)
    assert code == 1
    assert "扫描中途与扫描仪的连接中断，本次扫描未保存，请重新扫描" in stdout
    assert list(tmp_path.iterdir()) == []      # no half PDF, no temp file


def test_jam_reported_by_scanner_status_is_named():
    with EsclServer(ServerConfig(pages=3, jam_after=1)) as server:
        with pytest.raises(DeviceError) as info:
            EsclScanner(server.base_url).scan(FEEDER)
    assert info.value.message == "进纸器卡纸，请取出纸张后重试"


def test_empty_feeder_is_named():
    with EsclServer(ServerConfig(pages=0)) as server:
        with pytest.raises(DeviceError) as info:
            EsclScanner(server.base_url).scan(FEEDER)
    assert info.value.message == "进纸器无纸，请放入材料后重试"


def test_nobody_listening_is_device_not_found():
    with EsclServer() as server:
        url = server.base_url
    with pytest.raises(DeviceNotFound) as info:
        EsclScanner(url, timeout=2).scan(FEEDER)
    assert "连接不上网络扫描仪" in info.value.message


def test_capabilities_are_parsed():
    with EsclServer() as server:
        caps = EsclScanner(server.base_url).capabilities()
    assert caps.make_and_model == "Clerk Loopback eSCL"
    assert set(caps.inputs) == {"Platen", "Feeder"}
    assert caps.inputs["Feeder"].resolutions == (75, 100, 150, 200, 300)
    assert "BlackAndWhite1" in caps.inputs["Platen"].color_modes


def test_cli_scan_writes_a_pdf_and_prints_the_page_count(tmp_path, capsys):
    out = tmp_path / "sub" / "case.pdf"
    with EsclServer(ServerConfig(pages=4)) as server:
        code, stdout, _ = run_cli(["scan", "--scanner", f"escl:{server.base_url}", "--out", str(out),
                                   "--source", "feeder", "--dpi", "75", "--color", "bw",
                                   "--area", "50x60", "--json"], capsys)
    assert code == 0
    assert '"pages": 4' in stdout
    reader = PdfReader(out)
    assert len(reader.pages) == 4
    assert reader.pages[0].images[0].image.mode == "1"


def test_cli_refuses_bad_settings_in_chinese(tmp_path, capsys):
    code, stdout, _ = run_cli(["scan", "--scanner", "escl:http://127.0.0.1:9/eSCL",
                               "--out", str(tmp_path / "x.pdf"), "--dpi", "5"], capsys)
    assert code == 1 and "分辨率 5 dpi 超出范围" in stdout
