"""``CardWatcher``: continuous reading — the applicant lays the card down and the form fills.

A small timer thread submits one poll at a time to the device thread (so printers and scanners
still get their turn) every ``interval`` seconds: SAM status → find card → on 0x9F select + read.
The one rule: each placement gives exactly one ``on_card``; the card leaving gives one
``on_removed``; a fault gives one ``on_error`` per distinct message, and polling continues every
``retry_interval`` so a replugged reader recovers by itself. Callbacks run on the watcher thread
as plain calls; the UI layer marshals them to the GUI thread.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from .errors import DeviceError
from .idcard import CardData
from .idcard_serial import SerialIdCardReader
from .worker import DeviceWorker, runs_on_device_thread

log = logging.getLogger(__name__)

Event = tuple[str, object]  # ("card", CardData) | ("removed", None) | ("error", message)


class CardWatcher:
    def __init__(self, reader: SerialIdCardReader, worker: DeviceWorker, *,
                 on_card: Callable[[CardData], None],
                 on_removed: Callable[[], None] = lambda: None,
                 on_error: Callable[[str], None] = lambda message: None,
                 interval: float = 0.5, retry_interval: float = 1.0,
                 fingerprint: bool = False) -> None:
        self.reader = reader
        self.worker = worker
        self.on_card, self.on_removed, self.on_error = on_card, on_removed, on_error
        self.interval, self.retry_interval = interval, retry_interval
        self.fingerprint = fingerprint
        self._present = False         # device-thread state: a card was read and is still there
        self._last_error = ""         # watcher-thread state: suppresses repeats of one fault
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="idcard-watch", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                event = self.worker.submit(self.poll_once).result()
            except RuntimeError:  # the worker was shut down under us: nothing left to poll with
                return
            self._dispatch(event)
            self._stop.wait(self.retry_interval if event and event[0] == "error" else self.interval)

    def _dispatch(self, event: Event | None) -> None:
        kind = event[0] if event else ""
        if kind != "error":
            self._last_error = ""
        try:
            if kind == "card":
                self.on_card(event[1])  # type: ignore[index,arg-type]
            elif kind == "removed":
                self.on_removed()
            elif kind == "error" and event[1] != self._last_error:  # type: ignore[index]
                self._last_error = str(event[1])  # type: ignore[index]
                self.on_error(self._last_error)
        except Exception:  # a broken callback must not stop the counter's reader
            log.exception("ID-card watcher callback failed")

    @runs_on_device_thread
    def poll_once(self) -> Event | None:
        """One status → find (→ select → read) round; returns what changed, if anything."""
        try:
            self.reader.status()
            if self.reader.find_card():
                if not self.reader.select_card():
                    return None  # lifted between find and select: the next poll decides
                card = self.reader.read_selected(self.fingerprint)
                self._present = True
                return ("card", card)
            # A real reader finds a card once per placement; select tells "still lying there"
            # from "taken away".
            if self._present and not self.reader.select_card():
                self._present = False
                return ("removed", None)
            return None
        except DeviceError as exc:
            self._present = False
            return ("error", exc.message)
