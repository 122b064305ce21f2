"""The app's devices: owns the device thread, the card watcher and the configured URLs, and
turns device callbacks (on other threads) into Qt signals delivered on the GUI thread.

The settings (URLs per workstation) are read and written by ``clerk.device_settings``.
``--demo-devices`` starts an in-process reader emulator with demo cards instead.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from PySide6.QtCore import QObject, Signal

from clerk.errors import ClerkError

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
