"""The one hand-off from background work to the screen.

Every result that reaches a widget from another thread — database work, device I/O, a stream of
events such as card reads or sync status — goes through an ``Ops`` (one per process, made by the
composition root ``ui.bootstrap.make_context``; ``ctx.tasks`` is it). The rules it enforces:

* **Plain values in, plain values out.** A work function takes no widget and returns plain data
  (``clerk.dto`` dataclasses, strings, numbers); it runs on a worker thread.
* **Callbacks stay on the GUI side.** ``on_done`` / ``on_error`` / ``on_problem`` are kept in a
  table on the GUI thread, keyed by the job id. The worker thread only ever sees the job id; it
  *borrows* the work function from the table (the table's reference is the last one, dropped on
  the GUI thread), so no closure holding a widget dies on a worker thread.
* **One queued signal.** A finished job puts its outcome into the table and emits ``_ready(job
  id)``, a queued signal carrying nothing but an int; the GUI thread takes the outcome out.
* **Typed outcomes.** ``Ok(value)``, ``Refused(code, message, english, details)`` for a
  ``ClerkError`` (``code`` is its class name, e.g. ``"ValidationError"``, ``"DeviceTimeout"``;
  ``details`` its keyword details), ``Failed(message, kind, trace)`` for a bug. Nobody decides on
  the text of a message.
* **A result whose owner view is gone is dropped** on the GUI thread: the owner (a ``QObject``,
  given as ``owner=`` or found as the object a callback is bound to or closes over) is checked
  with ``shiboken6.isValid`` just before the callback would run.

API (all calls on the GUI thread; callbacks run there too)::

    ops = Ops(workers=2)                       # or ctx.tasks (the app's one Ops)
    job = ops.run(fn, on_done, on_error, owner=view, on_problem=None, lane="db")
        # fn() -> value on a database worker ("db", ``workers`` threads) or on the one device
        # thread (lane="device"); on_done(value); on_error(Chinese message: str);
        # on_problem(Refused | Failed) when the kind of failure matters. Returns the job id, or
        # None once the Ops is shut down. No on_error and no on_problem: the message goes to the
        # ``error`` signal (the status bar).
    ops.run(fn, on_done, serial="case:12")   # in the line of that key: one at a time, in order
    ops.device(fn, on_done, on_error, owner=view)  # = run(..., lane="device")
    ops.run_latest(key, fn, on_done, on_error, owner=view)
        # the line of ``key``, where the newest request wins: a waiting request is replaced by a
        # newer one (never run), and only the newest result is delivered.
    post = ops.stream(callback, owner=view)    # a thread-safe callable for repeated events
    post(value)                                # from any thread: callback(value) on the GUI thread
    post.close()                               # later posts are dropped
    ops.pending                                # jobs submitted or waiting, not yet delivered
    ops.device_worker                          # the one devices.worker.DeviceWorker (made on use)
    ops.shutdown()                             # stop the workers (a running job finishes)

Sync (``clerk sync`` status in the window) posts its status through ``ops.stream`` or runs its
rounds with ``ops.run``; nothing else may emit Qt signals from a worker thread.
"""
from __future__ import annotations

import itertools
import logging
import queue as queue_mod
import threading
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal, Slot

from clerk.errors import ClerkError

from . import qtfix

log = logging.getLogger(__name__)
qtfix.pin_singletons()


# ------------------------------------------------------------------ outcomes (plain values)
@dataclass(frozen=True)
class Ok:
    value: Any


@dataclass(frozen=True)
class Refused:
    """An expected failure: a ``ClerkError`` the person can act on."""
    code: str                     # the error's class name: ValidationError, NotFound, DeviceTimeout …
    message: str                  # Chinese, for the screen
    english: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    kinds: tuple[str, ...] = ()   # the class and its bases, most specific first

    def is_a(self, code: str) -> bool:
        return code in self.kinds or code == self.code


@dataclass(frozen=True)
class Failed:
    """A bug: the full story is in the log; the screen gets one Chinese line."""
    message: str
    kind: str = ""
    trace: str = ""


Outcome = Ok | Refused | Failed


def outcome_of(fn: Callable[[], Any]) -> Outcome:
    """Run ``fn`` and turn what happened into a plain value; the exception object and its
    frames are dropped here, on the thread that ran it."""
    try:
        return Ok(fn())
    except ClerkError as exc:
        log.info("refused: %s", exc.one_line())
        kinds = tuple(c.__name__ for c in type(exc).__mro__ if issubclass(c, ClerkError))
        details = {k: v for k, v in exc.details.items()}
        return Refused(type(exc).__name__, exc.message, exc.english, details, kinds)
    except Exception as exc:  # a bug: logged in full, shown as one line
        log.error("background work failed", exc_info=exc)
        trace = "".join(traceback.format_exception(exc))
        return Failed(f"操作失败：{exc}", type(exc).__name__, trace)


# ------------------------------------------------------------------ the worker side (no Qt)
class _Core:
    """What worker threads may touch: the work functions (borrowed), the finished outcomes and
    the wake-up. Pure Python; every field is guarded by ``lock``."""

    def __init__(self, wake: Callable[[int], None]) -> None:
        self.lock = threading.Lock()
        self.work: dict[int, Callable[[], Any]] = {}
        self.done: dict[int, Outcome] = {}
        self.wake: Callable[[int], None] | None = wake
        self.ids = itertools.count(1)

    def execute(self, job_id: int) -> None:
        with self.lock:
            fn = self.work.get(job_id)
        if fn is None:          # cancelled before it started
            return
        outcome = outcome_of(fn)
        fn = None
        self.finish(job_id, outcome)

    def finish(self, job_id: int, outcome: Outcome) -> None:
        with self.lock:
            self.done[job_id] = outcome
            wake = self.wake
        del outcome
        if wake is not None:
            wake(job_id)


class _Lane:
    """``n`` worker threads taking job ids from one queue."""

    def __init__(self, core: _Core, name: str, n: int) -> None:
        self.core = core
        self.queue: queue_mod.SimpleQueue[int | None] = queue_mod.SimpleQueue()
        self.threads = [threading.Thread(target=self._loop, name=f"{name}-{i}", daemon=True) for i in range(n)]
        for t in self.threads:
            t.start()

    def _loop(self) -> None:
        while True:
            job_id = self.queue.get()
            if job_id is None:
                return
            self.core.execute(job_id)

    def submit(self, job_id: int) -> None:
        self.queue.put(job_id)

    def stop(self, wait: bool = True) -> None:
        for _ in self.threads:
            self.queue.put(None)
        if wait:
            for t in self.threads:
                if t is not threading.current_thread():
                    t.join()


class Post:
    """A thread-safe callable handed to device drivers (or sync): ``post(value)`` delivers
    ``value`` to its callback on the GUI thread. It holds no widget, only the channel number."""

    def __init__(self, core: _Core, channel: int) -> None:
        self._core = core
        self.channel = channel
        self.closed = False

    def __call__(self, value: Any = None) -> None:
        if self.closed:
            return
        core = self._core
        event = -next(core.ids)   # stream events have negative ids
        with core.lock:
            core.work[event] = _channel_marker(self.channel)
        core.finish(event, Ok(value))

    def close(self) -> None:
        self.closed = True


class _ChannelMarker:
    __slots__ = ("channel",)

    def __init__(self, channel: int) -> None:
        self.channel = channel

    def __call__(self) -> None:  # never run: only marks which channel an event belongs to
        return None


def _channel_marker(channel: int) -> _ChannelMarker:
    return _ChannelMarker(channel)


# ------------------------------------------------------------------ the GUI side
@dataclass
class _Job:
    on_done: Callable[[Any], None] | None
    on_error: Callable[[str], None] | None
    on_problem: Callable[[Refused | Failed], None] | None
    owner: QObject | None
    key: str = ""   # the line it runs in (run(serial=), run_latest), if any
    gen: int = 0    # run_latest: its request's number; older ones are not delivered


def find_owner(*callbacks: Any) -> QObject | None:
    """The view a callback belongs to: the QObject it is bound to, or the first QObject its
    default arguments or closure hold (``lambda r: self.show(r)`` → ``self``)."""
    for cb in callbacks:
        if cb is None:
            continue
        bound = getattr(cb, "__self__", None)
        if isinstance(bound, QObject):
            return bound
        held: list[Any] = list(getattr(cb, "__defaults__", None) or ())
        held += list((getattr(cb, "__kwdefaults__", None) or {}).values())
        for cell in getattr(cb, "__closure__", None) or ():
            try:
                held.append(cell.cell_contents)
            except ValueError:   # an empty cell
                continue
        for value in held:
            if isinstance(value, QObject):
                return value
    return None


def alive(owner: QObject | None) -> bool:
    return owner is None or shiboken6.isValid(owner)


class Ops(QObject):
    error = Signal(str)          # a failure nobody asked to handle: Chinese text for the status bar
    _ready = Signal(int)         # job id; queued to the GUI thread

    def __init__(self, workers: int = 2, parent: QObject | None = None, *, device_worker: Any = None) -> None:
        super().__init__(parent)
        self._ready.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._core = _Core(self._ready.emit)
        self._db = _Lane(self._core, "clerk-db", workers)
        self._device_worker = device_worker
        self._own_device = device_worker is None
        self._jobs: dict[int, _Job] = {}
        self._channels: dict[int, tuple[Callable[[Any], None], QObject | None, Post]] = {}
        # key → jobs waiting behind the one of that key now running (run(serial=), run_latest)
        self._lines: dict[str, deque[tuple[Callable[[], Any], _Job, str]]] = {}
        self._gens: dict[str, int] = {}  # run_latest: the newest request of each key
        self.pending = 0
        self.closed = False
        self.delivered = 0       # callbacks run (for the stress test and the bench)
        self.dropped = 0         # results whose view was gone

    # ---------------------------------------------------------------- devices
    @property
    def device_worker(self) -> Any:
        """The one device thread (``devices.worker.DeviceWorker``), made on first use when the
        composition root did not give one."""
        if self._device_worker is None:
            from devices.worker import DeviceWorker

            self._device_worker = DeviceWorker()
        return self._device_worker

    # ---------------------------------------------------------------- jobs
    def run(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[str], None] | None = None, *, owner: QObject | None = None,
            on_problem: Callable[[Refused | Failed], None] | None = None, lane: str = "db",
            serial: str = "") -> int | None:
        """``fn`` on a worker, its outcome to the callbacks on the GUI thread. Jobs of one
        ``serial`` key (e.g. ``"case:12"``: the changes one screen makes to one case) run in that
        key's line: one after another in the order asked, each started once the one before it
        was delivered — so their results arrive in that order, and the last one shown is the
        newest state (two workers could otherwise finish an older change last and redraw over a
        newer one). The id of a job waiting its turn is not known yet: ``None`` is returned."""
        if self.closed:  # the app is closing: timers may still fire once; nothing new starts
            return None
        owner = owner if owner is not None else find_owner(on_done, on_error, on_problem)
        job = _Job(on_done, on_error, on_problem, owner, serial)
        if not serial:
            return self._submit(fn, job, lane)
        return self._in_line(fn, job, lane)

    def _in_line(self, fn: Callable[[], Any], job: _Job, lane: str, *, replace: bool = False) -> int | None:
        """``job`` into its key's line: started now if none of the key runs, else it waits
        (``replace``: in place of those waiting, which never run)."""
        waiting = self._lines.get(job.key)
        if waiting is None:
            self._lines[job.key] = deque()
            return self._start_in_line(fn, job, lane)
        if replace:
            self.pending -= len(waiting)
            waiting.clear()
        waiting.append((fn, job, lane))
        self.pending += 1  # waiting its turn counts as pending work
        return None

    def _start_in_line(self, fn: Callable[[], Any], job: _Job, lane: str) -> int | None:
        job_id = self._submit(fn, job, lane)
        if job_id is None:  # could not start (the device thread is gone): the next one may
            self._line_finished(job.key)
        return job_id

    def _line_finished(self, key: str) -> None:
        """A job of the line ``key`` was delivered: start the next one waiting, or end the line."""
        waiting = self._lines.get(key)
        if not waiting:
            self._lines.pop(key, None)
            return
        fn, job, lane = waiting.popleft()
        self.pending -= 1
        if self.closed:
            self._lines.pop(key, None)
            return
        self._start_in_line(fn, job, lane)

    def device(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
               on_error: Callable[[str], None] | None = None, *, owner: QObject | None = None,
               on_problem: Callable[[Refused | Failed], None] | None = None) -> int | None:
        return self.run(fn, on_done, on_error, owner=owner, on_problem=on_problem, lane="device")

    def _submit(self, fn: Callable[[], Any], job: _Job, lane: str) -> int | None:
        core = self._core
        job_id = next(core.ids)
        with core.lock:
            core.work[job_id] = fn
        self._jobs[job_id] = job
        self.pending += 1
        if lane == "device":
            try:
                self.device_worker.submit(core.execute, job_id)   # the work item holds an int only
            except RuntimeError:  # the device thread is shut down: nothing will run it
                self._jobs.pop(job_id, None)
                self.pending -= 1
                with core.lock:
                    dropped = core.work.pop(job_id, None)
                del dropped
                return None
        else:
            self._db.submit(job_id)
        return job_id

    def run_latest(self, key: str, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
                   on_error: Callable[[str], None] | None = None, *, owner: QObject | None = None,
                   lane: str = "db") -> None:
        """Work whose newest request replaces the older ones (a search as it is typed, the guide
        of the chosen situation): the line of ``key`` as in ``run(serial=key)``, but a waiting
        request is replaced by a newer one (dropped unrun, without holding a worker) and only
        the newest request's result or error is delivered — an older answer arriving late
        never overwrites a newer one. A key is used one way or the other, not both."""
        if self.closed:
            return
        gen = self._gens[key] = self._gens.get(key, 0) + 1
        owner = owner if owner is not None else find_owner(on_done, on_error)
        self._in_line(fn, _Job(on_done, on_error, None, owner, key, gen), lane, replace=True)

    # ---------------------------------------------------------------- streams
    def stream(self, callback: Callable[[Any], None], *, owner: QObject | None = None) -> Post:
        channel = next(self._core.ids)
        post = Post(self._core, channel)
        self._channels[channel] = (callback, owner if owner is not None else find_owner(callback), post)
        return post

    # ---------------------------------------------------------------- delivery (GUI thread)
    @Slot(int)
    def _deliver(self, job_id: int) -> None:
        core = self._core
        with core.lock:
            outcome = core.done.pop(job_id, None)
            fn = core.work.pop(job_id, None)
        channel = fn.channel if isinstance(fn, _ChannelMarker) else None
        del fn  # the work function (and whatever it captured) dies here, on the GUI thread
        if outcome is None:
            return
        if channel is not None:
            return self._deliver_event(channel, outcome)
        job = self._jobs.pop(job_id, None)
        if job is None:
            return
        self.pending -= 1
        if job.key:
            self._line_finished(job.key)
            if job.gen and job.gen != self._gens[job.key]:
                return  # a newer request of this key came meanwhile: this answer is stale
        if not alive(job.owner):
            self.dropped += 1
            log.debug("result for a closed view dropped (job %d)", job_id)
            return
        self.delivered += 1
        if isinstance(outcome, Ok):
            if job.on_done is not None:
                job.on_done(outcome.value)
            return
        if job.on_problem is not None:
            job.on_problem(outcome)
        if job.on_error is not None:
            job.on_error(outcome.message)
        elif job.on_problem is None:
            self.error.emit(outcome.message)

    def _deliver_event(self, channel: int, outcome: Outcome) -> None:
        entry = self._channels.get(channel)
        if entry is None or not isinstance(outcome, Ok):
            return
        callback, owner, post = entry
        if not alive(owner):
            post.close()
            del self._channels[channel]
            self.dropped += 1
            return
        self.delivered += 1
        callback(outcome.value)

    # ---------------------------------------------------------------- shutdown
    def shutdown(self, wait: bool = True) -> None:
        self.closed = True
        self._db.stop(wait)
        if self._own_device and self._device_worker is not None:
            self._device_worker.shutdown(wait)
        with self._core.lock:
            self._core.wake = None
            dropped = list(self._core.work.values())
            self._core.work.clear()
            self._core.done.clear()
        del dropped  # unrun work dies here, on the GUI thread
        for _callback, _owner, post in self._channels.values():
            post.close()
        self._channels.clear()
        self._jobs.clear()
        self._lines.clear()
        self.pending = 0
