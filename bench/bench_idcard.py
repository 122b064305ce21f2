"""ID-card read latency against the emulator over a pty and loopback TCP.

'last byte → decoded card': from the moment the emulator has written the last byte of the
30 01 reply to the moment the caller (not the device thread) holds the decoded ``CardData``.
Goal: ≤ 50 ms to the applicant shown in the form (the UI hop is measured separately, later).
Also printed: the whole find → select → read round trip, which on real hardware is dominated by
the SAM and the line speed rather than by this code.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from devices.idcard_emulator import ReaderEmulator, demo_cards  # noqa: E402
from devices.idcard_serial import SerialIdCardReader  # noqa: E402
from devices.worker import DeviceWorker  # noqa: E402

READS = 100


def _pct(values: list[float], p: float) -> float:
    return sorted(values)[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def run(transport: str) -> None:
    card = demo_cards()["resident"]
    worker = DeviceWorker()
    with ReaderEmulator(card) as em, tempfile.TemporaryDirectory() as tmp:
        url = em.start_tcp() if transport == "tcp" else em.start_pty(Path(tmp) / "ttyIDR")
        reader = SerialIdCardReader(url)
        worker.submit(reader.open).result()
        worker.submit(reader.read_card).result()  # warm-up: imports, reference data
        after_last_byte: list[float] = []
        round_trip: list[float] = []
        for _ in range(READS):
            t0 = time.perf_counter()
            got = worker.submit(reader.read_card).result()
            t1 = time.perf_counter()
            assert got == card
            after_last_byte.append((t1 - em.last_reply_sent_at) * 1000)
            round_trip.append((t1 - t0) * 1000)
        worker.submit(reader.close).result()
    worker.shutdown()
    print(f"idcard {transport:3s} last byte → decoded card: p50 {statistics.median(after_last_byte):.2f} ms, "
          f"p95 {_pct(after_last_byte, 95):.2f} ms, max {max(after_last_byte):.2f} ms over {READS} reads "
          f"(goal ≤ 50 ms incl. UI)")
    print(f"idcard {transport:3s} find→select→read round trip: p50 {statistics.median(round_trip):.2f} ms, "
          f"p95 {_pct(round_trip, 95):.2f} ms")


def main() -> int:
    for transport in ("pty", "tcp"):
        run(transport)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
