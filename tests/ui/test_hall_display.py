"""The hall call screen on a real SQLite hall: calls from any window appear within a poll and
are announced once each (recalls too); calls on the in-process bus appear at once and are not
announced twice."""
from __future__ import annotations

import pytest

from clerk import queue
from ui.hall_display import HallDisplay
from ui.queue_bus import QueueBus
from ui.voice import VoiceCaller

HALL = "33022501"


class Spoken:
    def __init__(self, voice: VoiceCaller) -> None:
        self.texts: list[str] = []
        voice.spoken.connect(self.texts.append)


@pytest.fixture(scope="session")
def session_voice(qapp):
    # One caller for the session: the mock engine has no Chinese voice, so calls play the chime,
    # and a QSoundEffect destroyed while it still loads its file crashes Qt Multimedia.
    return VoiceCaller("mock")


@pytest.fixture
def voice(session_voice):
    yield session_voice
    session_voice.spoken.disconnect()


def poll(qtbot, display, ctx, wait_tasks):
    """One full poll, as the 1 s timer would do."""
    wait_tasks(ctx)
    display.poll()
    wait_tasks(ctx)


def make(qtbot, ctx, wait_tasks, **kw) -> HallDisplay:
    d = HallDisplay(ctx, "象山县行政服务中心", poll_ms=60_000, **kw)  # the test drives the polls
    qtbot.addWidget(d)
    d.resize(1280, 800)
    d.show()
    wait_tasks(ctx)
    return d


def test_a_call_in_the_database_is_shown_and_announced_once(qtbot, ui_ctx, wait_tasks, voice):
    spoken = Spoken(voice)
    for _ in range(3):
        queue.take_ticket(ui_ctx.db, HALL, "ZH")
    queue.take_ticket(ui_ctx.db, HALL, "GA")
    d = make(qtbot, ui_ctx, wait_tasks, voice=voice)
    assert d.number.text() == "—"
    assert d.zone_labels["ZH"].text() == "综合　3 人"

    z1 = queue.call_next(ui_ctx.db, HALL, 3, "pc-3")  # window 3 serves 商事登记 then 综合
    assert z1 is not None and z1.display == "Z001"
    poll(qtbot, d, ui_ctx, wait_tasks)
    assert d.number.text() == "Z001"
    assert d.window_label.text() == "请到 3 号窗口"
    assert spoken.texts == ["请 Z 0 0 1 号到 3 号窗口办理"]
    assert d.zone_labels["ZH"].text() == "综合　2 人"

    poll(qtbot, d, ui_ctx, wait_tasks)
    assert len(spoken.texts) == 1  # nothing new: not announced again

    queue.call_next(ui_ctx.db, HALL, 7, "pc-7")   # window 7: 公安服务 first
    queue.call_next(ui_ctx.db, HALL, 1, "pc-1")
    poll(qtbot, d, ui_ctx, wait_tasks)
    assert spoken.texts[1:] == ["请 E 0 0 1 号到 7 号窗口办理", "请 Z 0 0 2 号到 1 号窗口办理"]
    assert d.number.text() == "Z002"
    assert d.recent_texts() == ["E001 → 7 号窗口", "Z001 → 3 号窗口"]

    queue.recall(ui_ctx.db, z1.id, "pc-3")
    poll(qtbot, d, ui_ctx, wait_tasks)
    assert spoken.texts[3:] == ["请 Z 0 0 1 号到 3 号窗口办理"]
    assert d.number.text() == "Z001"


def test_calls_made_before_the_display_started_are_shown_not_announced(qtbot, ui_ctx, wait_tasks, voice):
    spoken = Spoken(voice)
    queue.take_ticket(ui_ctx.db, HALL, "SS")
    queue.call_next(ui_ctx.db, HALL, 2, "pc-2")
    d = make(qtbot, ui_ctx, wait_tasks, voice=voice)
    assert d.number.text() == "A001" and d.window_label.text() == "请到 2 号窗口"
    assert spoken.texts == []


def test_bus_call_shows_at_once_and_the_poll_does_not_repeat_it(qtbot, ui_ctx, wait_tasks, voice):
    spoken = Spoken(voice)
    bus = QueueBus(voice)
    d = make(qtbot, ui_ctx, wait_tasks, voice=voice, bus=bus)
    queue.take_ticket(ui_ctx.db, HALL, "ZH")
    t = queue.call_next(ui_ctx.db, HALL, 1, "pc-1")
    assert t is not None
    bus.publish(t.display, 1)
    assert d.number.text() == "Z001"  # before any poll
    assert spoken.texts == ["请 Z 0 0 1 号到 1 号窗口办理"]
    poll(qtbot, d, ui_ctx, wait_tasks)
    assert spoken.texts == ["请 Z 0 0 1 号到 1 号窗口办理"]


def test_panel_call_reaches_bus_voice_and_display(qtbot, ui_ctx, wait_tasks, voice):
    from PySide6.QtCore import Qt

    from ui.queue_panel import QueuePanel

    spoken = Spoken(voice)
    bus = QueueBus(voice)
    d = make(qtbot, ui_ctx, wait_tasks, bus=bus)  # same process: the bus speaks
    panel = QueuePanel(ui_ctx)
    qtbot.addWidget(panel)
    bus.attach(panel)
    queue.take_ticket(ui_ctx.db, HALL, "YB")
    qtbot.mouseClick(panel.buttons["next"], Qt.MouseButton.LeftButton)
    wait_tasks(ui_ctx)
    assert d.number.text() == "F001" and d.window_label.text() == "请到 1 号窗口"
    assert spoken.texts == ["请 F 0 0 1 号到 1 号窗口办理"]
    qtbot.mouseClick(panel.buttons["recall"], Qt.MouseButton.LeftButton)
    wait_tasks(ui_ctx)
    assert len(spoken.texts) == 2
    poll(qtbot, d, ui_ctx, wait_tasks)
    assert len(spoken.texts) == 2


def test_transferred_ticket_leaves_the_recent_list(qtbot, ui_ctx, wait_tasks):
    queue.take_ticket(ui_ctx.db, HALL, "ZH")
    t = queue.call_next(ui_ctx.db, HALL, 1, "pc-1")
    assert t is not None
    queue.transfer(ui_ctx.db, t.id, to_zone="SS")
    d = make(qtbot, ui_ctx, wait_tasks)
    assert d.number.text() == "—"


def test_database_trouble_keeps_the_last_calls(qtbot, ui_ctx, wait_tasks, monkeypatch):
    from clerk.errors import StorageError

    queue.take_ticket(ui_ctx.db, HALL, "ZH")
    queue.call_next(ui_ctx.db, HALL, 1, "pc-1")
    d = make(qtbot, ui_ctx, wait_tasks)

    def down(*_a, **_k):
        raise StorageError("无法连接大厅数据库，请检查网络；当前号可继续办理。", "unreachable")

    monkeypatch.setattr(queue, "queue_status", down)
    poll(qtbot, d, ui_ctx, wait_tasks)
    assert d.number.text() == "Z001"
    assert d.problem.text().startswith("叫号数据暂时无法更新")
    monkeypatch.undo()
    poll(qtbot, d, ui_ctx, wait_tasks)
    assert d.problem.text() == ""
