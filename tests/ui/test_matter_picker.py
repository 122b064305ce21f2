"""The intake's matter search box (``MatterPicker``) on a real SQLite catalog: a keystroke is
answered on the GUI thread from the index in memory, with no SQL and no worker job; before the
index exists the worker answers, and only the newest query's hits are ever shown; Enter before
the hits came takes the first of them when they come."""
from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import event

from clerk import search as search_mod
from clerk.catalog import warm_search
from ui.intake import MatterPicker


def _picker(qtbot, ctx) -> MatterPicker:
    picker = MatterPicker(ctx)
    qtbot.addWidget(picker)
    picker.show()
    return picker


def _listed(picker) -> list[str]:
    return [picker.results.item(i).data(Qt.ItemDataRole.UserRole)[1] for i in range(picker.results.count())]


def test_a_keystroke_is_answered_at_once_without_sql_or_a_worker(qtbot, intake_ctx):
    warm_search(intake_ctx.db)
    picker = _picker(qtbot, intake_ctx)
    statements: list[str] = []
    event.listen(intake_ctx.db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    for text, first in (("出", "M-HUJI"), ("出生", "M-HUJI"), ("出生一件事", "B-BIRTH")):
        picker.query.setText(text)  # no event loop turn in between: the hits are there already
        assert _listed(picker)[0] == first and intake_ctx.tasks.pending == 0
    picker.query.setText("sbk")
    assert _listed(picker) == ["M-SBK"] and statements == []
    picker.query.setText("")
    assert _listed(picker) == []


def test_before_the_index_exists_the_newest_query_wins_and_enter_waits_for_its_hits(qtbot, intake_ctx):
    search_mod.invalidate(intake_ctx.db.engine)
    picker = _picker(qtbot, intake_ctx)
    chosen: list[tuple] = []
    picker.chosen.connect(lambda *a: chosen.append(a))
    picker.query.setText("sbk")          # answered by the worker: no index in memory yet
    picker.query.setText("出生登记")
    assert picker.results.count() == 0 and intake_ctx.tasks.pending
    qtbot.keyClick(picker.query, Qt.Key.Key_Return)  # before any hits came
    assert chosen == []
    qtbot.waitUntil(lambda: bool(chosen), timeout=5000)
    assert chosen == [("matter", "M-HUJI", "出生登记")] and _listed(picker)[0] == "M-HUJI"
    qtbot.waitUntil(lambda: intake_ctx.tasks.pending == 0, timeout=5000)
    assert chosen == [("matter", "M-HUJI", "出生登记")]  # the older query's answer changed nothing


def test_an_older_querys_hits_never_replace_a_newer_ones(qtbot, intake_ctx):
    from clerk.catalog import search

    warm_search(intake_ctx.db)
    picker = _picker(qtbot, intake_ctx)
    picker.query.setText("sbk")
    old = picker._generation
    picker.query.setText("出生登记")
    picker._show(old, search(intake_ctx.db, "sbk"))  # the answer to "sbk" arriving late
    assert _listed(picker)[0] == "M-HUJI" and "M-SBK" not in _listed(picker)


def test_a_stale_index_answers_at_once_and_the_worker_rechecks_the_catalog(qtbot, intake_ctx):
    warm_search(intake_ctx.db)
    search_mod._cache_for(intake_ctx.db.engine).checked -= search_mod.RECHECK_SECONDS + 1  # time passed
    picker = _picker(qtbot, intake_ctx)
    picker.query.setText("sbk")
    assert _listed(picker) == ["M-SBK"] and intake_ctx.tasks.pending  # shown now, checked on a worker
    qtbot.waitUntil(lambda: intake_ctx.tasks.pending == 0, timeout=5000)
    assert _listed(picker) == ["M-SBK"] and search_mod.memory_index(intake_ctx.db.engine)[1]
