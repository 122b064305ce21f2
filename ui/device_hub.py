"""The app's devices: owns the device thread, the card watcher and the configured URLs, and
turns device callbacks (on other threads) into Qt signals delivered on the GUI thread.

Settings (table ``setting``), kept per workstation as ``device.<workstation>.<key>`` (a hall-wide
PostgreSQL database is shared by every window; plain ``<key>`` rows of older versions are read as
a fallback): ``idcard_port`` (any pyserial URL), ``ticket_printer``, ``receipt_printer`` (ESC/POS
URLs), ``ticket_paper_mm`` / ``receipt_paper_mm`` (``80`` default or ``58``), ``a4_printer``
(CUPS/Windows queue), ``scanner`` (scanner URL), ``scan_source`` (``flatbed`` default or
``feeder``), ``barcode_port`` (serial barcode gun URL).
``--demo-devices`` starts an in-process reader emulator with demo cards instead.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from PySide6.QtCore import QObject, Signal
from sqlalchemy import select

from clerk.db import Database
from clerk.errors import ClerkError
from clerk.models import Setting

DEVICE_KEYS = ("idcard_port", "ticket_printer", "receipt_printer", "a4_printer", "scanner", "scan_source",
               "barcode_port", "ticket_paper_mm", "receipt_paper_mm")
PAPER_WIDTHS = (80, 58)          # mm; the first is the default
PAPER_KEYS = {"ticket_printer": "ticket_paper_mm", "receipt_printer": "receipt_paper_mm"}


def device_key(workstation: str, key: str) -> str:
    """The ``setting`` row of one workstation's device setting, e.g. ``device.W01.idcard_port``;
    the plain ``key`` when no workstation is given (a single-window database of older versions)."""
    return f"device.{workstation}.{key}" if workstation else key


def load_device_settings(db: Database, workstation: str | None = None) -> dict[str, str]:
    """This workstation's device settings; a key it never saved falls back to the plain
    (pre-workstation) row, so an upgraded counter keeps its devices.

    ``workstation=None`` (a caller that does not say which window it is): the one workstation
    that has device settings in this database — the usual local SQLite case — else plain keys
    only. Callers should pass ``ctx.workstation``."""
    with db.uow() as s:
        if workstation is None:
            saved = {k.split(".")[1] for k in s.scalars(select(Setting.key).where(Setting.key.like("device.%.%")))}
            workstation = saved.pop() if len(saved) == 1 else ""
        own = {device_key(workstation, k): k for k in DEVICE_KEYS}
        rows = {r.key: r.value for r in s.scalars(select(Setting).where(Setting.key.in_([*DEVICE_KEYS, *own])))}
    out = {k: rows[k] for k in DEVICE_KEYS if k in rows}
    out.update({plain: rows[full] for full, plain in own.items() if full in rows})
    return out


def save_device_settings(db: Database, values: dict[str, str], workstation: str = "") -> None:
    """Store under this workstation's keys only: saving at window 2 never changes window 1."""
    with db.uow() as s:
        for key, value in values.items():
            if key not in DEVICE_KEYS:
                continue
            full = device_key(workstation, key)
            row = s.get(Setting, full)
            if row is None:
                s.add(Setting(key=full, value=(value or "").strip()))
            else:
                row.value = (value or "").strip()


def paper_width(settings: dict[str, str], printer_key: str = "ticket_printer") -> int:
    """Paper width in mm (80 or 58) set for ``ticket_printer`` or ``receipt_printer``; 80 when
    unset or unreadable."""
    raw = (settings.get(PAPER_KEYS.get(printer_key, printer_key)) or "").strip()
    try:
        width = int(raw)
    except ValueError:
        return PAPER_WIDTHS[0]
    return width if width in PAPER_WIDTHS else PAPER_WIDTHS[0]


def load_paper_width(db: Database, workstation: str, printer_key: str = "ticket_printer") -> int:
    """The paper width of this workstation's ticket (kiosk) or receipt printer, from the database."""
    return paper_width(load_device_settings(db, workstation), printer_key)


class DeviceHub(QObject):
    card_read = Signal(object)       # devices.idcard.CardData
    card_removed = Signal()
    reader_status = Signal(str)      # Chinese text for the status line
    barcode_scanned = Signal(str)    # a code from the serial barcode gun
    device_message = Signal(str)     # Chinese text about other devices (barcode gun lost …)
    _delivered = Signal(object, object)  # (callback, value): device-thread results to the GUI thread
    card_read_at = 0.0               # perf_counter when the last card was decoded (for the bench)

    def __init__(self, settings: dict[str, str], *, demo: bool = False) -> None:
        super().__init__()
        from devices.worker import DeviceWorker

        self.settings = dict(settings)
        self.worker = DeviceWorker()
        self.emulator: Any = None
        self.reader: Any = None
        self.watcher: Any = None
        self.gun: Any = None
        self._delivered.connect(lambda callback, value: callback(value))
        if demo and not self.settings.get("idcard_port"):
            from devices.idcard_emulator import ReaderEmulator, demo_cards

            self.emulator = ReaderEmulator(next(iter(demo_cards().values())))
            self.emulator.remove()
            self.settings["idcard_port"] = self.emulator.start_tcp()

    # ---------------------------------------------------------------- any device job
    def call(self, fn: Callable[[], Any], on_done: Callable[[Any], None],
             on_error: Callable[[str], None]) -> Future[Any]:
        """Run ``fn`` on the device thread; ``on_done(result)`` or ``on_error(Chinese message)``
        then runs on the GUI thread (queued signal), so a widget never waits on a device."""
        fut = self.worker.submit(fn)

        def done(f: Future[Any]) -> None:
            if f.cancelled():   # the hub is shutting down: nobody is waiting any more
                return
            exc = f.exception()
            if exc is None:
                self._delivered.emit(on_done, f.result())
            else:
                msg = exc.message if isinstance(exc, ClerkError) else f"设备操作失败：{exc}"
                self._delivered.emit(on_error, msg)

        fut.add_done_callback(done)
        return fut

    def reconfigure(self, settings: dict[str, str]) -> None:
        """New settings from 设置 → 设备: stop the watcher and the gun, close the old reader on the
        device thread, then start again with the new URLs."""
        self._stop_devices()
        demo_port = self.emulator.url if self.emulator is not None else ""
        self.settings = {k: v for k, v in settings.items() if v}
        if demo_port and not self.settings.get("idcard_port"):
            self.settings["idcard_port"] = demo_port   # --demo-devices keeps its reader
        self.start()

    def _stop_devices(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
        if self.gun is not None:
            self.gun.stop()
        reader, gun = self.reader, self.gun
        self.watcher = self.reader = self.gun = None
        self.worker.submit(lambda: (reader and reader.close(), gun and gun.close()))

    # ---------------------------------------------------------------- card reader
    def start(self) -> None:
        self._start_gun()
        port = self.settings.get("idcard_port")
        if not port:
            self.reader_status.emit("未配置读卡器（设置 → 设备）")
            return
        from devices.idcard_serial import SerialIdCardReader
        from devices.idcard_watch import CardWatcher

        self.reader = SerialIdCardReader(port)
        self.watcher = CardWatcher(self.reader, self.worker, on_card=self._on_card,
                                   on_removed=self.card_removed.emit,
                                   on_error=lambda msg: self.reader_status.emit(msg))
        self.watcher.start()
        self.reader_status.emit("读卡器就绪，请放卡")

    def _start_gun(self) -> None:
        url = self.settings.get("barcode_port")
        if not url:
            return
        from devices.barcode import BarcodeGun

        self.gun = BarcodeGun(url, on_code=self.barcode_scanned.emit)  # queued to the GUI thread
        self.gun.start(self.worker, on_error=lambda exc: self.device_message.emit(exc.message))

    def _on_card(self, card: Any) -> None:
        self.card_read_at = time.perf_counter()
        self.card_read.emit(card)  # queued to the GUI thread by Qt

    def read_now(self) -> Future[Any] | None:
        """F2: one read on the device thread; the result arrives through ``card_read``."""
        if self.reader is None:
            self.reader_status.emit("未配置读卡器，请手工录入或在设置中配置读卡器端口")
            return None
        fut = self.worker.submit(self.reader.read_card)

        def done(f: Future[Any]) -> None:
            exc = f.exception()
            if exc is None:
                self._on_card(f.result())
            else:
                self.reader_status.emit(exc.message if isinstance(exc, ClerkError) else f"读卡失败：{exc}")

        fut.add_done_callback(done)
        return fut

    def stop(self) -> None:
        self._stop_devices()
        self.worker.shutdown()
        if self.emulator is not None:
            self.emulator.close()
