"""The app's devices: the card watcher, the barcode gun and the configured URLs, on the one device
thread of ``ui.ops.Ops`` (``ops.device_worker``). Device events reach the GUI thread through
``ops.stream`` posters and are re-emitted there as Qt signals; device jobs go through
``ops.device``. Nothing here emits a Qt signal from another thread, and no device-side object
holds the hub.

The settings (URLs per workstation) are read and written by ``clerk.device_settings`` — the one
source of truth; ``ui.bootstrap.make_context`` loads them. ``--demo-devices`` starts an
in-process reader emulator with demo cards instead.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from .ops import Failed, Ops, Refused


class DeviceHub(QObject):
    card_read = Signal(object)       # devices.idcard.CardData
    card_removed = Signal()
    reader_status = Signal(str)      # Chinese text for the status line
    barcode_scanned = Signal(str)    # a code from the serial barcode gun
    device_message = Signal(str)     # Chinese text about other devices (barcode gun lost …)
    card_read_at = 0.0               # perf_counter when the last card was decoded (for the bench)

    def __init__(self, settings: dict[str, str], *, demo: bool = False, ops: Ops | None = None) -> None:
        """``ops``: the app's ``Ops`` (its device thread is used); without one the hub makes and
        owns a private one (tests, tools)."""
        super().__init__()
        self._own_ops = ops is None
        self.ops = ops if ops is not None else Ops(workers=1)
        self.settings = dict(settings)
        self.emulator: Any = None
        self.reader: Any = None
        self.watcher: Any = None
        self.gun: Any = None
        self._posts: list[Any] = []
        if demo and not self.settings.get("idcard_port"):
            from devices.idcard_emulator import ReaderEmulator, demo_cards

            self.emulator = ReaderEmulator(next(iter(demo_cards().values())))
            self.emulator.remove()
            self.settings["idcard_port"] = self.emulator.start_tcp()

    def demo_cards(self) -> list[tuple[str, Any]]:
        """With ``--demo-devices``: the emulator's demo cards as (menu label, card); else none."""
        if self.emulator is None:
            return []
        from devices.idcard_emulator import demo_cards

        return [(f"{card.name}（{card.card_type_label}）", card) for card in demo_cards().values()]

    def place_demo_card(self, card: Any) -> None:
        """Put a demo card on the emulated reader: the watcher reads it as a real one."""
        if self.emulator is not None:
            self.emulator.place(card)

    def remove_demo_card(self) -> None:
        if self.emulator is not None:
            self.emulator.remove()

    @property
    def worker(self) -> Any:
        """The device thread (``devices.worker.DeviceWorker``)."""
        return self.ops.device_worker

    # ---------------------------------------------------------------- any device job
    def call(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None,
             on_error: Callable[[str], None] | None, *, owner: QObject | None = None) -> int | None:
        """Run ``fn`` on the device thread; ``on_done(result)`` or ``on_error(Chinese message)``
        then runs on the GUI thread (``ui.ops``), unless the owner view is gone."""
        return self.ops.device(fn, on_done, on_error, owner=owner)

    def _post(self, callback: Callable[[Any], None]) -> Any:
        post = self.ops.stream(callback, owner=self)
        self._posts.append(post)
        return post

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
        for post in self._posts:
            post.close()
        self._posts = []
        reader, gun = self.reader, self.gun
        self.watcher = self.reader = self.gun = None
        if reader is not None or gun is not None:
            self.ops.device(lambda: (reader and reader.close(), gun and gun.close()))

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
        on_card, on_removed, on_error = (self._post(self._on_card), self._post(lambda _v: self.card_removed.emit()),
                                         self._post(self.reader_status.emit))
        self.watcher = CardWatcher(self.reader, self.worker, on_card=on_card, on_removed=on_removed,
                                   on_error=on_error)
        self.watcher.start()
        self.reader_status.emit("读卡器就绪，请放卡")

    def _start_gun(self) -> None:
        url = self.settings.get("barcode_port")
        if not url:
            return
        from devices.barcode import BarcodeGun

        self.gun = BarcodeGun(url, on_code=self._post(self.barcode_scanned.emit))
        message = self._post(self.device_message.emit)
        self.gun.start(self.worker, on_error=lambda exc: message(exc.message))

    def _on_card(self, card: Any) -> None:
        self.card_read_at = time.perf_counter()
        self.card_read.emit(card)

    def read_now(self) -> int | None:
        """F2: one read on the device thread; the result arrives through ``card_read``."""
        if self.reader is None:
            self.reader_status.emit("未配置读卡器，请手工录入或在设置中配置读卡器端口")
            return None
        return self.ops.device(self.reader.read_card, self._on_card, owner=self, on_problem=self._read_failed)

    def _read_failed(self, problem: Refused | Failed) -> None:
        self.reader_status.emit(problem.message if isinstance(problem, Refused) else f"读卡失败：{problem.kind}")

    def stop(self) -> None:
        self._stop_devices()
        if self._own_ops:
            self.ops.shutdown()
        if self.emulator is not None:
            self.emulator.close()
