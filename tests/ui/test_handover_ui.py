"""交接单 in the app (C16): the agent's window prints the list of cases since the last one; at the
centre the list's barcode, read by a keyboard-wedge gun into any field, receives all its cases; a
second scan and an unknown number are answered in Chinese. Real SQLite, real Qt key events."""
from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt

from clerk import cases, handover
from tests.casefixtures import clerk_user, zhang
from tests.pdftools import pdf_text
from tests.ui.conftest import drain
from tests.ui.test_wedge import Clock, _type


def _agent_cases(db, n: int = 2) -> list[str]:
    agent = clerk_user(db, "agent")
    numbers = []
    for code in ("M-YIBAO", "M-SBK")[:n]:
        case = cases.start_case(db, agent, zhang(), matter_code=code)
        for c in case.checks:
            cases.check_material(db, agent, case.id, c.key, "presented")
        numbers.append(cases.accept_case(db, agent, case.id).number)
    return numbers


def _window(qtbot, ctx):
    from ui.documents import DocumentService
    from ui.main_window import MainWindow

    win = MainWindow(ctx, documents=DocumentService(ctx, preview=False))
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()
    return win


def _action(win, name: str):
    found = [a for m in win.menuBar().actions() if m.menu() for a in m.menu().actions() if a.objectName() == name]
    return found[0] if found else None


def test_agent_prints_the_list_of_cases_since_the_last_one(qtbot, intake_ctx):
    numbers = _agent_cases(intake_ctx.db)
    intake_ctx.user = clerk_user(intake_ctx.db, "agent")
    win = _window(qtbot, intake_ctx)
    assert _action(win, "act_handover_receive") is None  # an agent hands over, the centre receives
    _action(win, "act_handover_make").trigger()
    dialog = win.handover_dialog
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2, timeout=5000)
    assert [dialog.table.item(r, 0).text() for r in range(2)] == numbers
    assert dialog.table.item(0, 1).text().startswith("张* ") and "张三" not in dialog.table.item(0, 1).text()
    assert dialog.totals.text() == "共 2 件，原件 3 份，复印件 1 份"
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "已保存" in dialog.message.text(), timeout=10_000)
    number = re.search(r"JJ\w+", dialog.message.text()).group()
    pdf = (Path(intake_ctx.cfg.data_dir) / "documents" / f"{number}-handover.pdf").read_bytes()
    assert all(n in re.sub(r"\s+", "", pdf_text(pdf)) for n in numbers)
    assert not dialog.print_button.isEnabled()   # the list is made; nothing is left to put on another
    assert handover.get_list(intake_ctx.db, number).lines[0].case_number == numbers[0]
    drain(intake_ctx)


def test_the_centre_scans_the_list_and_receives_all_its_cases(qtbot, intake_ctx):
    numbers = _agent_cases(intake_ctx.db)
    made = handover.make_list(intake_ctx.db, clerk_user(intake_ctx.db, "agent"))
    win = _window(qtbot, intake_ctx)   # the clerk at window 3
    clock = Clock()
    win.wedge.clock = clock
    name = win.intake.applicant.name
    name.setFocus()
    qtbot.waitUntil(name.hasFocus, timeout=5000)
    _type(qtbot, name, made.number, clock, step_ms=4)          # the gun's burst, into the name field
    assert name.text() == ""                                    # not typed into the applicant's name
    dialog = win.handover_dialog
    qtbot.waitUntil(lambda: "已接收" in dialog.message.text(), timeout=5000)
    assert dialog.message.text().startswith(f"交接单 {made.number} 已接收：代办员 陈阿姨 的 2 件办件")
    assert [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())] == numbers
    got = handover.get_list(intake_ctx.db, made.number)
    assert got.received_by == "clerk" and got.received_workstation == intake_ctx.workstation

    clock.now += 1000
    dialog.number.setFocus()
    qtbot.waitUntil(dialog.number.hasFocus, timeout=5000)
    dialog.number.clear()
    _type(qtbot, dialog.number, made.number, clock, step_ms=4)   # scanned again
    qtbot.waitUntil(lambda: "无需重复接收" in dialog.message.text(), timeout=5000)
    assert "由 " in dialog.message.text() and "已于" in dialog.message.text()

    clock.now += 1000
    dialog.number.setText("JJ33022501W0120991231009")          # typed by hand, then Enter
    qtbot.keyClick(dialog.number, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "找不到交接单" in dialog.message.text(), timeout=5000)
    assert dialog.table.rowCount() == 0   # the last list's cases are not shown under an unknown number
    drain(intake_ctx)


def test_the_manager_receives_a_typed_number(qtbot, intake_ctx):
    from ui.manager.window import ManagerWindow

    _agent_cases(intake_ctx.db, 1)
    made = handover.make_list(intake_ctx.db, clerk_user(intake_ctx.db, "agent"))
    intake_ctx.user = clerk_user(intake_ctx.db, "manager")
    win = ManagerWindow(intake_ctx, refresh_ms=60_000)
    qtbot.addWidget(win)
    win.show()
    _action(win, "act_handover_receive").trigger()
    dialog = win.handover_dialog
    dialog.number.setText(made.number.lower())
    dialog.receive_button.click()
    qtbot.waitUntil(lambda: "已接收" in dialog.message.text(), timeout=5000)
    assert handover.get_list(intake_ctx.db, made.number).received_by == "manager"
    drain(intake_ctx)
    win.close()
