"""``TaskManager`` is the app's ``ui.ops.Ops`` under its older name: ``ctx.tasks.run(fn,
on_done, on_error)`` runs ``fn`` on a database worker and delivers the result to the GUI thread
(see ``ui/ops.py`` for the rules: plain values, callbacks kept on the GUI side, typed outcomes,
results for closed views dropped)."""
from __future__ import annotations

from .ops import Failed, Ok, Ops, Refused

TaskManager = Ops

__all__ = ["Failed", "Ok", "Ops", "Refused", "TaskManager"]
