"""Run a manager query off the GUI thread and hand the plain result to a view, through the app's
one hand-off (``ui.ops.Ops``: callbacks kept on the GUI side, results for a closed view dropped).

The work function captures no widget, only plain values; the newest request of a view wins.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..context import AppContext


def run_for(ctx: AppContext, view: Any, key: str, work: Callable[[], Any], method: str,
            error_method: str | None = None) -> None:
    """``work()`` in the background, then ``view.<method>(result)`` on the GUI thread (newest
    request of ``key`` for this view wins); errors go to ``view.<error_method>(message)``."""
    on_error = getattr(view, error_method) if error_method else None
    ctx.tasks.run_latest(f"{key}:{id(view)}", work, getattr(view, method), on_error, owner=view)
