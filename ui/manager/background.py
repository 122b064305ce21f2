"""Run a manager query off the GUI thread and hand the plain result to a view held weakly.

The work function captures no widget; the callback keeps only a weak reference to its view, so
a view closed meanwhile is simply not updated (and no widget is ever released on a worker).
"""
from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from ..context import AppContext


def run_for(ctx: AppContext, view: Any, key: str, work: Callable[[], Any], method: str,
            error_method: str | None = None) -> None:
    """``work()`` in the background, then ``view.<method>(result)`` on the GUI thread (newest
    request of ``key`` wins); errors go to ``view.<error_method>(message)`` if given."""
    ref = weakref.ref(view)

    def done(result: Any) -> None:
        target = ref()
        if target is not None:
            getattr(target, method)(result)

    def failed(message: str) -> None:
        target = ref()
        if target is not None and error_method:
            getattr(target, error_method)(message)

    ctx.tasks.run_latest(f"{key}:{id(view)}", work, done, failed)
