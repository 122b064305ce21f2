"""The manager's home: the dashboard follows the hall (a ticket taken by another process shows up),
the supervision list flags and exports overdue cases, reports are saved, and only a manager gets in.
The clerk's case list colours overdue (red) and near-overdue (yellow) rows."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from clerk import cases
from clerk.errors import PermissionDenied
from tests.casefixtures import clerk_user, make_catalog, zhang
from tests.ui.conftest import drain

ROOT = Path(__file__).resolve().parents[2]


def _accepted(db, user, when: dt.datetime) -> cases.CaseInfo:
    """出生登记 (3 working days) accepted at ``when``."""
    c = cases.start_case(db, user, zhang(), matter_code="M-HUJI", answers={"who": ["self"]}, window_number=3,
                         now=when)
    for ch in c.checks:
        cases.check_material(db, user, c.id, ch.key, "presented", today=when.date())
    return cases.accept_case(db, user, c.id, now=when)


@pytest.fixture
def manager_ctx(ui_ctx):
    ui_ctx.user = clerk_user(ui_ctx.db, "manager")
    return ui_ctx


def test_dashboard_shows_a_ticket_taken_by_another_process(qtbot, manager_ctx):
    from ui.manager.window import ManagerWindow

    win = ManagerWindow(manager_ctx, refresh_ms=300)
    qtbot.addWidget(win)
    board = win.dashboard
    qtbot.waitUntil(lambda: board.board is not None, timeout=10_000)
    assert board.board.tickets_today == 0 and board.figures["waiting"].text() == "0 人"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-m", "clerk.cli", "--data-dir", str(manager_ctx.cfg.data_dir),
                          "queue", "take", "--zone", "SS"], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    qtbot.waitUntil(lambda: board.board.tickets_today == 1, timeout=15_000)
    assert board.figures["waiting"].text() == "1 人"
    assert board.waiting.rowCount() == 1 and board.waiting.item(0, 0).text() == "商事登记"
    assert board.waiting.item(0, 1).text() == "普通" and board.waiting.item(0, 2).text() == "1"
    assert board.windows.rowCount() == 8
    win.close()
    drain(manager_ctx)


def test_only_a_manager_gets_the_dashboard(qtbot, ui_ctx):
    from ui.intake import IntakeView
    from ui.manager.window import ManagerWindow

    ui_ctx.user = clerk_user(ui_ctx.db, "clerk")
    with pytest.raises(PermissionDenied):
        ManagerWindow(ui_ctx)
    ui_ctx.user = None
    with pytest.raises(PermissionDenied):
        ManagerWindow(ui_ctx)
    ui_ctx.user = clerk_user(ui_ctx.db, "manager")
    win = ManagerWindow(ui_ctx)
    qtbot.addWidget(win)
    assert not win.findChildren(IntakeView)  # no intake buttons at all
    assert [win.tabs.tabText(i) for i in range(win.tabs.count())] == ["运行概况", "报表", "电子监察"]
    drain(ui_ctx)


def test_supervision_list_flags_and_exports(qtbot, intake_ctx, tmp_path):
    from openpyxl import load_workbook

    from ui.manager.supervision import SupervisionView

    db, user = intake_ctx.db, intake_ctx.user
    late = _accepted(db, user, dt.datetime.now() - dt.timedelta(days=30))
    intake_ctx.user = clerk_user(db, "manager")
    view = SupervisionView(intake_ctx)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.table.rowCount() == 1, timeout=10_000)
    assert view.table.item(0, 1).text() == late.number
    assert view.table.item(0, 0).text().startswith("红牌")
    assert int(view.table.item(0, 7).text()) < 0
    out = tmp_path / "监察.xlsx"
    view.export(str(out))
    qtbot.waitUntil(lambda: out.exists() and "已导出" in view.message.text(), timeout=10_000)
    rows = list(load_workbook(out)["电子监察"].iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[7].date()) for r in rows] == [(late.number, late.promised_date)]
    drain(intake_ctx)


def test_case_list_colours_overdue_and_near_overdue(qtbot, intake_ctx):
    from PySide6.QtCore import Qt

    from clerk.calendar import WorkCalendar
    from clerk.reports import near_horizon
    from ui.caselist import SUPERVISION_ROLE, CaseListView

    db, user = intake_ctx.db, intake_ctx.user
    late = _accepted(db, user, dt.datetime.now() - dt.timedelta(days=30))
    fresh = _accepted(db, user, dt.datetime.now())  # due in 3 working days: not flagged
    with db.uow() as s:
        cal = WorkCalendar.load(s)
    back = 0  # accepted 2 working days ago: due within 2 working days, yellow
    while cal.working_days_between(dt.date.today() - dt.timedelta(days=back), dt.date.today()) < 2:
        back += 1
    mid = _accepted(db, user, dt.datetime.combine(dt.date.today() - dt.timedelta(days=back), dt.time(10)))
    assert dt.date.today() <= mid.promised_date <= near_horizon(db, dt.date.today())
    view = CaseListView(intake_ctx)
    qtbot.addWidget(view)
    view.view.setCurrentIndex(view.view.findData("open"))
    model = view.model
    qtbot.waitUntil(lambda: model.rowCount() == 3 and model.horizon[0] == dt.date.today(), timeout=10_000)

    def levels() -> dict:
        return {model.index(i, 0).data(): model.index(i, 0).data(SUPERVISION_ROLE) for i in range(model.rowCount())}

    assert levels() == {late.number: "red", mid.number: "yellow", fresh.number: None}
    assert model.index(0, 2).data(Qt.ItemDataRole.BackgroundRole) is not None or model.rows[0].id == fresh.id
    drain(intake_ctx)


def test_reports_page_saves_pdf_and_xlsx(qtbot, intake_ctx, tmp_path):
    from openpyxl import load_workbook

    from ui.manager.reports_page import ReportsView

    db, user = intake_ctx.db, intake_ctx.user
    _accepted(db, user, dt.datetime.now().replace(hour=10, minute=0))
    intake_ctx.user = clerk_user(db, "manager")
    view = ReportsView(intake_ctx)
    qtbot.addWidget(view)
    out = tmp_path / "日报.xlsx"
    view.save("xlsx", str(out))
    qtbot.waitUntil(lambda: view.last_path == out, timeout=20_000)
    summary = {r[0]: r[1] for r in load_workbook(out)["概况"].iter_rows(values_only=True)}
    assert summary["受理办件"] == 1
    pdf = tmp_path / "日报.pdf"
    view.save("pdf", str(pdf))
    qtbot.waitUntil(lambda: view.last_path == pdf, timeout=20_000)
    assert pdf.read_bytes().startswith(b"%PDF")
    drain(intake_ctx)
