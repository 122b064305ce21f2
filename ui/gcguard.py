"""Garbage collection on the GUI thread only.

Python's cyclic collector runs in whichever thread happens to allocate when a threshold is
crossed — here often a background task (database work) or the device thread. If the garbage
holds a Qt object, it is then destroyed on the wrong thread while the GUI thread may still have
events posted for it: a segmentation fault later, somewhere unrelated. So the automatic
collector is switched off and a timer on the GUI thread collects instead, by the same
thresholds (a well-known arrangement for Qt applications written in Python)."""
from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


class MainThreadGC(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(interval_ms)

    def check(self) -> int:
        """Collect the oldest generation whose count is over its threshold; returns what was
        collected (as ``gc.collect``), 0 when nothing was due."""
        l0, l1, l2 = gc.get_count()
        if l0 > self.thresholds[0]:
            generation = 2 if l2 > self.thresholds[2] else 1 if l1 > self.thresholds[1] else 0
            return gc.collect(generation)
        return 0

    def stop(self) -> None:
        self.timer.stop()
        gc.enable()


_installed: MainThreadGC | None = None


def install(app: QObject) -> MainThreadGC:
    """Once per process: the automatic collector off, the GUI-thread collector on."""
    global _installed
    if _installed is None:
        _installed = MainThreadGC(app)
    return _installed
