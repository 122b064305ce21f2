"""The keyboard-wedge barcode gun, app-wide: ``WedgeFilter`` is an event filter on the
QApplication that feeds key presses into ``devices.barcode.WedgeDetector`` and emits
``scanned(code)`` when a fast burst ending in Enter was a scan.

The one rule: a person's typing reaches its widget unchanged and in order. Keys are held only
while they may be the start of a burst; when the detector hands them back as text they are
re-sent to the widget they were typed into, before the key that revealed it — and a scanned
code the app does not act on (``accept`` says no) is re-sent too, so the gun still types into
ordinary fields.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from clerk.numbering import parse_case_number
from devices.barcode import WedgeDetector, WedgeEvent

MIN_LENGTH = 6          # shorter bursts are ordinary fast typing (a two-key roll-over, "的")
MAX_GAP_MS = 30.0       # guns send a key every 1–10 ms; people need 80 ms or more
CONTROL = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier


def looks_like_case_number(code: str) -> bool:
    return parse_case_number(code) is not None


def monotonic_ms() -> float:
    return time.monotonic() * 1000.0


@dataclass
class _Held:
    receiver: QWidget
    press: QKeyEvent
    releases: list[QKeyEvent] = field(default_factory=list)   # its key-up, while the press is held


def _copy(ev: QKeyEvent) -> QKeyEvent:
    return QKeyEvent(ev.type(), ev.key(), ev.modifiers(), ev.nativeScanCode(), ev.nativeVirtualKey(),
                     ev.nativeModifiers(), ev.text(), ev.isAutoRepeat(), ev.count())


class WedgeFilter(QObject):
    scanned = Signal(str)

    def __init__(self, parent: QObject | None = None, *, clock: Callable[[], float] = monotonic_ms,
                 accept: Callable[[str], bool] = looks_like_case_number, min_length: int = MIN_LENGTH,
                 max_gap_ms: float = MAX_GAP_MS) -> None:
        super().__init__(parent)
        self.clock = clock          # ms; tests inject a controllable one
        self.accept = accept        # codes the app acts on are swallowed; others are typed
        self.detector = WedgeDetector(min_length, max_gap_ms)
        self._held: list[_Held] = []
        self._replaying = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(int(max_gap_ms) + 5)
        self._timer.timeout.connect(self.flush)

    def install(self, app: QApplication | None = None) -> WedgeFilter:
        (app or QApplication.instance()).installEventFilter(self)
        return self

    # ----------------------------------------------------------------- the filter
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if self._replaying or event.type() not in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            return False
        if not self._first_receiver(obj):
            return False   # the same event propagating to a parent, or one sent to a window
        assert isinstance(event, QKeyEvent)
        if event.type() == QEvent.Type.KeyRelease:
            return self._release(obj, event)
        return self._press(obj, event)  # type: ignore[arg-type]

    @staticmethod
    def _first_receiver(obj: QObject) -> bool:
        """Key events go first to the focus widget (or the window when nothing has focus)."""
        if not obj.isWidgetType():
            return False
        focus = QApplication.focusWidget()
        return obj is focus or (focus is None and obj.isWindow())  # type: ignore[attr-defined]

    def _release(self, obj: QObject, event: QKeyEvent) -> bool:
        for held in reversed(self._held):
            if held.receiver is obj and held.press.key() == event.key():
                held.releases.append(_copy(event))   # a key-up must not arrive before its key-down
                return True
        return False

    def _press(self, obj: QWidget, event: QKeyEvent) -> bool:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            char = "\r"
        elif event.modifiers() & CONTROL or len(event.text()) != 1:
            char = "\x00"   # shortcuts, arrows, input-method text: never part of a code
        else:
            char = event.text()
        self._held.append(_Held(obj, _copy(event)))
        outcome = self._apply(self.detector.feed(char, self.clock()), filtering=True)
        if self._held:
            self._timer.start()
        return outcome

    def flush(self) -> None:
        """Timer tick: hand back keys once the burst has clearly stopped."""
        self._apply(self.detector.flush(self.clock()), filtering=False)
        if self._held:
            self._timer.start()   # an injected clock that has not moved yet: look again later

    # ----------------------------------------------------------------- outcomes
    def _apply(self, events: list[WedgeEvent], *, filtering: bool) -> bool:
        """Replay or drop held keys as the detector decided. While ``filtering`` a key, returns
        whether that key must be swallowed: False when it was handed back last, so it goes on
        as it came."""
        swallow = True
        for ev in events:
            if ev.kind == "text":
                taken, self._held = self._held[:len(ev.text)], self._held[len(ev.text):]
                if filtering and taken and not self._held and ev is events[-1]:
                    # The newest key is the one being filtered now: let Qt deliver the original.
                    self._replay(taken[:-1])
                    swallow = False
                else:
                    self._replay(taken)
            else:
                taken, self._held = self._held[:len(ev.text) + 1], self._held[len(ev.text) + 1:]
                self.scanned.emit(ev.text)
                if not self.accept(ev.text):
                    self._replay(taken)
        return swallow

    def _replay(self, keys: list[_Held]) -> None:
        self._replaying = True
        try:
            for held in keys:
                if not shiboken6.isValid(held.receiver):
                    continue   # the widget closed in the few ms the key was held
                QApplication.sendEvent(held.receiver, held.press)
                for release in held.releases:
                    QApplication.sendEvent(held.receiver, release)
        finally:
            self._replaying = False
