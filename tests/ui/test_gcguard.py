"""Cyclic garbage is collected on the GUI thread only (ui/gcguard.py)."""
from __future__ import annotations

import gc

from PySide6.QtCore import QObject

from ui.gcguard import MainThreadGC


def test_collects_on_its_timer_by_the_thresholds_with_the_automatic_collector_off(qtbot):
    was_enabled = gc.isenabled()
    guard = MainThreadGC(interval_ms=20)
    try:
        assert not gc.isenabled()
        gc.collect()
        assert guard.check() == 0  # nothing due right after a collection

        class Holder(QObject):
            pass

        for _ in range(guard.thresholds[0] + 50):  # cycles that only the collector can free
            a, b = Holder(), Holder()
            a.other, b.other = b, a
        del a, b
        qtbot.waitUntil(lambda: gc.get_count()[0] < guard.thresholds[0], timeout=5000)  # the timer ran
    finally:
        guard.stop()
        if not was_enabled:
            gc.disable()
