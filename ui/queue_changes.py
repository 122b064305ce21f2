"""Watching the hall's queue for a window or the hall screen: ``watch(widget, db, hall)`` starts a
``clerk.queue_watch.QueueWatcher`` (PostgreSQL LISTEN/NOTIFY, or SQLite's trigger-kept counter)
that ends by itself once the widget's Python object is gone (a weak reference: nothing is
connected to Qt's ``destroyed``). The widget's own timer asks ``take_changed()`` — a flag, no
database, no Qt object touched from the watcher thread — and reads the board only then, instead
of polling all of it every few seconds."""
from __future__ import annotations

from PySide6.QtWidgets import QWidget

from clerk.db import Database
from clerk.queue_watch import QueueWatcher


def watch(widget: QWidget, db: Database, hall_code: str, poll_s: float = 1.0) -> QueueWatcher:
    return QueueWatcher(db, hall_code, poll_s=poll_s, owner=widget).start()
