"""Voice calling: the announced sentence, the engine without a Chinese voice falling back to the
chime (never reading Chinese with an English voice), and the chime file itself."""
from __future__ import annotations

import wave

import pytest

import ui.voice
from ui.voice import VoiceCaller, audio_problem, call_text, chime_wav

# Qt's mock speech engine needs Qt Multimedia, which links libpulse.so.0; a machine without it
# runs the silent-fallback tests below instead (for real, not faked).
needs_audio = pytest.mark.skipif(bool(audio_problem()),
                                 reason=f"Qt Multimedia cannot load here: {audio_problem()}")


@pytest.fixture(autouse=True)
def close_callers(qtbot, monkeypatch):
    """Every VoiceCaller made in a test is stopped and its engine idle before the next test: an
    engine garbage-collected mid-sentence crashes the mock plug-in's timers later."""
    made: list[VoiceCaller] = []
    original = VoiceCaller.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        made.append(self)
    monkeypatch.setattr(VoiceCaller, "__init__", init)
    yield
    for caller in made:
        caller.close()
        if caller.tts is not None:
            from PySide6.QtTextToSpeech import QTextToSpeech

            qtbot.waitUntil(lambda c=caller: c.tts.state() != QTextToSpeech.State.Speaking, timeout=5000)


def test_call_text_reads_the_ticket_character_by_character():
    assert call_text("A023", 5) == "请 A 0 2 3 号到 5 号窗口办理"


@needs_audio
def test_engine_without_chinese_voice_uses_the_chime(qtbot):
    caller = VoiceCaller(engine="mock")
    spoken = []
    caller.spoken.connect(spoken.append)
    text = caller.announce("B007", 12)
    assert spoken == [text] == ["请 B 0 0 7 号到 12 号窗口办理"]
    assert caller.mode == "chime"  # the mock engine only has en/nb/fi voices


def test_chime_is_a_valid_wave_file(tmp_path):
    path = chime_wav(tmp_path / "chime.wav")
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 22050)
        assert 0.5 < w.getnframes() / w.getframerate() < 0.7


@needs_audio
def test_fallback_reason_is_readable_and_signalled_after_construction(qtbot):
    """The reason is known at once (property) and the signal still reaches a listener that was
    connected after the constructor returned."""
    caller = VoiceCaller(engine="mock")
    assert caller.mode == "chime" and "没有中文语音" in caller.fallback_reason
    got = []
    caller.fallback.connect(got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    assert got == [caller.fallback_reason]


def _speaking_mock(monkeypatch) -> VoiceCaller:
    """The mock engine made to count as a Chinese-capable engine, so ``say`` really runs."""
    monkeypatch.setattr(VoiceCaller, "_pick_chinese_voice", lambda self: None)
    caller = VoiceCaller(engine="mock")
    assert caller.speaks and caller.mode == "mock" and caller.fallback_reason == ""
    return caller


@needs_audio
def test_engine_error_while_speaking_plays_the_chime_and_reports_it(qtbot, monkeypatch):
    from PySide6.QtTextToSpeech import QTextToSpeech

    caller = _speaking_mock(monkeypatch)
    chimes, reasons = [], []
    monkeypatch.setattr(caller, "_play_chime", lambda: chimes.append(1))
    caller.fallback.connect(reasons.append)
    caller.announce("A001", 1)
    assert chimes == [] and caller.tts.state() == QTextToSpeech.State.Speaking
    # What a speech-dispatcher/SAPI engine does when its audio output dies mid-sentence.
    caller.tts.stateChanged.emit(QTextToSpeech.State.Error)
    assert chimes == [1]
    assert reasons == [caller.fallback_reason] and "语音播报出错" in reasons[0]
    assert caller.mode == "chime" and not caller.speaks
    caller.announce("A002", 2)   # later calls go straight to the chime
    assert chimes == [1, 1] and len(reasons) == 1


@needs_audio
def test_a_working_engine_speaks_without_fallback(qtbot, monkeypatch):
    from PySide6.QtTextToSpeech import QTextToSpeech

    caller = _speaking_mock(monkeypatch)
    reasons = []
    caller.fallback.connect(reasons.append)
    chimes = []
    monkeypatch.setattr(caller, "_play_chime", lambda: chimes.append(1))
    caller.announce("A001", 1)
    # Speaking, no chime, no fallback. (Not waited to the end: Qt's mock engine speaks on timers
    # that have crashed a loaded test run; close_callers stops it.)
    assert caller.tts.state() == QTextToSpeech.State.Speaking
    assert reasons == [] and chimes == [] and caller.speaks


@needs_audio
def test_chime_is_counted_without_audio_and_set_up_with_it(qtbot, monkeypatch):
    caller = VoiceCaller(engine="mock")  # no Chinese voice: the chime
    caller.announce("A001", 1)
    assert caller.chimes == 1 and caller._effect is None  # CLERK_NO_AUDIO=1 (tests/conftest.py)
    monkeypatch.setenv("CLERK_NO_AUDIO", "0")
    caller.announce("A002", 1)
    assert caller.chimes == 2 and caller._effect is not None
    assert caller._effect.source().toLocalFile().endswith("clerk-chime.wav")
    caller.close()  # stopped before it goes away


LIBPULSE_MISSING = "libpulse.so.0: cannot open shared object file: No such file or directory"


@pytest.fixture
def no_sound_library(monkeypatch):
    """This machine as it is when it lacks libpulse; elsewhere the loader's answer is replaced."""
    if not audio_problem():
        monkeypatch.setattr(ui.voice, "_audio_problem", [LIBPULSE_MISSING])
    return audio_problem()


def test_without_the_sound_library_calls_are_silent_and_say_why(qtbot, no_sound_library, monkeypatch):
    caller = VoiceCaller()
    assert caller.silent and not caller.speaks and caller.tts is None
    if "libpulse" in no_sound_library:
        assert "libpulse.so.0" in caller.fallback_reason and "libpulse0" in caller.fallback_reason
    assert "叫号屏" in caller.fallback_reason
    got, spoken = [], []
    caller.fallback.connect(got.append)
    caller.spoken.connect(spoken.append)
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    assert got == [caller.fallback_reason]
    monkeypatch.setenv("CLERK_NO_AUDIO", "0")   # even with audio wanted, nothing is loaded
    text = caller.announce("A001", 3)
    assert text == "请 A 0 0 1 号到 3 号窗口办理" and spoken == [text]   # the display still shows it
    assert caller._effect is None
    caller.close()
