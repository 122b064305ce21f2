"""Voice calling: "请 A023 号到 5 号窗口办理" through Qt TextToSpeech, a chime when no engine
or no Chinese voice is available (the hall display still shows the call).

Engine choice: the configured one, else the platform's (SAPI/WinRT on Windows, speechd on
Linux). espeak-ng reports its Mandarin voice under locale ``C``, so voices are picked by name
as well as by locale (shared/DEVICES.md §4.3).
"""
from __future__ import annotations

import math
import struct
import tempfile
import wave
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Signal


def call_text(ticket: str, window: int) -> str:
    spaced = " ".join(ticket)  # letters and digits read one by one: "A 0 2 3"
    return f"请 {spaced} 号到 {window} 号窗口办理"


def chime_wav(path: Path) -> Path:
    """A two-tone chime written once (no binary asset in the repository)."""
    rate = 22050
    frames = bytearray()
    for freq, dur in ((880.0, 0.25), (660.0, 0.35)):
        n = int(rate * dur)
        for i in range(n):
            env = min(1.0, i / 400) * max(0.0, 1 - i / n)
            frames += struct.pack("<h", int(12000 * env * math.sin(2 * math.pi * freq * i / rate)))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))
    return path


class VoiceCaller(QObject):
    spoken = Signal(str)      # the text that was announced (also shown on the hall display)
    fallback = Signal(str)    # why the chime was used instead of speech

    def __init__(self, engine: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tts = None
        self.mode = "chime"
        try:
            from PySide6.QtTextToSpeech import QTextToSpeech

            engines = QTextToSpeech.availableEngines()
            chosen = engine if engine in engines else next((e for e in engines if e != "mock"), None)
            if chosen:
                self.tts = QTextToSpeech(chosen, self)
                self.mode = chosen
                if self.tts.state() == QTextToSpeech.State.Error:  # the plug-in did not load
                    self.mode = "chime"
                else:
                    self._pick_chinese_voice()  # may fall back to "chime"
        except ImportError as exc:  # Addons missing or libpulse absent
            self.fallback.emit(f"语音模块不可用（{exc}），改用提示音")
        self._chime_path: Path | None = None
        self._effect = None

    def _pick_chinese_voice(self) -> None:
        assert self.tts is not None
        for voice in self.tts.availableVoices():
            name = voice.name().lower()
            if voice.locale().name().startswith("zh") or "chinese" in name or "mandarin" in name or "cmn" in name:
                self.tts.setVoice(voice)
                return
        self.mode = "chime"  # an engine without a Chinese voice would read gibberish

    def announce(self, ticket: str, window: int) -> str:
        text = call_text(ticket, window)
        if self.tts is not None and self.mode != "chime":
            self.tts.say(text)
        else:
            self._play_chime()
        self.spoken.emit(text)
        return text

    def _play_chime(self) -> None:
        try:
            from PySide6.QtMultimedia import QSoundEffect
        except ImportError:
            return
        if self._chime_path is None:
            self._chime_path = chime_wav(Path(tempfile.gettempdir()) / "clerk-chime.wav")
            self._effect = QSoundEffect(self)
            self._effect.setSource(QUrl.fromLocalFile(str(self._chime_path)))
        if self._effect is not None:
            self._effect.play()
