"""Barcode guns: ``BarcodeGun`` for serial/virtual-COM guns (any pyserial URL), and the pure
``WedgeDetector`` that tells a keyboard-wedge gun's burst of keys from a person typing.

The one rule: no keystroke and no byte is lost. A torn serial line waits for its end; keys held
back by the detector while it decides are always released, either as a scan or as typed text.
"""
from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Literal

import serial

from .errors import DeviceError, DeviceNotFound
from .worker import DeviceWorker, runs_on_device_thread

MAX_LINE = 4096      # a code longer than this is line noise (wrong baud rate), not a barcode


class BarcodeGun:
    """Lines ending in CR, LF or CRLF → ``on_code(text)``; everything runs on the device thread."""

    def __init__(self, url: str, on_code: Callable[[str], None], *, baud: int = 9600,
                 read_timeout: float = 0.05, encoding: str = "utf-8") -> None:
        self.url = url
        self.on_code = on_code
        self.baud = baud
        self.read_timeout = read_timeout   # how long one poll may hold the device thread
        self.encoding = encoding           # GBK guns exist; utf-8 with replacement never fails
        self._port: serial.SerialBase | None = None
        self._buffer = bytearray()
        self._running = False

    @runs_on_device_thread
    def open(self) -> None:
        if self._port is not None:
            return
        try:
            self._port = serial.serial_for_url(self.url, baudrate=self.baud, timeout=self.read_timeout)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise DeviceNotFound(f"找不到扫码枪（{self.url}），请检查连接和端口设置",
                                 f"cannot open barcode gun at {self.url}: {exc}") from exc

    @runs_on_device_thread
    def close(self) -> None:
        port, self._port = self._port, None
        self._buffer.clear()
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass   # already gone with the cable

    @runs_on_device_thread
    def poll(self) -> list[str]:
        """Read what has arrived (waiting at most ``read_timeout``), deliver whole lines."""
        if self._port is None:
            self.open()
        assert self._port is not None
        try:
            waiting = self._port.in_waiting
            data = self._port.read(max(1, waiting))
        except (serial.SerialException, OSError) as exc:
            self.close()
            raise DeviceNotFound("扫码枪已断开，请检查连接线", f"barcode gun lost: {exc}") from exc
        self._buffer += data
        codes: list[str] = []
        while True:
            cut = next((i for i, b in enumerate(self._buffer) if b in (10, 13)), -1)
            if cut < 0:
                break
            line = bytes(self._buffer[:cut])
            del self._buffer[:cut + 1]
            code = line.decode(self.encoding, errors="replace").strip()
            if code:   # the LF of a CRLF pair is an empty line
                codes.append(code)
        if len(self._buffer) > MAX_LINE:
            self._buffer.clear()
            raise DeviceError("扫码枪发来的数据无法识别，请检查波特率设置",
                              f"no line end within {MAX_LINE} bytes")
        for code in codes:
            self.on_code(code)
        return codes

    # ------------------------------------------------------------------ background listening
    def start(self, worker: DeviceWorker, on_error: Callable[[DeviceError], None]) -> None:
        """Keep polling on ``worker`` (one short poll per job, so other devices get turns) until
        ``stop()`` or an error, which goes to ``on_error`` once."""
        self._running = True

        def again(fut: Future[list[str]]) -> None:
            if fut.cancelled():   # the worker is shutting down
                return
            exc = fut.exception()
            if isinstance(exc, DeviceError):
                self._running = False
                on_error(exc)
            elif exc is None and self._running:
                worker.submit(self.poll).add_done_callback(again)

        worker.submit(self.poll).add_done_callback(again)

    def stop(self) -> None:
        self._running = False


# ---------------------------------------------------------------------- keyboard wedge
ENTER = ("\r", "\n")


@dataclass(frozen=True)
class WedgeEvent:
    kind: Literal["scan", "text"]
    text: str          # the code (without Enter) for a scan; the typed characters for text


class WedgeDetector:
    """Feed every key as ``feed(char, t_ms)``; it returns the events that key releases.

    Keys are held while they might be the start of a scan (each within ``max_gap_ms`` of the
    previous one). An Enter that ends a burst of at least ``min_length`` such keys is a scan;
    anything slower is handed back as text. The Qt layer calls ``flush(now_ms)`` from a timer
    ``max_gap_ms`` after the last key so a lone typed character is not held.
    """

    def __init__(self, min_length: int = 4, max_gap_ms: float = 30.0) -> None:
        if min_length < 1 or max_gap_ms <= 0:
            raise ValueError("min_length must be ≥ 1 and max_gap_ms > 0")
        self.min_length = min_length
        self.max_gap_ms = max_gap_ms
        self._held: list[str] = []
        self._last: float | None = None

    @property
    def holding(self) -> str:
        return "".join(self._held)

    def _fast(self, t_ms: float) -> bool:
        # A clock that goes backwards cannot prove a burst; treat it as a pause.
        return self._last is not None and 0 <= t_ms - self._last <= self.max_gap_ms

    def _release(self) -> list[WedgeEvent]:
        text, self._held = "".join(self._held), []
        return [WedgeEvent("text", text)] if text else []

    def feed(self, char: str, t_ms: float) -> list[WedgeEvent]:
        events: list[WedgeEvent] = []
        fast = self._fast(t_ms)
        if self._held and not fast:
            events += self._release()
        self._last = t_ms
        if char in ENTER:
            if fast and len(self._held) >= self.min_length:
                code, self._held = "".join(self._held), []
                return events + [WedgeEvent("scan", code)]
            self._held.append(char)
            return events + self._release()
        if len(char) != 1 or not char.isprintable():
            # Tab, arrows, control keys: never part of a code; pass through with what is held.
            self._held.append(char)
            return events + self._release()
        self._held.append(char)
        return events

    def flush(self, now_ms: float) -> list[WedgeEvent]:
        """Release held keys once the burst has clearly stopped (timer tick)."""
        if self._held and not self._fast(now_ms):
            return self._release()
        return []
