"""导入事项目录 in the app: the menu action for 系统管理员/中心管理员 only, a progress bar fed from
the worker thread while a published list imports into the real SQLite database, the guide
showing the list's own fields and 材料清单待补充, and intake recording what was presented for a
matter whose material list is still missing."""
from __future__ import annotations

from clerk.catalog import get_matter
from tests.casefixtures import ZHANG, clerk_user
from tests.integration.test_catalog_published import ITEMS, published_xlsx
from ui.guide import matter_html


def _window(qtbot, ctx):
    from ui.documents import DocumentService
    from ui.main_window import MainWindow

    win = MainWindow(ctx, documents=DocumentService(ctx, preview=False))
    qtbot.addWidget(win)
    return win


def _actions(win):
    return {a.objectName() for a in win.findChildren(type(win.menuBar().actions()[0]))}


def test_admin_imports_a_published_list_with_a_progress_bar(qtbot, intake_ctx, tmp_path):
    from ui.main_window import MainWindow  # noqa: F401  (Qt classes loaded before the window)

    assert "act_import_catalog" not in _actions(_window(qtbot, intake_ctx))  # a clerk has no import
    intake_ctx.user = clerk_user(intake_ctx.db, "admin")
    win = _window(qtbot, intake_ctx)
    assert "act_import_catalog" in _actions(win)
    importer = win.catalog_importer
    seen, done, dialogs = [], [], []
    importer.progress.connect(lambda stage, d, t: (seen.append(stage), dialogs.append(
        (importer.dialog.objectName(), importer.dialog.value()) if importer.dialog is not None else None)))
    importer.finished.connect(done.append)
    assert importer.start(published_xlsx(tmp_path / "清单.xlsx"), quiet=True)
    assert not importer.start(published_xlsx(tmp_path / "again.xlsx"), quiet=True)  # one at a time
    qtbot.waitUntil(lambda: bool(done), timeout=30_000)
    assert done[0].matters_created == len(ITEMS) and done[0].materials_pending == 6
    assert {"read", "check", "index", "write"} <= set(seen)
    assert any(d is not None and d[0] == "catalog_import_progress" for d in dialogs)  # the bar was up
    assert importer.dialog is None and not importer.running
    html = matter_html(get_matter(intake_ctx.db, "3302XX-SJ-002"))
    for text in ("食品经营许可（延续）", "主项：</b>食品经营许可", "事项类型：</b>行政许可", "材料清单待补充",
                 "办理地点", "通办范围"):
        assert text in html


def test_a_bad_list_reports_every_row_and_imports_nothing(qtbot, intake_ctx, tmp_path):
    intake_ctx.user = clerk_user(intake_ctx.db, "admin")
    win = _window(qtbot, intake_ctx)
    items = list(ITEMS)
    items[1] = items[1][:4] + ("急件",) + items[1][5:]
    failed = []
    win.catalog_importer.failed.connect(lambda msg, rows: failed.append((msg, rows)))
    win.catalog_importer.start(published_xlsx(tmp_path / "坏.xlsx", items), quiet=True)
    qtbot.waitUntil(lambda: bool(failed), timeout=30_000)
    msg, rows = failed[0]
    assert "未导入任何内容" in msg and rows == ["第5行：办件类型“急件”应为“即办件”或“承诺件”"]


def test_intake_marks_a_matter_without_materials_and_records_what_was_presented(qtbot, intake_ctx, tmp_path):
    from clerk.catalog import import_catalog

    import_catalog(intake_ctx.db, published_xlsx(tmp_path / "清单.xlsx"))
    win = _window(qtbot, intake_ctx)
    intake = win.intake
    intake.applicant.name.setText("张三")
    intake.applicant.id_number.setText(ZHANG)
    intake.picker.query.setText("社会团体成立登记")
    qtbot.waitUntil(lambda: intake.picker.results.count() > 0, timeout=5000)
    intake.picker._take(intake.picker.results.item(0))
    qtbot.waitUntil(lambda: intake.case is not None and "材料清单待补充" in intake.status.text(), timeout=10_000)
    assert intake.checklist.rowCount() == 0
    intake.record_extra("社会团体登记申请书")
    qtbot.waitUntil(lambda: intake.checklist.rowCount() == 1, timeout=10_000)
    assert intake.checklist.item(0, 0).text() == "社会团体登记申请书"
    assert "已登记 1 项" in intake.status.text()
    qtbot.waitUntil(lambda: intake_ctx.tasks.pending == 0, timeout=10_000)
