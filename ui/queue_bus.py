"""The in-process call bus: a call made at this window reaches the voice and the hall display at
once, without waiting for the display's next database poll.

One rule: the bus announces a call exactly once; a ``HallDisplay`` listening to the bus marks the
call as heard so its own poll does not announce it again.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from .queue_panel import QueuePanel
    from .voice import VoiceCaller


class QueueBus(QObject):
    called = Signal(str, int)  # ticket display, window number

    def __init__(self, voice: VoiceCaller | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.voice = voice

    def attach(self, panel: QueuePanel) -> None:
        """Every call and recall the panel makes is published here."""
        panel.called.connect(self.publish)

    def publish(self, display: str, window: int) -> None:
        if self.voice is not None:
            self.voice.announce(display, window)
        self.called.emit(display, window)
