"""The intake screen driven like a clerk does, against a real SQLite database, the ID-card
reader emulator on a loopback socket and real PDFs."""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QInputDialog

from clerk import cases
from tests.casefixtures import ZHANG
from tests.pdftools import pdf_text
from ui.device_hub import DeviceHub


def _zhang_card():
    from devices.idcard import CardData

    return CardData(name="张三", sex="男", birth_date=dt.date(1990, 1, 1), id_number=ZHANG,
                    valid_from=dt.date(2020, 1, 1), valid_to=dt.date(2040, 1, 1), nation="汉",
                    address="浙江省象山县丹东街道天安路 1 号", authority="象山县公安局")


def idle(qtbot, ctx):
    qtbot.waitUntil(lambda: ctx.tasks.pending == 0, timeout=10_000)


def _choose(qtbot, win, text):
    intake = win.intake
    intake.picker.query.setText(text)  # what an input method commits (QTest cannot type Hanzi)
    qtbot.waitUntil(lambda: intake.picker.results.count() > 0, timeout=5000)
    qtbot.keyClick(intake.picker.query, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: intake.case is not None, timeout=5000)
    idle(qtbot, win.ctx)


def test_card_placed_to_receipt_printed_with_few_keys(qtbot, window, intake_ctx, answer_questions):
    """Given the card reader emulator with 张三's card, When the card is placed and the clerk
    types 'csdj' Enter, Space (由谁办理？ 本人办理 — the focus is put on the open question), F4, F5, Then the case is accepted, the receipt PDF carries its number,
    the applicant screen showed the data to confirm, and then asks for a rating."""
    from devices.idcard_emulator import ReaderEmulator

    with ReaderEmulator(None) as emu:
        hub = DeviceHub({"idcard_port": emu.start_tcp()})
        window.hub = hub
        hub.card_read.connect(window.card_read)
        hub.start()
        produced = []
        window.documents.produced.connect(lambda kind, path, _w: produced.append((kind, path)))
        emu.place(_zhang_card())
        qtbot.waitUntil(lambda: window.intake.applicant.name.text() == "张三", timeout=10_000)
        hub.stop()
    idle(qtbot, intake_ctx)
    assert window.intake.picker.query.hasFocus()  # the card moved the focus to the search box
    keys = 0
    for ch in "csdj":
        qtbot.keyClick(window.intake.picker.query, ch)
        keys += 1
    qtbot.waitUntil(lambda: window.intake.picker.results.count() > 0, timeout=5000)
    assert "出生登记" in window.intake.picker.results.item(0).text()
    qtbot.keyClick(window.intake.picker.query, Qt.Key.Key_Return)
    keys += 1
    qtbot.waitUntil(lambda: window.intake.case is not None, timeout=5000)
    idle(qtbot, intake_ctx)
    assert window.screen2.info.text().count("张三") == 1 and ZHANG not in window.screen2.info.text()
    qtbot.waitUntil(lambda: bool(window.intake.situation.unanswered()), timeout=5000)
    assert window.intake.situation.isAncestorOf(QApplication.focusWidget())  # the open question is next
    keys += answer_questions(window.intake)
    assert window.intake.situation.answers() == {"who": ["self"]}
    qtbot.keyClick(window.intake, Qt.Key.Key_F4)
    keys += 1
    qtbot.waitUntil(lambda: all(c.status == "presented" for c in window.intake.case.checks), timeout=5000)
    qtbot.keyClick(window.intake, Qt.Key.Key_F5)
    keys += 1
    qtbot.waitUntil(lambda: bool(produced), timeout=10_000)
    assert keys <= 8
    case = window.intake.case
    assert case.situation == {"who": ["self"]}
    assert case.state == "accepted" and case.window_number == 3
    kind, path = produced[0]
    text = pdf_text(open(path, "rb").read())
    assert kind == "receipt" and case.number in text and "出生登记" in text
    assert window.screen2.stack.currentIndex() == 1  # rating page


def test_one_time_notice_from_the_screen(qtbot, window, intake_ctx):
    window.card_read(_zhang_card())
    _choose(qtbot, window, "城乡居民医保")
    produced = []
    window.documents.produced.connect(lambda kind, path, _w: produced.append((kind, path)))
    qtbot.keyClick(window.intake, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: bool(produced), timeout=10_000)
    text = pdf_text(open(produced[0][1], "rb").read())
    assert produced[0][0] == "notice" and "户口簿" in text and "居民身份证" in text
    assert window.intake.case.state == "notified"


def test_refusal_prints_the_reason(qtbot, window, intake_ctx, monkeypatch):
    window.card_read(_zhang_card())
    _choose(qtbot, window, "M-YIBAO")
    monkeypatch.setattr(QInputDialog, "getMultiLineText",
                        staticmethod(lambda *a, **k: ("申请人已在外省参保，不属于本县受理范围", True)))
    produced = []
    window.documents.produced.connect(lambda kind, path, _w: produced.append((kind, path)))
    qtbot.keyClick(window.intake, Qt.Key.Key_F7)
    qtbot.waitUntil(lambda: bool(produced), timeout=10_000)
    assert "外省参保" in pdf_text(open(produced[0][1], "rb").read())


def test_deferral_gives_receipt_and_promise(qtbot, window, intake_ctx, monkeypatch):
    from ui import intake as intake_mod

    window.card_read(_zhang_card())
    _choose(qtbot, window, "城乡居民医保")
    monkeypatch.setattr(intake_mod.DeferDialog, "exec", lambda self: QDialog.DialogCode.Accepted)
    due = intake_ctx.db and dt.date.today() + dt.timedelta(days=1)
    monkeypatch.setattr(intake_mod.DeferDialog, "value", lambda self: due)
    table = window.intake.checklist
    row = next(r for r in range(table.rowCount()) if table.item(r, 0).data(Qt.ItemDataRole.UserRole) == "hukou")
    combo = table.cellWidget(row, 2)
    combo.setCurrentIndex(combo.findData("deferred"))
    qtbot.waitUntil(lambda: any(c.status == "deferred" for c in window.intake.case.checks), timeout=5000)
    idle(qtbot, intake_ctx)
    produced = []
    window.documents.produced.connect(lambda kind, path, _w: produced.append(kind))
    qtbot.keyClick(window.intake, Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: window.intake.case.checks[0].status == "presented", timeout=5000)
    idle(qtbot, intake_ctx)
    qtbot.keyClick(window.intake, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: len(produced) == 2, timeout=10_000)
    assert sorted(produced) == ["deferral", "receipt"]


def test_bundle_shows_shared_materials_once(qtbot, window, intake_ctx):
    window.card_read(_zhang_card())
    _choose(qtbot, window, "出生一件事")
    keys = [c.key for c in window.intake.case.checks]
    assert keys.count("id_card") == 1 and window.intake.checklist.rowCount() == len(keys)
    note = window.intake.checklist.item(keys.index("id_card"), 3).text()
    assert "共用" in note


def test_handover_by_scanned_receipt_and_card_then_rating(qtbot, window, intake_ctx):
    db, user = intake_ctx.db, intake_ctx.user
    case = cases.start_case(db, user, cases.ApplicantInput(name="张三", id_number=ZHANG), matter_code="M-YIBAO")
    for c in case.checks:
        cases.check_material(db, user, case.id, c.key, "presented")
    case = cases.accept_case(db, user, case.id)
    for action in ("approve", "result_ready"):
        cases.advance(db, user, case.id, action)
    window.tabs.setCurrentWidget(window.cases)
    qtbot.keyClicks(window.cases.query, case.number)  # the barcode gun types the number + Enter
    qtbot.keyClick(window.cases.query, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.cases.current is not None, timeout=5000)
    assert window.cases.current.number == case.number
    window.card_read(_zhang_card())  # identity checked by the card
    qtbot.waitUntil(lambda: window.cases.current.state == "delivered", timeout=5000)
    assert window.cases.current.visits == 2
    # the handover itself turns the applicant screen to the rating page
    qtbot.waitUntil(lambda: window.screen2.stack.currentIndex() == 1, timeout=5000)
    assert window._rating_stage == "handover" and window._rating_case.number == case.number
    qtbot.mouseClick(window.screen2.level_buttons[1], Qt.MouseButton.LeftButton)
    assert window.screen2.stack.currentIndex() == 1  # 非常不满意 asks for a reason first
    window.screen2.tag_boxes[0].setChecked(True)
    qtbot.mouseClick(window.screen2.submit, Qt.MouseButton.LeftButton)
    idle(qtbot, intake_ctx)
    from clerk.models import Evaluation
    from sqlalchemy import select

    with db.uow() as s:
        ev = s.scalar(select(Evaluation))
        assert (ev.level, ev.reason_tags, ev.stage) == (1, ["等候时间长"], "handover")


def test_receipt_slip_goes_to_the_thermal_printer_when_set(qtbot, window, intake_ctx, monkeypatch):
    from clerk.models import Setting
    from devices.escpos_decode import decode
    from devices.escpos_emulator import EmulatorServer

    with EmulatorServer("127.0.0.1") as server:
        with intake_ctx.db.uow() as s:
            s.add(Setting(key="receipt_printer", value=server.url))
        window.card_read(_zhang_card())
        _choose(qtbot, window, "M-YIBAO")
        said = []
        window.documents.produced.connect(lambda kind, path, what: said.append(what))
        qtbot.keyClick(window.intake, Qt.Key.Key_F4)
        qtbot.waitUntil(lambda: all(c.status == "presented" for c in window.intake.case.checks), timeout=5000)
        idle(qtbot, intake_ctx)
        qtbot.keyClick(window.intake, Qt.Key.Key_F5)
        qtbot.waitUntil(lambda: bool(said), timeout=10_000)
        server.wait_connections(1)
        slip = decode(server.printer.printed())
    assert "已打印" in said[0]
    assert window.intake.case.number in slip.text or window.intake.case.number in "".join(slip.barcodes)
