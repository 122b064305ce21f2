"""Background work whose newest request replaces the older ones: the older answer, arriving
late, is never shown, and a request superseded before it starts never runs."""
from __future__ import annotations

import threading
import time

from ui.taskman import TaskManager


def test_only_the_newest_result_is_delivered_and_superseded_work_is_skipped(qtbot):
    tasks = TaskManager(workers=2)
    ran, shown, release = [], [], threading.Event()

    def slow_first():
        ran.append("first")
        release.wait(5)
        return "first"

    def job(name):
        def fn():
            ran.append(name)
            return name
        return fn

    tasks.run_latest("k", slow_first, shown.append)
    qtbot.waitUntil(lambda: ran == ["first"], timeout=5000)
    tasks.run_latest("k", job("second"), shown.append)   # waits behind first, then is replaced
    tasks.run_latest("k", job("third"), shown.append)
    tasks.run_latest("other", job("independent"), shown.append)  # another key is not held up
    qtbot.waitUntil(lambda: "independent" in shown, timeout=5000)
    release.set()
    qtbot.waitUntil(lambda: tasks.pending == 0, timeout=5000)
    assert "second" not in ran and ran[-1] == "third"  # replaced while waiting: never ran
    assert sorted(shown) == ["independent", "third"]  # "first" finished last-but-stale: not shown
    tasks.shutdown()


def test_an_error_of_a_superseded_request_is_not_shown(qtbot):
    tasks = TaskManager(workers=2)
    errors, shown, go = [], [], threading.Event()

    def failing():
        go.wait(5)
        raise RuntimeError("stale failure")

    tasks.run_latest("k", failing, shown.append, errors.append)
    time.sleep(0.05)
    tasks.run_latest("k", lambda: "fresh", shown.append, errors.append)
    go.set()
    qtbot.waitUntil(lambda: tasks.pending == 0, timeout=5000)
    assert shown == ["fresh"] and errors == []
    tasks.shutdown()


def test_a_result_for_a_view_closed_meanwhile_is_dropped(qtbot):
    from PySide6.QtWidgets import QLabel

    tasks = TaskManager(workers=1)
    label = QLabel()
    go = threading.Event()
    tasks.run(lambda: go.wait(5) and "late", label.setText)
    import shiboken6

    shiboken6.delete(label)  # the dialog was closed while the work ran
    go.set()
    qtbot.waitUntil(lambda: tasks.pending == 0, timeout=5000)  # no RuntimeError escaped
    tasks.shutdown()
