"""The window with a back office: a case accepted at the desk goes up in the background, the
department approves it on the server, the desk shows it 待出件 and hands it over by the receipt's
barcode; the status area and the 同步 page tell what is pending or dead."""
from __future__ import annotations

from PySide6.QtWidgets import QInputDialog

from clerk import cases, sync
from tests.backoffice_server import backoffice  # noqa: F401
from tests.casefixtures import ZHANG
from tests.sync.desk import accept_matter
from tests.sync.support import ENROL, decide, server_cases
from ui import caselist as caselist_mod
from ui.main_window import MainWindow

from tests.ui.conftest import drain

WAIT = 90_000  # a loaded 2-core machine: generous limits, no timing asserted


def _buttons(view) -> dict[str, bool]:
    items = (view.actions.itemAt(i) for i in range(view.actions.count()))
    return {item.widget().objectName(): item.widget().isEnabled() for item in items if item.widget() is not None}


def test_approved_on_the_server_becomes_ready_at_the_desk_and_is_handed_over_by_its_barcode(
        qtbot, intake_ctx, backoffice, monkeypatch):  # noqa: F811
    ctx = intake_ctx
    sync.enrol(ctx.db, backoffice.url, ENROL, "3号窗口")
    token = backoffice.register("W09")
    case = accept_matter(ctx.db, ctx.cfg.files_dir, 1)
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    try:
        # pushed in the background; the status area says so
        qtbot.waitUntil(lambda: win.sync_status.text().startswith("待上传 0") and "在线" in win.sync_status.text(),
                        timeout=WAIT)
        assert [c["uuid"] for c in server_cases(backoffice, token)] == [case.uuid]
        for action in ("review", "approve", "ready"):
            decide(backoffice, case.number, action)
        win.sync.kick()
        qtbot.waitUntil(lambda: win.sync_page.summary.text().startswith("待上传 0")
                        and cases.get_case(ctx.db, case.id).state == "result_ready", timeout=WAIT)

        win.open_scanned(case.number)  # the receipt's barcode
        view = win.cases
        qtbot.waitUntil(lambda: view.current is not None and view.current.number == case.number, timeout=WAIT)
        assert view.current.state_label == "待出件"
        shown = _buttons(view)
        assert shown.get("act_hand_over") is True

        items = [(caselist_mod.HAND_OVER_WAYS[0], True)]
        texts = [(ZHANG, True)]
        monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a, **k: items.pop(0)))
        monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: texts.pop(0)))
        with qtbot.waitSignal(view.handed_over, timeout=WAIT) as signal:
            next(view.actions.itemAt(i).widget() for i in range(view.actions.count())
                 if view.actions.itemAt(i).widget() is not None
                 and view.actions.itemAt(i).widget().objectName() == "act_hand_over").click()
        assert signal.args[0].state == "delivered"
        win.sync.kick()
        qtbot.waitUntil(lambda: {c["uuid"]: c["state"] for c in server_cases(backoffice, token)}[case.uuid]
                        == "delivered", timeout=WAIT)
    finally:
        win.sync.close()
        drain(ctx)


def test_department_decisions_are_shown_disabled_and_a_dead_item_is_resent_from_the_page(
        qtbot, intake_ctx, backoffice):  # noqa: F811
    ctx = intake_ctx
    sync.enrol(ctx.db, backoffice.url, ENROL, "3号窗口")
    backoffice.set_faults([{"method": "PUT", "path": "^/api/v1/cases/", "kind": "too_large"}])
    case = accept_matter(ctx.db, ctx.cfg.files_dir, 2)
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    try:
        qtbot.waitUntil(lambda: "失败 1 条" in win.sync_status.text(), timeout=WAIT)
        page = win.sync_page
        assert page.table.rowCount() == 1 and page.table.item(0, 3).text() == "失败"
        assert "请求过大" in page.table.item(0, 5).text()
        page.table.selectRow(0)
        page.resend.click()  # 重新发送 (the fault fired once: this time it goes)
        qtbot.waitUntil(lambda: win.sync_status.text().startswith("待上传 0") and "失败" not in win.sync_status.text(),
                        timeout=WAIT)
        win.open_scanned(case.number)
        view = win.cases
        qtbot.waitUntil(lambda: view.current is not None and view.current.number == case.number, timeout=WAIT)
        shown = _buttons(view)
        assert shown["act_start_review"] is False and shown["act_approve"] is False  # they arrive, not clicked
        assert shown["act_withdraw"] is True
    finally:
        win.sync.close()
        drain(ctx)
