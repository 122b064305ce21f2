"""Printing over real links: the loopback 9100 emulator (TCP), a pty serial port, pyserial's
``loop://``, a file, and CUPS through a fake ``lp`` on PATH — plus the spool that keeps every job
that did not print, and the CLI."""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devices.errors import DeviceError, DeviceNotFound
from devices.escpos_decode import decode
from devices.escpos_emulator import EmulatorServer, PtyPrinter, unused_port
from devices.escpos_printer import PrintSpool, open_printer, print_job, printer_status, read_status
from devices.escpos_preview import render_preview
from printing.slip import TEST_QR, render_test_page
from printing.ticket import TicketSlip, render_ticket

pytestmark = pytest.mark.usefixtures("device_thread")  # drivers called directly

ROOT = Path(__file__).resolve().parents[2]
SLIP = TicketSlip("象山县行政服务中心", "A023", "综合受理区", dt.datetime(2026, 11, 23, 9, 15), people_ahead=3,
                  qr_payload="https://zwfw.example.gov.cn/q/A023")


@pytest.fixture
def emulator():
    with EmulatorServer() as emu:
        yield emu


def test_ticket_printed_on_the_emulator_decodes_back(emulator, tmp_path):
    spool = PrintSpool(tmp_path / "spool")
    print_job(emulator.url, render_ticket(SLIP, 80), spool, title="取号 A023")
    emulator.wait_connections(1)
    d = decode(emulator.printer.printed())
    assert "象山县行政服务中心" in d.text and "A023" in d.text and "您前面还有 3 人等候" in d.text
    assert d.qr_payloads == ["https://zwfw.example.gov.cn/q/A023"]
    assert emulator.printer.received.startswith(b"\x10\x04\x01\x10\x04\x02\x10\x04\x04")  # status first
    assert spool.pending() == []


def test_paper_out_refuses_the_job_keeps_it_and_reprint_succeeds_after_loading(emulator, tmp_path):
    spool = PrintSpool(tmp_path / "spool")
    emulator.printer.run_out_of_paper()
    data = render_ticket(SLIP, 58)
    with pytest.raises(DeviceError) as err:
        print_job(emulator.url, data, spool)
    assert err.value.message.startswith("打印机缺纸，请装纸后点击重打")
    emulator.wait_connections(1)
    assert emulator.printer.printed() == b""
    (job,) = spool.pending()
    assert job.last_error.startswith("打印机缺纸") and job.attempts == 1 and job.url == emulator.url
    assert err.value.details["job_id"] == job.id and spool.data(job.id) == data

    emulator.printer.load_paper()
    spool.reprint(job.id)
    emulator.wait_connections(2)
    assert emulator.printer.printed() == data
    assert spool.pending() == []


def test_connection_refused_gives_a_clear_message_and_keeps_the_job(tmp_path):
    spool = PrintSpool(tmp_path / "spool")
    url = f"tcp://127.0.0.1:{unused_port()}"
    with pytest.raises(DeviceNotFound) as err:
        print_job(url, render_test_page(80), spool)
    assert err.value.message.startswith(f"打印机 {url} 无法连接（连接被拒绝）")
    assert "已保留" in err.value.message
    (job,) = spool.pending()
    assert "无法连接" in job.last_error


def test_reprint_to_another_printer(emulator, tmp_path):
    spool = PrintSpool(tmp_path / "spool")
    with pytest.raises(DeviceError):
        print_job(f"tcp://127.0.0.1:{unused_port()}", b"\x1b@hello\n", spool)
    (job,) = spool.pending()
    spool.reprint(job.id, url=emulator.url)
    emulator.wait_connections(1)
    assert emulator.printer.printed() == b"\x1b@hello\n" and spool.pending() == []


def test_status_over_tcp_reads_cover_open(emulator):
    emulator.printer.open_cover()
    status = printer_status(emulator.url)
    assert status.cover_open and not status.can_print and status.message.startswith("打印机盖未关好")


def test_file_transport_appends_bytes(tmp_path):
    target = tmp_path / "out.bin"
    url = f"file:{target}"
    print_job(url, b"one")
    print_job(url, render_ticket(SLIP, 80))
    assert target.read_bytes().startswith(b"one\x1b@")
    with pytest.raises(DeviceError) as err:
        printer_status(url)
    assert "单向" in err.value.message


def test_serial_transport_through_a_pty_with_status():
    with PtyPrinter() as pty:
        url = f"serial:{pty.port}?baudrate=115200"
        assert printer_status(url).can_print
        data = render_test_page(58)
        print_job(url, data)
        # The pty thread reads asynchronously: wait until it has taken the whole job.
        deadline = time.monotonic() + 10
        while len(pty.printer.printed()) < len(data) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert decode(pty.printer.printed()).qr_payloads == [TEST_QR]
        pty.printer.run_out_of_paper()
        with pytest.raises(DeviceError) as err:
            print_job(url, data)
        assert "缺纸" in err.value.message


def test_serial_loop_url_carries_bytes_both_ways():
    link = open_printer("serial:loop://?baudrate=9600")
    try:
        assert link.two_way
        link.write(b"\x12\x12\x7e")  # a loop echoes: the "replies" are what we sent
        assert link.read(3, 1.0) == b"\x12\x12\x7e"
    finally:
        link.close()


def test_serial_missing_port_is_a_clear_error():
    with pytest.raises(DeviceNotFound) as err:
        open_printer("serial:/dev/ttyDOESNOTEXIST?baudrate=9600")
    assert "串口" in err.value.message


def test_read_status_rejects_a_reply_that_is_not_a_status_byte():
    link = open_printer("serial:loop://")
    try:
        with pytest.raises(DeviceError) as err:
            read_status(link)  # the loop echoes 0x10 for DLE: not of the form 0xx1xx10
        assert "状态无法识别" in err.value.message
    finally:
        link.close()


def _fake_lp(tmp_path: Path, exit_code: int = 0) -> dict[str, str]:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    lp = bindir / "lp"
    lp.write_text(f"#!/bin/sh\necho \"$@\" > {tmp_path}/lp_args\ncat > {tmp_path}/lp_data\n"
                  + ("echo 'lp: The printer or class does not exist.' >&2\n" if exit_code else "")
                  + f"exit {exit_code}\n", encoding="utf-8")
    lp.chmod(0o755)
    return {"PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}


def test_cups_transport_runs_lp_raw_with_the_bytes(tmp_path, monkeypatch):
    for key, value in _fake_lp(tmp_path).items():
        monkeypatch.setenv(key, value)
    data = render_ticket(SLIP, 80)
    print_job("cups:TICKET_80", data)
    assert (tmp_path / "lp_args").read_text().split() == ["-d", "TICKET_80", "-o", "raw"]
    assert (tmp_path / "lp_data").read_bytes() == data


def test_cups_refusal_keeps_the_job(tmp_path, monkeypatch):
    for key, value in _fake_lp(tmp_path, exit_code=1).items():
        monkeypatch.setenv(key, value)
    spool = PrintSpool(tmp_path / "spool")
    with pytest.raises(DeviceError) as err:
        print_job("cups:NOPE", b"\x1b@x\n", spool)
    assert "CUPS 队列 NOPE 拒绝打印任务" in err.value.message and "does not exist" in err.value.message
    assert len(spool.pending()) == 1


def test_usb_without_pyusb_or_device_is_a_clear_chinese_error():
    with pytest.raises(DeviceError) as err:
        open_printer("usb:0416:5011")
    assert any(w in err.value.message for w in ("pyusb", "libusb", "未找到 USB 打印机"))


@pytest.mark.parametrize("url", ["http://x", "tcp://host:notaport", "usb:zz", "cups:", "printer"])
def test_bad_urls_are_explained(url):
    with pytest.raises(DeviceError) as err:
        open_printer(url)
    assert err.value.message.startswith("打印机地址无法识别")


def _cli(*args: str, main: str = "devices.printer_cli") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", main, *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)


def test_clerk_devices_print_test_against_the_emulator(emulator):
    proc = _cli("devices", "print-test", "--printer", emulator.url, "--width", "58", main="clerk.cli")
    assert proc.returncode == 0, proc.stderr
    emulator.wait_connections(1)
    d = decode(emulator.printer.printed())
    assert TEST_QR in d.qr_payloads and "中文测试" in d.text


def test_cli_print_test_failures_exit_1_with_chinese_message(emulator, tmp_path):
    url = f"tcp://127.0.0.1:{unused_port()}"
    proc = _cli("print-test", "--printer", url, "--spool", str(tmp_path / "spool"))
    assert proc.returncode == 1 and f"打印机 {url} 无法连接" in proc.stderr
    assert len(list((tmp_path / "spool").glob("*.bin"))) == 1
    emulator.printer.run_out_of_paper()
    proc = _cli("print-test", "--printer", emulator.url)
    assert proc.returncode == 1 and "缺纸" in proc.stderr


def test_cli_print_ticket_and_status_json(emulator):
    proc = _cli("print-ticket", "--printer", emulator.url, "--number", "A023", "--zone", "综合", "--ahead", "3")
    assert proc.returncode == 0, proc.stderr
    emulator.wait_connections(1)
    assert "您前面还有 3 人等候" in decode(emulator.printer.printed()).text
    emulator.printer.paper_near_end()
    proc = _cli("printer-status", "--printer", emulator.url, "--json")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["paper"] == "near_end"


def test_emulate_printer_command_saves_jobs(tmp_path):
    port = unused_port()
    server = subprocess.Popen([sys.executable, "-m", "devices.printer_cli", "emulate-printer", "--listen",
                               f"127.0.0.1:{port}", "--out", str(tmp_path / "jobs")], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert "模拟打印机已启动" in server.stdout.readline()
        print_job(f"tcp://127.0.0.1:{port}", render_ticket(SLIP, 80))
        jobs = tmp_path / "jobs"
        deadline = time.monotonic() + 10
        while not list(jobs.glob("job-*.bin")) and time.monotonic() < deadline:
            time.sleep(0.02)
        (job,) = jobs.glob("job-*.bin")
        assert "A023" in decode(job.read_bytes()).text
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_preview_of_a_received_ticket_is_a_paper_sized_image(emulator):
    print_job(emulator.url, render_ticket(SLIP, 58))
    emulator.wait_connections(1)
    img = render_preview(emulator.printer.printed(), 58)
    assert img.width == 384 + 48 and img.height > 600
    assert img.getextrema() == (0, 255)  # something was drawn in black on white


def test_cli_lists_the_spool_and_reprints_a_kept_ticket_after_paper_is_loaded(emulator, tmp_path):
    spool = tmp_path / "spool"
    emulator.printer.run_out_of_paper()
    proc = _cli("print-ticket", "--printer", emulator.url, "--number", "A023", "--zone", "综合",
                "--spool", str(spool))
    assert proc.returncode == 1 and "缺纸" in proc.stderr
    listed = json.loads(_cli("spool", "--spool", str(spool), "--json").stdout)
    assert [(j["title"], j["attempts"]) for j in listed] == [("取号凭条 A023", 1)]
    assert "缺纸" in listed[0]["last_error"]
    proc = _cli("reprint", listed[0]["id"], "--spool", str(spool))  # still out of paper: kept
    assert proc.returncode == 1 and "缺纸" in proc.stderr
    assert json.loads(_cli("spool", "--spool", str(spool), "--json").stdout)[0]["attempts"] == 2
    emulator.printer.load_paper()
    proc = _cli("reprint", "--all", "--spool", str(spool))
    assert proc.returncode == 0, proc.stderr
    assert "已重打 取号凭条 A023" in proc.stdout
    emulator.wait_connections(3)  # refused, refused again, printed
    assert "A023" in decode(emulator.printer.printed()).text
    assert _cli("spool", "--spool", str(spool)).stdout.strip() == "没有待重打的打印任务"


def test_cli_reprint_without_a_job_or_with_an_unknown_one_is_explained(tmp_path):
    proc = _cli("reprint", "--spool", str(tmp_path))
    assert proc.returncode != 0 and "请指定要重打的任务编号" in proc.stderr
    proc = _cli("reprint", "nope", "--spool", str(tmp_path))
    assert proc.returncode != 0 and "打印任务 nope 不存在" in proc.stderr
