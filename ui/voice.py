"""Voice calling: "请 A023 号到 5 号窗口办理" through Qt TextToSpeech, a chime when no engine
or no Chinese voice is available (the hall display still shows the call).

Engine choice: the configured one, else the platform's (SAPI/WinRT on Windows, speechd on
Linux). espeak-ng reports its Mandarin voice under locale ``C``, so voices are picked by name
as well as by locale (shared/DEVICES.md §4.3).

Why the chime is used is always readable as ``fallback_reason`` ("" while speech works) and is
also sent as ``fallback`` — from the event loop, so a listener connected right after the
constructor gets it. An engine that fails while speaking (state ``Error``) gets the chime for
that call and every later one, and says so through ``fallback``.

A machine without the sound library Qt Multimedia links against (libpulse.so.0: no PulseAudio
or PipeWire client installed) can neither speak nor play the chime: the caller is then
``silent`` — calls still show on the hall display — and ``fallback_reason`` names the missing
library and the package that provides it (shown in 设置 and by ``clerk doctor``).
"""
from __future__ import annotations

import math
import os
import struct
import tempfile
import wave
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, QUrl, Signal

_audio_problem: list[str] = []


def audio_problem() -> str:
    """"" when Qt Multimedia loads on this machine; else the loader's message (once per process).

    Qt TextToSpeech and the chime (QSoundEffect) both need libQt6Multimedia, which links
    libpulse.so.0: without it neither speech nor chime is possible."""
    if not _audio_problem:
        try:
            import PySide6.QtMultimedia  # noqa: F401
        except ImportError as exc:
            _audio_problem.append(str(exc) or type(exc).__name__)
        else:
            _audio_problem.append("")
    return _audio_problem[0]


def silent_reason(problem: str) -> str:
    """The 设置 text for a machine where Qt Multimedia cannot load."""
    lib = problem.split(":", 1)[0].strip() if ".so" in problem else "Qt Multimedia"
    hint = "（Debian/UOS/麒麟：安装 libpulse0 后重启程序）" if "libpulse" in problem else ""
    return f"本机缺少声音库 {lib}，不能语音播报，也不能播放提示音；叫号只显示在叫号屏{hint}"


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
    fallback = Signal(str)    # why the chime is used instead of speech (also ``fallback_reason``)

    def __init__(self, engine: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tts = None
        self.mode = "chime"
        self.engine = ""
        self._fallback_reason = ""
        self._chime_path: Path | None = None
        self._effect = None
        self.chimes = 0  # how many times the chime was asked for
        self._watching = False
        problem = audio_problem()
        if problem:
            self.mode = "silent"
            self._fallback_reason = silent_reason(problem)
            QTimer.singleShot(0, self, lambda: self.fallback.emit(self._fallback_reason))
            return
        try:
            from PySide6.QtTextToSpeech import QTextToSpeech

            engines = QTextToSpeech.availableEngines()
            chosen = engine if engine in engines else next((e for e in engines if e != "mock"), None)
            if chosen:
                self.engine = chosen
                self.tts = QTextToSpeech(chosen, self)
                self.mode = chosen
                if self.tts.state() == QTextToSpeech.State.Error:  # the plug-in did not load
                    detail = self.tts.errorString() or "插件无法加载"
                    self._use_chime(f"语音引擎 {chosen} 不可用（{detail}），改用提示音")
                else:
                    self._pick_chinese_voice()  # may fall back to "chime"
                    self.tts.stateChanged.connect(self._on_state)
                    self._watching = True
            else:
                self._use_chime("本机没有可用的语音引擎，改用提示音")
        except ImportError as exc:  # Addons missing or libpulse absent
            self._use_chime(f"语音模块不可用（{exc}），改用提示音")
        if self._fallback_reason:
            # Nobody can have connected yet: deliver once the event loop runs.
            QTimer.singleShot(0, self, lambda: self.fallback.emit(self._fallback_reason))

    @property
    def fallback_reason(self) -> str:
        """Why calls are announced with the chime; "" while speech works."""
        return self._fallback_reason

    @property
    def speaks(self) -> bool:
        return self.tts is not None and self.mode not in ("chime", "silent")

    @property
    def silent(self) -> bool:
        """No sound at all on this machine (Qt Multimedia cannot load)."""
        return self.mode == "silent"

    def _use_chime(self, reason: str) -> None:
        self.mode = "chime"
        self._fallback_reason = reason

    def _on_state(self, state: object) -> None:
        """An engine that loaded can still fail while speaking (audio device gone, synthesizer
        crashed): the hall must still hear something, so the chime plays and stays."""
        from PySide6.QtTextToSpeech import QTextToSpeech

        if state != QTextToSpeech.State.Error or self.mode == "chime":
            return
        detail = (self.tts.errorString() if self.tts is not None else "") or "引擎报告错误"
        self._use_chime(f"语音播报出错（{detail}），已改用提示音")
        self._play_chime()
        self.fallback.emit(self._fallback_reason)

    def _pick_chinese_voice(self) -> None:
        assert self.tts is not None
        for voice in self.tts.availableVoices():
            name = voice.name().lower()
            if voice.locale().name().startswith("zh") or "chinese" in name or "mandarin" in name or "cmn" in name:
                self.tts.setVoice(voice)
                return
        # an engine without a Chinese voice would read gibberish
        self._use_chime(f"语音引擎 {self.engine} 没有中文语音，改用提示音")

    def announce(self, ticket: str, window: int) -> str:
        text = call_text(ticket, window)
        if self.speaks:
            from PySide6.QtTextToSpeech import QTextToSpeech

            assert self.tts is not None
            self.tts.say(text)
            if self.tts.state() == QTextToSpeech.State.Error:  # failed at once, maybe without a signal
                self._on_state(QTextToSpeech.State.Error)
        else:
            self._play_chime()
        self.spoken.emit(text)
        return text

    def close(self) -> None:
        """Stop speaking before the engine goes away (an engine deleted mid-sentence may still
        have its timers running — the mock engine crashes on that)."""
        if self.tts is not None:
            if self._watching:
                self.tts.stateChanged.disconnect(self._on_state)
                self._watching = False
            self.tts.stop()
        if self._effect is not None:
            self._effect.stop()

    def _play_chime(self) -> None:
        self.chimes += 1
        if self.silent:
            return
        if os.environ.get("CLERK_NO_AUDIO") == "1":  # tests, headless machines: counted, not played
            return
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
