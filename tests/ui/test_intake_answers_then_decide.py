"""F5 pressed while the situation answer is still being saved: the two ran on different database
workers, and the acceptance could overtake the save and be refused (以下情形问题尚未回答) though
the screen showed the answer — the intake flow test then waited for a receipt that never came.
The decision now waits for the newest answers to be saved. Real SQLite, the real workers; the
save is held back with an event so the order is the one that failed, every time."""
from __future__ import annotations

import threading

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from clerk import actions, cases
from tests.casefixtures import ZHANG


def _birth_case_with_a_question_open(qtbot, intake, intake_ctx) -> None:
    """张三's 出生登记 draft on the screen, its situation question not answered, nothing running."""
    intake.applicant.name.setText("张三")
    intake.applicant.id_number.setText(ZHANG)
    intake.picker.query.setText("出生登记")
    qtbot.keyClick(intake.picker.query, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: intake.case is not None and bool(intake.situation.unanswered()), timeout=5000)
    qtbot.waitUntil(lambda: intake_ctx.tasks.pending == 0, timeout=5000)


def test_a_decision_waits_for_the_answers_being_saved(qtbot, window, intake_ctx, monkeypatch):
    intake = window.intake
    produced: list[str] = []
    window.documents.produced.connect(lambda kind, _path, _what: produced.append(kind))
    _birth_case_with_a_question_open(qtbot, intake, intake_ctx)
    release, saving, real = threading.Event(), threading.Event(), cases.set_answers

    def held(*args, **kwargs):
        saving.set()
        release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(cases, "set_answers", held)
    assert intake.situation.focus_first_unanswered()  # 由谁办理？
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)  # the answer: saved on a worker, held
    qtbot.waitUntil(saving.is_set, timeout=5000)
    keys = [c.key for c in intake.case.checks]
    info = actions.present_all(intake_ctx.db, intake_ctx.user, intake.case.id, keys)  # F4 done meanwhile
    intake._case_loaded(info)
    qtbot.keyClick(intake, Qt.Key.Key_F5)          # the acceptance, while the answer is not saved yet
    qtbot.wait(200)
    assert produced == [] and cases.get_case(intake_ctx.db, intake.case.id).state == "draft"
    release.set()                                  # the answer is saved: then the acceptance runs
    qtbot.waitUntil(lambda: produced == ["receipt"], timeout=10_000)
    assert cases.get_case(intake_ctx.db, intake.case.id).state == "accepted"


def test_an_older_change_finishing_last_never_redraws_over_a_newer_one(qtbot, window, intake_ctx, monkeypatch):
    """The answer's save is slow to come back (its transaction done, its reply not yet on the
    screen) and the clerk presses F4 meanwhile: on two workers F4's checklist could be shown first
    and then the answer's older one drawn over it (every material pending again, on the screen
    only). Changes to one case now run in that case's line: F4 starts after the answer is shown,
    and the screen ends with the newest checklist."""
    intake = window.intake
    _birth_case_with_a_question_open(qtbot, intake, intake_ctx)
    release, saved, real = threading.Event(), threading.Event(), cases.set_answers

    def slow_reply(*args, **kwargs):
        info = real(*args, **kwargs)  # committed, with the checklist as it was then
        saved.set()
        release.wait(10)
        return info

    monkeypatch.setattr(cases, "set_answers", slow_reply)
    assert intake.situation.focus_first_unanswered()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    qtbot.waitUntil(saved.is_set, timeout=5000)
    qtbot.keyClick(intake, Qt.Key.Key_F4)  # 全部已提交, while the answer's reply is still on its way
    qtbot.wait(300)
    release.set()
    qtbot.waitUntil(lambda: intake_ctx.tasks.pending == 0, timeout=10_000)
    stored = cases.get_case(intake_ctx.db, intake.case.id)
    assert stored.checks and all(c.status == "presented" for c in stored.checks)
    assert [c.status for c in intake.case.checks] == [c.status for c in stored.checks]  # the screen shows the newest
