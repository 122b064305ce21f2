"""The device thread: every call that touches hardware runs here, one at a time, in order.

A process has one: the app, the kiosk and the display get it from the composition root
(``ui.bootstrap.make_context`` → ``ctx.tasks.device_worker``); a command-line tool makes its own
``DeviceWorker`` (or ``claim_device_thread()`` for a one-shot command that does nothing else).
Callers submit a function and get a ``Future``; the UI never blocks on it (``ui.ops`` delivers
the result).

``runs_on_device_thread`` asserts the rule in drivers, always: the current thread object must be
a device thread (a ``DeviceWorker``'s thread, or one that claimed the role). Not a name, not an
environment variable.
"""
from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from queue import Empty, SimpleQueue
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

THREAD_NAME = "clerk-device"

_device_threads: set[threading.Thread] = set()
_registry_lock = threading.Lock()


def _register(thread: threading.Thread) -> None:
    with _registry_lock:
        _device_threads.add(thread)


def _unregister(thread: threading.Thread) -> None:
    with _registry_lock:
        _device_threads.discard(thread)


class DeviceWorker:
    """One thread, a queue of calls, ``submit`` → ``Future``."""

    def __init__(self) -> None:
        self._queue: SimpleQueue[tuple[Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]] | None] = \
            SimpleQueue()
        self._closed = False
        self._lock = threading.Lock()
        self.thread = threading.Thread(target=self._loop, name=THREAD_NAME, daemon=True)
        _register(self.thread)
        self.thread.start()

    def _loop(self) -> None:
        try:
            while True:
                item = self._queue.get()
                if item is None:
                    return
                fut, fn, args, kwargs = item
                item = None
                if fut.set_running_or_notify_cancel():
                    try:
                        fut.set_result(fn(*args, **kwargs))
                    except BaseException as exc:  # noqa: BLE001 (the caller gets it from the Future)
                        fut.set_exception(exc)
                del fut, fn, args, kwargs
        finally:
            _unregister(self.thread)

    def submit(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        fut: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the device thread is shut down")
            self._queue.put((fut, fn, args, kwargs))
        return fut

    def call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run on the device thread and wait (command-line tools, never the GUI)."""
        if threading.current_thread() is self.thread:
            return fn(*args, **kwargs)
        return self.submit(fn, *args, **kwargs).result()

    def shutdown(self, wait: bool = True, cancel_futures: bool = True) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        if cancel_futures:  # calls not started yet are cancelled; the running one finishes
            pending: list[Any] = []
            while True:
                try:
                    item = self._queue.get_nowait()
                except Empty:
                    break
                if item is not None:
                    pending.append(item)
            for fut, *_rest in pending:
                fut.cancel()
            del pending
        self._queue.put(None)
        if wait and threading.current_thread() is not self.thread:
            self.thread.join()

    @property
    def closed(self) -> bool:
        return self._closed


def on_device_thread() -> bool:
    return threading.current_thread() in _device_threads


@contextlib.contextmanager
def claim_device_thread() -> Iterator[None]:
    """For a one-shot command (or a driver test) that does device I/O and nothing else: the
    current thread is this process's device thread until the block ends."""
    me = threading.current_thread()
    already = on_device_thread()
    _register(me)
    try:
        yield
    finally:
        if not already:
            _unregister(me)


def device_command(handler: Callable[P, T]) -> Callable[P, T]:
    """A one-shot command-line handler that talks to a device: its thread is the process's
    device thread while it runs (``claim_device_thread``)."""

    @functools.wraps(handler)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        with claim_device_thread():
            return handler(*args, **kwargs)

    return wrapper


def runs_on_device_thread(fn: Callable[P, T]) -> Callable[P, T]:
    """Mark a driver function that must only run on the device thread (always checked)."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        if threading.current_thread() not in _device_threads:
            raise RuntimeError(f"{fn.__qualname__} must run on the device thread "
                               f"(called on {threading.current_thread().name})")
        return fn(*args, **kwargs)

    return wrapper
