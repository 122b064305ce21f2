"""C7: 已发送 only once the printer has read the job (a DLE EOT status round trip after it); a
printer that accepts the connection and never reads keeps the job in the spool with the reason;
one damaged spool record is skipped and reported, never stopping the others; `queue take
--printer` that issued but did not print has its own exit code and JSON field. Real loopback
sockets: the ESC/POS emulator and a server that accepts and never reads."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from devices.escpos_decode import decode
from devices.escpos_emulator import EmulatorServer
from devices.escpos_printer import NotConfirmed, PrintSpool, print_job
from printing.slip import render_test_page

pytestmark = pytest.mark.usefixtures("device_thread")  # drivers called directly

ROOT = Path(__file__).resolve().parents[2]


class NeverReads:
    """Accepts connections and never reads a byte (a hung or wedged network printer)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.conns: list[socket.socket] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.sock.getsockname()[1]}"

    def _accept(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.conns.append(conn)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        for c in self.conns:
            c.close()
        self.sock.close()


@pytest.fixture
def never_reads():
    srv = NeverReads()
    yield srv
    srv.close()


def _cli(*args: str, main: str = "devices.printer_cli", data_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", main, *(["--data-dir", str(data_dir)] if data_dir else []), *args]
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_a_printer_that_never_reads_keeps_the_job_with_the_reason(never_reads, tmp_path):
    spool = PrintSpool(tmp_path / "spool")
    with pytest.raises(NotConfirmed) as caught:
        print_job(never_reads.url, render_test_page(80), spool, title="测试页")
    assert "未确认收到打印任务" in caught.value.message and "任务已保留" in caught.value.message
    [job] = spool.pending()
    assert "未确认收到打印任务" in job.last_error and job.attempts == 1
    proc = _cli("print-test", "--printer", never_reads.url, "--spool", str(tmp_path / "spool2"))
    assert proc.returncode == 1 and "未确认收到打印任务" in proc.stderr and "已发送" not in proc.stdout
    assert len(list((tmp_path / "spool2").glob("*.bin"))) == 1


def test_the_emulator_confirms_and_the_job_leaves_the_spool(tmp_path):
    spool = PrintSpool(tmp_path / "spool")
    with EmulatorServer() as emu:
        print_job(emu.url, render_test_page(58), spool, title="测试页")
        emu.wait_connections(1)
        assert "中文测试" in decode(emu.printer.printed()).text
    assert spool.pending() == [] and list((tmp_path / "spool").iterdir()) == []


def test_confirm_0_is_the_explicit_opt_out_for_a_printer_without_status(never_reads):
    print_job(never_reads.url + "?confirm=0", b"\x1b@hello\n")  # no error: the hall chose not to confirm


def test_one_damaged_spool_record_is_skipped_and_reported(tmp_path):
    spool_dir = tmp_path / "spool"
    spool = PrintSpool(spool_dir)
    with EmulatorServer() as emu:
        emu.printer.run_out_of_paper()
        for n in ("A001", "A002", "A003"):
            with pytest.raises(Exception):
                print_job(emu.url, f"\x1b@{n}\n".encode(), spool, title=f"取号 {n}")
        jobs = sorted(spool.pending(), key=lambda j: j.title)
        (spool_dir / f"{jobs[0].id}.json").write_text("{torn", encoding="utf-8")
        (spool_dir / f"{jobs[1].id}.bin").unlink()
        proc = _cli("spool", "--spool", str(spool_dir), "--json")
        assert proc.returncode == 0
        rows = json.loads(proc.stdout)
        assert [r.get("title") for r in rows if "damaged" not in r] == ["取号 A003"]
        assert sorted(r["id"] for r in rows if "damaged" in r) == sorted([jobs[0].id, jobs[1].id])
        assert proc.stderr.count("已跳过损坏的打印任务") == 2
        emu.printer.load_paper()
        proc = _cli("reprint", "--all", "--spool", str(spool_dir))
        assert proc.returncode == 0, proc.stderr
        assert "已重打 取号 A003" in proc.stdout and proc.stderr.count("已跳过损坏的打印任务") == 2
        emu.wait_connections(4)
        assert "A003" in decode(emu.printer.printed()).text


def test_queue_take_issued_but_not_printed_has_its_own_exit_code(never_reads, tmp_path):
    proc = _cli("queue", "take", "--zone", "SS", "--printer", never_reads.url, "--json", main="clerk.cli",
                data_dir=tmp_path)
    assert proc.returncode == 4, proc.stderr
    out = json.loads(proc.stdout)
    assert out["display"] == "A001" and out["printed"] is False
    assert "未确认收到打印任务" in out["print_error"] and out["print_job"]
    assert "A001 已发出" in proc.stderr
    assert (tmp_path / "spool" / f"{out['print_job']}.bin").exists()
