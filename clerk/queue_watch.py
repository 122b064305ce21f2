"""Knowing when the hall's queue changed, without reading the whole board every few seconds.

``QueueWatcher(db, hall_code, on_change)`` runs one daemon thread:

* PostgreSQL: a connection of its own does ``LISTEN clerk_queue``; the triggers of migration
  0005 notify the hall id whenever a ticket is issued, called, moved or finished or a window is
  paused, so an idle hall costs the server nothing between events. ``on_change`` is also called
  every ``fallback_s`` seconds (a missed notification while reconnecting is caught up).
* SQLite: the ``queue_version`` counter (same triggers) is read every ``poll_s`` seconds — one
  row by primary key — and ``on_change`` is called when it moved.

``on_change`` (optional) runs on the watcher thread. The UI passes none: its own timer asks
``take_changed()`` (a flag, no database) so no Qt object is ever touched from this thread.
``stop()`` ends the thread (and closes its connection).
"""
from __future__ import annotations

import logging
import threading
import time
import weakref
from typing import Any
from collections.abc import Callable

from . import queue
from .db import Database

log = logging.getLogger(__name__)


class QueueWatcher:
    def __init__(self, db: Database, hall_code: str, on_change: Callable[[], None] | None = None, *,
                 poll_s: float = 1.0,
                 fallback_s: float = 30.0, owner: object = None) -> None:
        self.db = db
        self.hall_code = hall_code
        self.on_change = on_change
        self.poll_s = poll_s
        self.fallback_s = fallback_s
        self._stop = threading.Event()
        # With an owner (a window) the thread ends by itself once the owner is gone: a weak
        # reference whose callback sets the stop flag. The thread never dereferences it — it
        # would then hold the window and could be the one to free it (Qt objects die on the GUI
        # thread only).
        stop = self._stop
        self._owner = weakref.ref(owner, lambda _ref: stop.set()) if owner is not None else None
        self._thread: threading.Thread | None = None
        self._conn: Any = None  # the LISTEN connection (psycopg), closed by stop()
        self.events = 0  # changes reported (for tests and the benchmark)
        self._flag = threading.Event()

    def start(self) -> QueueWatcher:
        self._thread = threading.Thread(target=self._run, name="clerk-queue-watch", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        conn = self._conn
        if conn is not None:
            try:
                conn.cancel_safe() if hasattr(conn, "cancel_safe") else conn.cancel()
            except Exception:  # noqa: BLE001 (the connection may already be gone)
                pass
        if self._thread is not None:
            self._thread.join(timeout)

    def take_changed(self) -> bool:
        """True once after each change (or batch of changes) seen since the last call."""
        if self._flag.is_set():
            self._flag.clear()
            return True
        return False

    def _changed(self) -> None:
        self.events += 1
        self._flag.set()
        if self.on_change is None:
            return
        try:
            self.on_change()
        except Exception:  # a receiver gone (window closing) must not kill the watcher
            log.exception("queue change receiver failed")

    def _running(self) -> bool:
        return not self._stop.is_set()

    def _run(self) -> None:
        if self.db.dialect == "postgresql":
            self._listen()
        else:
            self._poll()

    def _poll(self) -> None:
        last: int | None = None
        while self._running():
            mark: int | None
            try:
                mark = queue.change_mark(self.db, self.hall_code)
            except Exception as exc:  # noqa: BLE001 (unreachable for a moment: try again, say nothing changed)
                log.info("queue change counter unreadable: %s", exc)
                mark = last
            if mark != last:
                if last is not None:
                    self._changed()
                last = mark
            self._stop.wait(self.poll_s)

    def _listen(self) -> None:
        import psycopg
        from sqlalchemy.engine import make_url

        url = make_url(self.db.url)
        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        while self._running():
            try:
                hall_id = str(queue.hall_id_of(self.db, self.hall_code))
                with psycopg.connect(conninfo, autocommit=True, connect_timeout=5,
                                     application_name="window-clerk-listen") as conn:
                    self._conn = conn
                    conn.execute(f"LISTEN {queue.NOTIFY_CHANNEL}")
                    self._changed()  # anything missed before the LISTEN took effect
                    last = time.monotonic()
                    while self._running():
                        seen = False
                        for note in conn.notifies(timeout=min(1.0, self.fallback_s), stop_after=1):
                            seen = seen or note.payload == hall_id
                        if self._stop.is_set():
                            break
                        # drain what came together (one call of the same window makes several)
                        for note in conn.notifies(timeout=0.05):
                            seen = seen or note.payload == hall_id
                        if seen or time.monotonic() - last >= self.fallback_s:
                            last = time.monotonic()
                            self._changed()
            except Exception as exc:  # noqa: BLE001 (a lost connection is logged; listening starts again)
                if self._stop.is_set():
                    break
                log.info("queue listen connection lost: %s", exc)
                self._changed()  # read the board once; listen again in a moment
                self._stop.wait(min(5.0, self.fallback_s))
            finally:
                self._conn = None
