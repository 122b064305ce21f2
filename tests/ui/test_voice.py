"""Voice calling: the announced sentence, the engine without a Chinese voice falling back to the
chime (never reading Chinese with an English voice), and the chime file itself."""
from __future__ import annotations

import wave

from ui.voice import VoiceCaller, call_text, chime_wav


def test_call_text_reads_the_ticket_character_by_character():
    assert call_text("A023", 5) == "请 A 0 2 3 号到 5 号窗口办理"


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
