"""The ticket kiosk touched like a visitor does: real SQLite, the ESC/POS printer emulator on a
loopback socket, printing on the device thread (strict check on)."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt

from clerk import queue
from devices.escpos_decode import decode
from devices.escpos_emulator import EmulatorServer
from ui.kiosk import Kiosk, printer_problem


@pytest.fixture
def emu():
    with EmulatorServer() as server:
        yield server


@pytest.fixture
def kiosk(qtbot, ui_ctx, emu, wait_tasks, monkeypatch, tmp_path):
    k = Kiosk(ui_ctx, "象山县行政服务中心", printer_url=emu.url, spool_dir=tmp_path / "spool")
    qtbot.addWidget(k)
    k.resize(1280, 800)
    k.show()
    wait_tasks(ui_ctx)
    return k


def touch(qtbot, kiosk, ctx, wait_tasks, zone: str) -> None:
    qtbot.mouseClick(kiosk.zone_buttons[zone], Qt.MouseButton.LeftButton)
    wait_tasks(ctx)


def test_zone_buttons_come_from_the_hall_with_waiting_counts(kiosk, ui_ctx):
    assert list(kiosk.zone_buttons) == ["ZH", "SS", "BDC", "TZ", "SH", "GA", "YB"]
    assert kiosk.zone_buttons["SS"].text() == "商事登记\n等候 0 人"


def test_touching_a_zone_issues_its_next_number_and_prints_it(qtbot, kiosk, ui_ctx, emu, wait_tasks):
    touch(qtbot, kiosk, ui_ctx, wait_tasks, "SS")
    assert kiosk.number.text() == "A001"
    assert kiosk.pages.currentIndex() == 1
    assert "商事登记" in kiosk.zone_line.text()
    assert kiosk.ahead_line.text() == "您前面没有人等候，请留意叫号"
    assert kiosk.print_state == "printed"
    assert kiosk.print_line.text() == "请取走号票，留意叫号"
    emu.wait_connections(1)
    text = decode(emu.printer.printed()).text
    assert "A001" in text and "商事登记" in text and "象山县行政服务中心" in text
    assert kiosk.spool.pending() == []

    kiosk.home()
    wait_tasks(ui_ctx)
    touch(qtbot, kiosk, ui_ctx, wait_tasks, "SS")
    assert kiosk.number.text() == "A002"
    assert kiosk.ahead_line.text() == "您前面还有 1 人等候"
    touch(qtbot, kiosk, ui_ctx, wait_tasks, "BDC")
    assert kiosk.number.text() == "B001"
    kiosk.home()
    wait_tasks(ui_ctx)
    assert kiosk.zone_buttons["SS"].text() == "商事登记\n等候 2 人"


def test_a_lane_gives_priority_and_goes_back_to_normal(qtbot, kiosk, ui_ctx, emu, wait_tasks):
    touch(qtbot, kiosk, ui_ctx, wait_tasks, "ZH")
    qtbot.mouseClick(kiosk.lane_buttons["elderly"], Qt.MouseButton.LeftButton)
    assert kiosk.lane == "elderly"
    touch(qtbot, kiosk, ui_ctx, wait_tasks, "ZH")
    assert kiosk.number.text() == "Z002"
    assert kiosk.zone_line.text() == "综合（老年人）"
    assert kiosk.ahead_line.text() == "您前面没有人等候，请留意叫号"  # ahead of Z001
    assert kiosk.lane == "normal" and kiosk.lane_buttons["normal"].isChecked()
    emu.wait_connections(2)
    assert "老年人" in decode(emu.printer.printed()).text
    called = queue.call_next(ui_ctx.db, ui_ctx.cfg.hall_code, 1, "test")
    assert called is not None and called.display == "Z002" and called.lane == "elderly"


def test_printer_out_of_paper_keeps_the_number_on_screen_and_the_job(qtbot, kiosk, ui_ctx, emu, wait_tasks):
    emu.printer.run_out_of_paper()
    touch(qtbot, kiosk, ui_ctx, wait_tasks, "GA")
    assert kiosk.print_state == "failed"
    assert kiosk.number.text() == "E001"
    assert kiosk.pages.currentIndex() == 1
    assert kiosk.print_line.text() == "打印机缺纸，请联系工作人员；您的号码是 E001"
    [job] = kiosk.spool.pending()
    assert job.title == "取号 E001"
    emu.printer.load_paper()
    ui_ctx.tasks.device_worker.call(kiosk.spool.reprint, job.id)  # staff press 重打 later: the same ticket comes out
    emu.wait_connections(2)
    assert "E001" in decode(emu.printer.printed()).text


def test_unreachable_printer_says_so(qtbot, ui_ctx, wait_tasks, tmp_path, emu):
    url = emu.url
    emu.stop()  # nothing listens on that port any more
    k = Kiosk(ui_ctx, printer_url=url, spool_dir=tmp_path / "spool")
    qtbot.addWidget(k)
    wait_tasks(ui_ctx)
    touch(qtbot, k, ui_ctx, wait_tasks, "ZH")
    assert k.print_state == "failed"
    assert k.number.text() == "Z001"
    assert k.print_line.text() == "打印机无法连接，请联系工作人员；您的号码是 Z001"
    assert len(k.spool.pending()) == 1
    k.close()


def test_database_down_gives_no_number_and_a_message(qtbot, kiosk, ui_ctx, wait_tasks, monkeypatch):
    from clerk.errors import StorageError

    def down(*_a, **_k):
        raise StorageError("大厅数据库无法连接", "database unreachable")

    monkeypatch.setattr(queue, "take_ticket", down)
    touch(qtbot, kiosk, ui_ctx, wait_tasks, "ZH")
    assert kiosk.pages.currentIndex() == 0
    assert kiosk.error.text() == "暂时无法取号：大厅数据库无法连接。请稍后再试或联系工作人员"
    assert all(b.isEnabled() for b in kiosk.zone_buttons.values())


def test_card_swipe_greets_masked_and_flags_a_second_ticket(qtbot, kiosk, ui_ctx, wait_tasks):
    """Given a person with no case at all, when they swipe and take two tickets the same day,
    then the second ticket says which one they already hold."""
    card = SimpleNamespace(name="张三丰", id_number="330225199001011234")
    kiosk.card_read(card)
    wait_tasks(ui_ctx)
    assert kiosk.card_line.text() == "张*丰 您好，请选择办理事项取号"
    assert "张三丰" not in kiosk.card_line.text()
    assert kiosk.applicant_id is not None  # registered at the swipe, no case needed
    touch(qtbot, kiosk, ui_ctx, wait_tasks, "ZH")
    assert kiosk.number.text() == "Z001"
    assert kiosk.ahead_line.text() == "您前面没有人等候，请留意叫号"
    assert kiosk.card_line.text().startswith("持身份证")  # the card is for one ticket only
    kiosk.home()
    wait_tasks(ui_ctx)

    kiosk.card_read(card)
    wait_tasks(ui_ctx)
    touch(qtbot, kiosk, ui_ctx, wait_tasks, "SS")
    assert kiosk.number.text() == "A001"
    assert kiosk.ahead_line.text() == "您前面没有人等候，请留意叫号\n您今天已取号 Z001"
    with ui_ctx.db.uow() as s:
        from sqlalchemy import select

        from clerk.models import Applicant
        [person] = s.scalars(select(Applicant)).all()
        assert (person.name, person.id_number, person.kind) == ("张三丰", "330225199001011234", "person")


def test_ticket_prints_a_qr_and_the_halls_real_grace(qtbot, kiosk, ui_ctx, emu, wait_tasks):
    queue.set_no_show_grace(ui_ctx.db, ui_ctx.cfg.hall_code, 15)
    touch(qtbot, kiosk, ui_ctx, wait_tasks, "SS")
    assert kiosk.print_state == "printed"
    emu.wait_connections(1)
    printed = decode(emu.printer.printed())
    t = queue.find_ticket(ui_ctx.db, ui_ctx.cfg.hall_code, "A001")
    assert printed.qr_payloads == [f"33022501-{t.service_date:%Y%m%d}-A001"]
    assert "过号 15 分钟内请到服务台重新排队" in printed.text
    assert "过号 30 分钟" not in printed.text


def test_lane_buttons_come_from_the_halls_lanes(qtbot, kiosk, ui_ctx, emu, wait_tasks):
    assert list(kiosk.lane_buttons) == ["normal", "elderly", "disabled", "military", "booked"]
    assert kiosk.lane_buttons["normal"].isChecked() and kiosk.hint.text().startswith("① 请选择通道")
    hall = ui_ctx.cfg.hall_code
    hall_db = ui_ctx.db
    queue.set_hall_lanes(hall_db, hall, json.dumps({"lanes": [
        {"key": "normal"}, {"key": "pregnant", "label": "孕妇", "priority": 3},
        {"key": "elderly", "label": "老年人"}, {"key": "military", "enabled": False}]}, ensure_ascii=False))
    kiosk.refresh()
    wait_tasks(ui_ctx)
    assert [(k, b.text()) for k, b in kiosk.lane_buttons.items()] == [
        ("normal", "普通"), ("pregnant", "孕妇"), ("elderly", "老年人")]
    qtbot.mouseClick(kiosk.lane_buttons["pregnant"], Qt.MouseButton.LeftButton)
    touch(qtbot, kiosk, ui_ctx, wait_tasks, "ZH")
    assert kiosk.zone_line.text() == "综合（孕妇）"
    t = queue.find_ticket(hall_db, hall, "Z001")
    assert (t.lane, t.priority) == ("pregnant", 3)
    emu.wait_connections(1)
    assert "孕妇" in decode(emu.printer.printed()).text

    queue.set_hall_lanes(hall_db, hall, '{"lanes": [{"key": "normal"}]}')
    kiosk.home()
    wait_tasks(ui_ctx)
    assert kiosk.lane_buttons == {} and kiosk.hint.text() == "请点击要办理的事项分区取号"
    touch(qtbot, kiosk, ui_ctx, wait_tasks, "ZH")
    assert kiosk.number.text() == "Z002" and kiosk.zone_line.text() == "综合"


def test_card_of_an_applicant_with_an_open_case(qtbot, kiosk, ui_ctx, wait_tasks):
    from clerk import cases
    from tests.casefixtures import ZHANG, clerk_user, make_catalog, zhang

    make_catalog(ui_ctx.db)
    user = clerk_user(ui_ctx.db)
    case = cases.start_case(ui_ctx.db, user, zhang(), matter_code="M-HUJI", answers={"who": ["self"]},
                            window_number=1)
    for c in case.checks:
        cases.check_material(ui_ctx.db, user, case.id, c.key, "presented")
    cases.accept_case(ui_ctx.db, user, case.id)
    cases.start_case(ui_ctx.db, user, zhang(), matter_code="M-HUJI", window_number=1)  # a draft: not 在办

    kiosk.card_read(SimpleNamespace(name="张三", id_number=ZHANG))
    wait_tasks(ui_ctx)
    assert kiosk.card_line.text() == "张* 您好，您有 1 件在办事项，请选择办理事项取号"
    assert kiosk.applicant_id == case.applicant.id
    touch(qtbot, kiosk, ui_ctx, wait_tasks, "ZH")
    kiosk.home()
    wait_tasks(ui_ctx)
    # The same person swipes again and takes a second ticket today: the kiosk says so.
    kiosk.card_read(SimpleNamespace(name="张三", id_number=ZHANG))
    wait_tasks(ui_ctx)
    touch(qtbot, kiosk, ui_ctx, wait_tasks, "SS")
    assert kiosk.number.text() == "A001"
    assert kiosk.ahead_line.text().endswith("您今天已取号 Z001")


def test_printer_problem_wording():
    """The visitor's line comes from the kind of failure and the printer's status, not from the
    clerk's message (which names the printer's address)."""
    from ui.ops import Failed, Refused

    paper_out = Refused("DeviceError", "打印机缺纸，请装纸后点击重打（打印任务已保留，可重打）",
                        details={"status": {"paper": "out", "online": True, "cover_open": False, "error": False}},
                        kinds=("DeviceError", "ClerkError"))
    assert printer_problem("A023", paper_out) == "打印机缺纸，请联系工作人员；您的号码是 A023"
    unreachable = Refused("DeviceNotFound", "打印机 tcp://10.0.0.5:9100 无法连接，请检查",
                          kinds=("DeviceNotFound", "DeviceError", "ClerkError"))
    assert printer_problem("Z001", unreachable) == "打印机无法连接，请联系工作人员；您的号码是 Z001"
    assert printer_problem("Z001", Failed("操作失败：boom", "RuntimeError")) == "打印机故障，请联系工作人员；您的号码是 Z001"