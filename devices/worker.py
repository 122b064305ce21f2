"""The device thread: every call that touches hardware runs here, one at a time, in order.

Callers submit a function and get a ``Future``; the UI attaches a callback (delivered to the GUI
thread by the UI layer) and never blocks. ``runs_on_device_thread`` asserts the rule in drivers.
"""
from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

THREAD_NAME = "clerk-device"


class DeviceWorker:
    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=THREAD_NAME)

    def submit(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        return self._pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=True)


def on_device_thread() -> bool:
    return threading.current_thread().name.startswith(THREAD_NAME)


def runs_on_device_thread(fn: Callable[P, T]) -> Callable[P, T]:
    """Mark a driver method that must only run on the device thread (checked when
    ``CLERK_STRICT_DEVICE_THREAD=1``, as in the UI tests)."""
    import os

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        if os.environ.get("CLERK_STRICT_DEVICE_THREAD") == "1" and not on_device_thread():
            raise RuntimeError(f"{fn.__qualname__} must run on the device thread")
        return fn(*args, **kwargs)

    return wrapper
