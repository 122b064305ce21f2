"""Queue ticket: render one ticket and send it to the loopback ESC/POS emulator (connect, DLE EOT
status, write, close) — the path a kiosk takes per visitor. Goal: p95 ≤ 30 ms."""
from __future__ import annotations

import datetime as dt
import statistics
import sys
import time
from pathlib import Path

# ``python bench/bench_ticket.py`` puts bench/ first on sys.path; the project root must win.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from devices.escpos_emulator import EmulatorServer  # noqa: E402
from devices.escpos_printer import print_job  # noqa: E402
from printing.ticket import TicketSlip, render_ticket  # noqa: E402

RUNS = 200


def main() -> None:
    render_ms: list[float] = []
    total_ms: list[float] = []
    with EmulatorServer() as emu:
        for i in range(RUNS):
            slip = TicketSlip("象山县行政服务中心", f"A{i:03d}", "综合受理区", dt.datetime.now(), people_ahead=i % 17,
                              lane_label="普通", qr_payload=f"https://zwfw.example.gov.cn/q/A{i:03d}",
                              note="过号请到服务台重新取号")
            t0 = time.perf_counter()
            data = render_ticket(slip, 80)
            t1 = time.perf_counter()
            print_job(emu.url, data)
            t2 = time.perf_counter()
            render_ms.append((t1 - t0) * 1000)
            total_ms.append((t2 - t0) * 1000)
        emu.wait_connections(RUNS)
        sent = len(emu.printer.printed())

    def pct(xs: list[float], q: int) -> float:
        return statistics.quantiles(xs, n=100)[q - 1]

    print(f"ticket render: p50 {statistics.median(render_ms):.2f} ms, p95 {pct(render_ms, 95):.2f} ms")
    print(f"ticket render + status + send (tcp loopback): p50 {statistics.median(total_ms):.2f} ms, "
          f"p95 {pct(total_ms, 95):.2f} ms, max {max(total_ms):.2f} ms over {RUNS} tickets "
          f"({sent} bytes received; goal p95 <= 30 ms)")


if __name__ == "__main__":
    main()
