"""`clerk queue take --printer URL` prints the ticket on a loopback ESC/POS printer; with the
paper out the ticket is still issued, the number is on stdout and the error says so."""
from __future__ import annotations

import json
import subprocess
import sys

from devices.escpos_decode import decode
from devices.escpos_emulator import EmulatorServer


def _take(tmp_path, printer_url):
    return subprocess.run([sys.executable, "-m", "clerk.cli", "--data-dir", str(tmp_path), "queue", "take",
                           "--zone", "SS", "--printer", printer_url, "--json"],
                          capture_output=True, text=True, timeout=120)


def test_ticket_is_printed_with_number_and_people_ahead(tmp_path):
    with EmulatorServer("127.0.0.1") as server:
        proc = _take(tmp_path, server.url)
        assert proc.returncode == 0, proc.stderr
        ticket = json.loads(proc.stdout)
        assert ticket["display"] == "A001" and ticket["printed"] is True and ticket["print_error"] is None
        server.wait_connections(1)
        printed = decode(server.printer.printed())
    text = printed.text
    assert "A001" in text and "象山县行政服务中心" in text and "商事登记" in text
    # the same QR and footer as the kiosk's: hall, day, number; the hall's real 过号 grace
    assert printed.qr_payloads == [f"33022501-{ticket['service_date'].replace('-', '')}-A001"]
    assert "过号 30 分钟内请到服务台重新排队" in text


def test_paper_out_keeps_the_ticket_and_says_so(tmp_path):
    with EmulatorServer("127.0.0.1") as server:
        server.printer.run_out_of_paper()
        proc = _take(tmp_path, server.url)
    assert proc.returncode == 4  # issued but not printed: a kiosk script must not take another
    out = json.loads(proc.stdout)
    assert out["display"] == "A001" and out["printed"] is False and "缺纸" in out["print_error"]
    assert "缺纸" in proc.stderr and "A001 已发出" in proc.stderr
    assert list((tmp_path / "spool").glob("*.bin"))  # kept for 重打
