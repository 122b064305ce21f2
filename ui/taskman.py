"""Run blocking work (database, network, devices) off the GUI thread.

``TaskManager.run(fn, on_done, on_error)`` runs ``fn`` on a worker thread and delivers the
result to the GUI thread by a queued signal, so no widget waits on I/O. Results must be plain
data (``clerk.dto`` dataclasses), never live ORM objects.
"""
from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from clerk.errors import ClerkError

log = logging.getLogger(__name__)


class _Bridge(QObject):
    done = Signal(object, object)  # (callback, value)


class TaskManager(QObject):
    error = Signal(str)  # Chinese message for the status bar when no handler was given

    def __init__(self, workers: int = 2, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="clerk-task")
        self._bridge = _Bridge()
        self._bridge.done.connect(self._deliver)
        self.pending = 0
        self.closed = False
        self._latest: dict[str, int] = {}
        self._keyed: dict[str, dict[str, Any]] = {}

    def run(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[str], None] | None = None) -> Future[Any] | None:
        if self.closed:  # the app is closing: timers may still fire once; nothing new starts
            return None
        self.pending += 1
        fut = self._pool.submit(fn)

        def finished(f: Future[Any]) -> None:
            exc = f.exception()
            if exc is None:
                self._bridge.done.emit(on_done, ("ok", f.result()))
            else:
                msg = exc.message if isinstance(exc, ClerkError) else f"操作失败：{exc}"
                if isinstance(exc, ClerkError):
                    log.info("refused: %s", exc.one_line())
                else:  # a bug: the full story goes to the (masked) log file
                    log.error("background task failed", exc_info=exc)
                    traceback.print_exception(exc)
                self._bridge.done.emit(on_error, ("error", msg))

        fut.add_done_callback(finished)
        return fut

    def run_latest(self, key: str, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
                   on_error: Callable[[str], None] | None = None) -> None:
        """Like ``run`` for work whose newest request replaces the older ones (the answers of a
        form, the guide of the chosen situation). Requests of one ``key`` run one after another,
        never side by side; while one runs, only the newest waiting request is kept (older ones
        are dropped unrun, without holding a worker); and only the newest request's result or
        error is delivered — an older answer arriving late never overwrites a newer one.
        Called on the GUI thread, like ``run``; completions arrive there too."""
        gen = self._latest[key] = self._latest.get(key, 0) + 1
        job = (gen, fn, on_done, on_error)
        state = self._keyed.setdefault(key, {"running": False, "next": None})
        if not state["running"]:
            self._start_keyed(key, job)
            return
        if state["next"] is None:
            self.pending += 1  # waiting its turn counts as pending work
        state["next"] = job    # replaces an older waiting request, which never runs

    def _start_keyed(self, key: str, job: tuple[int, Callable[[], Any], Any, Any]) -> None:
        gen, fn, on_done, on_error = job
        state = self._keyed[key]
        state["running"] = True

        def finished() -> None:
            state["running"] = False
            waiting, state["next"] = state["next"], None
            if waiting is not None:
                self.pending -= 1
                self._start_keyed(key, waiting)

        def done(value: Any) -> None:
            finished()
            if self._latest.get(key) == gen and on_done is not None:
                on_done(value)

        def failed(message: str) -> None:
            finished()
            if self._latest.get(key) == gen:
                (on_error or self.error.emit)(message)

        if self.run(fn, done, failed) is None:
            state["running"] = False  # closing: nothing runs any more

    @Slot(object, object)
    def _deliver(self, callback: Callable[[Any], None] | None, outcome: tuple[str, Any]) -> None:
        self.pending -= 1
        kind, value = outcome
        if callback is not None:
            try:
                callback(value)
            except RuntimeError as exc:  # the view that asked was closed meanwhile: nothing to show
                if "already deleted" not in str(exc):
                    raise
                log.debug("result for a closed view dropped: %s", exc)
        elif kind == "error":
            self.error.emit(value)

    def shutdown(self) -> None:
        self.closed = True
        self._pool.shutdown(wait=True, cancel_futures=True)
