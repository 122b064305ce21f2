"""The hall queue on a real SQLite database: numbers, calling order, window moves, leases.

The demo hall (clerk.bootstrap.ensure_hall): windows 1–2 serve 综合 first, then every zone;
window 3 serves 商事登记 (A) then 综合 (Z); window 4 不动产登记 (B) then 综合; window 5 投资项目 (C).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from clerk import queue
from clerk.bootstrap import ensure_hall
from clerk.errors import IllegalTransition, NotFound, ValidationError
from clerk.models import Applicant, DailyCounter, Ticket

HALL = "33022501"
T0 = dt.datetime(2026, 11, 23, 9, 0)


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


@pytest.fixture
def hall_db(db):
    with db.uow() as s:
        ensure_hall(s)
    return db


def take(db, zone: str, minutes: float, lane: str = "normal", **kw) -> queue.TicketInfo:
    return queue.take_ticket(db, HALL, zone, lane=lane, now=at(minutes), **kw)


def call(db, window: int, minutes: float, holder: str | None = None) -> queue.TicketInfo | None:
    return queue.call_next(db, HALL, window, holder or f"ws{window}", now=at(minutes))


# --------------------------------------------------------------------------- numbering

def test_numbers_run_per_zone_and_count_who_is_ahead(hall_db):
    a = [take(hall_db, "SS", i) for i in range(3)]
    b = take(hall_db, "不动产登记", 4)  # a Chinese zone name works like its code
    assert [t.display for t in a] == ["A001", "A002", "A003"]
    assert [t.ahead for t in a] == [0, 1, 2]
    assert (b.display, b.zone_code, b.zone_name, b.ahead) == ("B001", "BDC", "不动产登记", 0)
    assert a[0].state == "waiting" and a[0].state_label == "等候中" and a[0].issued_at == at(0)


def test_sequence_restarts_each_day_and_yesterdays_tickets_are_not_called(hall_db):
    take(hall_db, "SS", 0)
    take(hall_db, "SS", 1)
    tomorrow = queue.take_ticket(hall_db, HALL, "SS", now=T0 + dt.timedelta(days=1))
    assert tomorrow.display == "A001" and tomorrow.service_date == dt.date(2026, 11, 24)
    first = queue.call_next(hall_db, HALL, 3, "ws3", now=T0 + dt.timedelta(days=1, minutes=5))
    assert first is not None and first.id == tomorrow.id
    assert queue.call_next(hall_db, HALL, 1, "ws1", now=T0 + dt.timedelta(days=1, minutes=6)) is None


def test_number_grows_to_four_digits_after_999(hall_db):
    with hall_db.uow() as s:
        s.add(DailyCounter(scope=f"ticket:{HALL}:SS", day=T0.date(), value=998))
    assert [take(hall_db, "SS", i).display for i in range(2)] == ["A999", "A1000"]


def test_unknown_zone_or_lane_is_refused_in_chinese(hall_db):
    with pytest.raises(ValidationError, match="没有“户籍”分区，可选：综合、商事登记"):
        take(hall_db, "户籍", 0)
    with pytest.raises(ValidationError, match="没有“vip”通道"):
        take(hall_db, "SS", 0, lane="vip")
    with pytest.raises(NotFound, match="找不到大厅 99999999"):
        queue.take_ticket(hall_db, "99999999", "SS", now=T0)
    with hall_db.uow() as s:
        assert s.scalar(select(Ticket.id)) is None  # nothing half-issued


def test_repeat_visitor_sees_their_open_tickets_today(hall_db):
    with hall_db.uow() as s:
        person = Applicant(name="张三", id_number="330225199001011234")
        s.add(person)
        s.flush()
        pid = person.id
    first = take(hall_db, "SS", 0, applicant_id=pid)
    assert first.repeat_open == ()
    second = take(hall_db, "GA", 5, applicant_id=pid)
    assert second.repeat_open == ("A001",) and second.applicant_id == pid


# --------------------------------------------------------------------------- calling order

def test_priority_lanes_are_called_first(hall_db):
    normal = take(hall_db, "SS", 0)
    booked = take(hall_db, "SS", 1, lane="booked")
    elderly = take(hall_db, "SS", 2, lane="elderly")
    assert (elderly.lane_label, elderly.ahead) == ("老年人", 0)
    assert booked.ahead == 0 and queue.find_ticket(hall_db, HALL, "A001", T0.date()).ahead == 2
    order = []
    for i in range(3):
        got = call(hall_db, 3, 10 + i)
        assert got is not None
        order.append(got.display)
        queue.finish(hall_db, got.id, now=at(10.5 + i))
    assert order == [elderly.display, booked.display, normal.display]


def test_a_zone_window_takes_zonghe_tickets_when_its_own_zone_is_empty(hall_db):
    z = take(hall_db, "ZH", 0)
    a = take(hall_db, "SS", 1)
    got4 = call(hall_db, 4, 2)  # window 4 (B, Z): no B waiting, so Z001
    got3 = call(hall_db, 3, 3)  # window 3 (A, Z); within window 4's lease
    assert (got4.display, got3.display) == (z.display, a.display)
    status = queue.queue_status(hall_db, HALL, T0.date())
    assert {w.number: w.display for w in status.windows if w.display} == {3: "A001", 4: "Z001"}


def test_window_one_prefers_zonghe_and_window_four_skips_other_zones(hall_db):
    a = take(hall_db, "SS", 0)
    z = take(hall_db, "ZH", 1)
    assert call(hall_db, 1, 2).display == z.display  # 综合 is window 1's first zone
    assert call(hall_db, 4, 3) is None                # only A001 waits; window 4 serves B and Z
    assert call(hall_db, 3, 4).display == a.display


def test_transfer_to_a_window_keeps_the_number_and_that_window_calls_it_first(hall_db):
    a1 = take(hall_db, "SS", 0)
    c1 = take(hall_db, "TZ", 1)
    a2 = take(hall_db, "SS", 2)
    assert call(hall_db, 3, 3).display == "A001"
    moved = queue.transfer(hall_db, a1.id, to_window=5, note="投资项目备案，请到5号窗口", now=at(4))
    assert (moved.display, moved.state, moved.target_window) == ("A001", "waiting", 5)
    assert moved.window_number is None and moved.transfer_note == "投资项目备案，请到5号窗口"
    assert call(hall_db, 3, 5).display == a2.display  # window 3 no longer sees A001
    assert call(hall_db, 5, 6).display == "A001"      # before C001, which is window 5's own zone
    queue.finish(hall_db, a1.id, now=at(7))
    assert call(hall_db, 5, 8).display == c1.display


def test_transfer_to_a_zone_keeps_its_place_by_issue_time(hall_db):
    a1 = take(hall_db, "SS", 0)
    take(hall_db, "BDC", 1)
    assert call(hall_db, 3, 2).id == a1.id
    moved = queue.transfer(hall_db, a1.id, to_zone="BDC", note="办理不动产抵押", now=at(3))
    assert (moved.display, moved.zone_code, moved.zone_name) == ("A001", "BDC", "不动产登记")
    assert call(hall_db, 4, 4).display == "A001"
    assert take(hall_db, "BDC", 5).display == "B002"  # the 不动产 numbers run on undisturbed
    with pytest.raises(ValidationError, match="请选择转往的分区或窗口"):
        queue.transfer(hall_db, a1.id)


# --------------------------------------------------------------------------- window moves

def test_no_show_returns_within_grace_and_is_refused_after_it(hall_db):
    a1 = take(hall_db, "SS", 0)
    take(hall_db, "SS", 1)
    call(hall_db, 3, 2)
    recalled = queue.recall(hall_db, a1.id, now=at(3))
    assert (recalled.call_count, recalled.called_at) == (2, at(3))
    missed = queue.no_show(hall_db, a1.id, now=at(4))
    assert (missed.state, missed.state_label, missed.no_show_at) == ("no_show", "已过号", at(4))
    back = queue.return_ticket(hall_db, HALL, "a001", now=at(20))
    assert back.state == "waiting" and back.issued_at == at(0)
    assert call(hall_db, 3, 21).display == "A001"  # comes before A002 again
    queue.no_show(hall_db, a1.id, now=at(22))
    with pytest.raises(IllegalTransition, match="A001 过号已超过 30 分钟（31 分钟），请重新取号"):
        queue.return_ticket(hall_db, HALL, "A001", now=at(53))
    assert queue.find_ticket(hall_db, HALL, "A001", T0.date()).state == "no_show"


def test_illegal_moves_are_refused_with_the_reason(hall_db):
    a1 = take(hall_db, "SS", 0)
    take(hall_db, "SS", 1)
    with pytest.raises(IllegalTransition, match="A001 等候中，不能办结"):
        queue.finish(hall_db, a1.id, now=at(1))
    call(hall_db, 3, 2)
    with pytest.raises(IllegalTransition, match="3 号窗口已呼叫 A001，请先开始办理或标记过号"):
        call(hall_db, 3, 3)
    with pytest.raises(IllegalTransition, match="A001 已由其他窗口呼叫"):
        queue.finish(hall_db, a1.id, holder="ws9", now=at(3))
    queue.start_serving(hall_db, a1.id, holder="ws3", now=at(4))
    done = queue.finish(hall_db, a1.id, holder="ws3", now=at(10))
    assert (done.wait_minutes, done.serve_minutes) == (2.0, 6.0)
    with pytest.raises(IllegalTransition, match="A001 已办结，不能重呼"):
        queue.recall(hall_db, a1.id, now=at(11))
    with pytest.raises(IllegalTransition, match="A001 已办结，不能标记过号"):
        queue.no_show(hall_db, a1.id, now=at(11))
    with pytest.raises(NotFound, match="今天没有 A077 号"):
        queue.find_ticket(hall_db, HALL, "A077", T0.date())


def test_calling_next_finishes_the_ticket_being_served(hall_db):
    a1 = take(hall_db, "SS", 0)
    take(hall_db, "SS", 1)
    call(hall_db, 3, 2)
    queue.start_serving(hall_db, a1.id, now=at(3))
    nxt = call(hall_db, 3, 9)
    assert nxt.display == "A002" and nxt.auto_finished == "A001"
    done = queue.find_ticket(hall_db, HALL, "A001", T0.date())
    assert (done.state, done.finished_at, done.serve_minutes) == ("done", at(9), 6.0)


def test_paused_window_calls_nobody_until_resumed(hall_db):
    take(hall_db, "SS", 0)
    assert queue.pause_window(hall_db, HALL, 3) is True
    with pytest.raises(IllegalTransition, match="3 号窗口已暂停"):
        call(hall_db, 3, 1)
    assert queue.queue_status(hall_db, HALL, T0.date()).windows[2].paused is True
    queue.resume_window(hall_db, HALL, 3)
    assert call(hall_db, 3, 2).display == "A001"


def test_walk_in_is_served_at_once_and_intake_finds_it(hall_db):
    take(hall_db, "GA", 0)
    w = queue.walk_in(hall_db, HALL, 7, "GA", "ws7", now=at(1))
    assert (w.display, w.state, w.window_number, w.started_at) == ("E002", "serving", 7, at(1))
    cur = queue.current_ticket(hall_db, HALL, 7, T0.date())
    assert cur is not None and cur.id == w.id
    assert call(hall_db, 7, 5).display == "E001"  # the walk-in is finished by the next call
    assert [t.display for t in queue.tickets_for_window(hall_db, HALL, 7, T0.date())] == ["E001", "E002"]
    assert queue.current_ticket(hall_db, HALL, 8, T0.date()) is None


def test_cancel_only_a_waiting_ticket(hall_db):
    a1 = take(hall_db, "SS", 0)
    assert queue.cancel(hall_db, a1.id, now=at(1)).state == "cancelled"
    assert call(hall_db, 3, 2) is None


# --------------------------------------------------------------------------- leases

def test_an_expired_lease_puts_the_ticket_back_at_the_head(hall_db):
    a1 = take(hall_db, "SS", 0)
    take(hall_db, "SS", 1)
    got = queue.call_next(hall_db, HALL, 3, "ws3", now=at(2), lease_seconds=90)
    assert got.lease_until == at(3.5) and got.holder == "ws3"
    assert queue.heartbeat(hall_db, "ws3", now=at(3), lease_seconds=90, hall_code=HALL) == 1  # renewed to 4.5
    assert queue.release_expired(hall_db, now=at(4)) == []
    # ws3 stops renewing (crashed); the lease runs out and window 1 gets A001, not A002
    again = call(hall_db, 1, 5)
    assert (again.display, again.window_number, again.holder) == ("A001", 1, "ws1")
    assert again.issued_at == at(0) and again.call_count == 2
    assert queue.current_ticket(hall_db, HALL, 3, T0.date()) is None
    assert queue.release_expired(hall_db, now=at(5)) == []


def test_serving_tickets_are_not_released(hall_db):
    a1 = take(hall_db, "SS", 0)
    call(hall_db, 3, 1)
    queue.start_serving(hall_db, a1.id, now=at(2))
    assert queue.release_expired(hall_db, now=at(60)) == []
    assert queue.current_ticket(hall_db, HALL, 3, T0.date()).display == "A001"


# --------------------------------------------------------------------------- status and CLI

def test_queue_status_counts_waiting_windows_recent_calls_and_average_wait(hall_db):
    for i in range(3):
        take(hall_db, "SS", i)
    take(hall_db, "BDC", 3)
    call(hall_db, 3, 10)  # A001 waited 10 min
    call(hall_db, 4, 7)   # B001 waited 4 min
    st = queue.queue_status(hall_db, HALL, T0.date())
    by_zone = {z.zone_code: (z.waiting, z.next_display) for z in st.zones}
    assert by_zone["SS"] == (2, "A002") and by_zone["BDC"] == (0, None) and st.waiting == 2
    assert [(r.display, r.window_number) for r in st.recent] == [("A001", 3), ("B001", 4)]
    assert st.average_wait_minutes == 7.0 and st.issued == 4
    assert st.windows[0].zone_codes == ("ZH", "SS", "BDC", "TZ", "SH", "GA", "YB")


def _cli(tmp_path, capsys, *argv: str) -> tuple[int, str]:
    from clerk import cli_queue
    from clerk.errors import ClerkError

    parser = argparse.ArgumentParser(prog="clerk")
    parser.add_argument("--data-dir")
    cli_queue.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["--data-dir", str(tmp_path), *argv])
    try:
        rc = args.handler(args)
    except ClerkError as exc:
        return 1, exc.message
    return rc, capsys.readouterr().out


def test_cli_takes_calls_finishes_and_reports_in_json(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("CLERK_DATABASE_URL", raising=False)
    monkeypatch.setenv("CLERK_USER", "clerk")
    monkeypatch.setenv("CLERK_PASSWORD", "clerk123")
    rc, out = _cli(tmp_path, capsys, "queue", "take", "--zone", "商事登记", "--lane", "elderly", "--json")
    taken = json.loads(out)
    assert rc == 0 and taken["display"] == "A001" and taken["lane_label"] == "老年人"
    rc, out = _cli(tmp_path, capsys, "queue", "call", "--window", "3", "--holder", "kiosk-test", "--json")
    assert json.loads(out)["display"] == "A001" and json.loads(out)["window_number"] == 3
    rc, msg = _cli(tmp_path, capsys, "queue", "finish", "--window", "3", "--json")
    assert rc == 1 and msg == "A001 已由其他窗口呼叫（3 号窗口），不能在此办结"
    rc, out = _cli(tmp_path, capsys, "queue", "finish", "--window", "3", "--holder", "kiosk-test", "--json")
    assert json.loads(out)["state"] == "done"
    rc, out = _cli(tmp_path, capsys, "queue", "status", "--json")
    status = json.loads(out)
    assert status["done"] == 1 and status["recent"][0]["display"] == "A001"
    rc, out = _cli(tmp_path, capsys, "queue", "call", "--window", "3", "--json")
    assert rc == 0 and json.loads(out) is None
    rc, msg = _cli(tmp_path, capsys, "queue", "recall", "--ticket", "A001")
    assert rc == 1 and msg == "A001 已办结，不能重呼"


def test_a_window_without_zones_calls_only_tickets_transferred_to_it(hall_db):
    from clerk.models import Window, WindowZone

    with hall_db.uow() as s:
        w8 = s.scalar(select(Window).where(Window.number == 8))
        for link in s.scalars(select(WindowZone).where(WindowZone.window_id == w8.id)):
            s.delete(link)
    a1 = take(hall_db, "SS", 0)
    take(hall_db, "ZH", 1)
    assert call(hall_db, 8, 2) is None
    queue.transfer(hall_db, a1.id, to_window=8, now=at(3))
    assert call(hall_db, 8, 4).display == "A001"


# --------------------------------------------------------------------------- restart

def test_restart_of_the_same_seat_takes_over_its_called_ticket(hall_db):
    take(hall_db, "ZH", 0)
    t = queue.call_next(hall_db, HALL, 1, "pc1:1:100", now=at(1))
    with pytest.raises(IllegalTransition):
        queue.no_show(hall_db, t.id, "pc1:1:200", now=at(2))  # the new run is not the holder yet
    st = queue.window_state(hall_db, HALL, 1, "pc1:1:200", now=at(2))
    assert st.adopted and not st.paused
    assert (st.ticket.display, st.ticket.holder, st.ticket.state) == ("Z001", "pc1:1:200", "called")
    assert queue.no_show(hall_db, t.id, "pc1:1:200", now=at(3)).state == "no_show"


def test_another_seat_keeps_its_ticket_and_a_free_window_reports_pause(hall_db):
    take(hall_db, "ZH", 0)
    queue.call_next(hall_db, HALL, 1, "pc1:1:100", now=at(1))
    st = queue.window_state(hall_db, HALL, 1, "pc9:1:300", now=at(2))
    assert not st.adopted and st.ticket.holder == "pc1:1:100"
    queue.pause_window(hall_db, HALL, 2)
    st2 = queue.window_state(hall_db, HALL, 2, "pc2:2:1", now=at(2))
    assert st2 == queue.WindowState(None, True, False)
    assert queue.seat_of("pc1:1:100") == "pc1:1" and queue.seat_of("solo") == "solo"


# --------------------------------------------------------------------------- hall settings

def test_no_show_grace_is_a_hall_setting_that_return_ticket_uses(hall_db):
    """Given a hall whose grace is 10 minutes, a 过号 person back after 12 minutes is refused
    (and the other hall keeps the default 30), while within 10 minutes the ticket comes back."""
    with hall_db.uow() as s:
        ensure_hall(s, code="33022502", name="象山县西周镇便民服务中心")
    assert queue.no_show_grace_minutes(hall_db, HALL) == queue.NO_SHOW_GRACE_MINUTES == 30
    assert queue.set_no_show_grace(hall_db, HALL, 10) == 10
    assert queue.no_show_grace_minutes(hall_db, HALL) == 10
    assert queue.no_show_grace_minutes(hall_db, "33022502") == 30
    with hall_db.uow() as s:
        from clerk.models import Setting
        assert s.get(Setting, f"queue.no_show_grace_minutes:{HALL}").value == "10"

    a1 = take(hall_db, "SS", 0)
    call(hall_db, 3, 1)
    queue.no_show(hall_db, a1.id, now=at(2))
    with pytest.raises(IllegalTransition, match="A001 过号已超过 10 分钟（12 分钟），请重新取号"):
        queue.return_ticket(hall_db, HALL, "A001", now=at(14))
    assert queue.return_ticket(hall_db, HALL, "A001", now=at(11)).state == "waiting"
    queue.set_no_show_grace(hall_db, HALL, 0)
    call(hall_db, 3, 12)
    queue.no_show(hall_db, a1.id, now=at(13))
    with pytest.raises(IllegalTransition, match="A001 已过号，本大厅过号后不能重排，请重新取号"):
        queue.return_ticket(hall_db, HALL, "A001", now=at(13.5))
    with pytest.raises(ValidationError, match="过号重排宽限应为 0–1440 分钟的整数，实为 -5"):
        queue.set_no_show_grace(hall_db, HALL, -5)


def test_a_bad_stored_grace_falls_back_to_the_default(hall_db):
    from clerk.models import Setting

    with hall_db.uow() as s:
        s.add(Setting(key="queue.no_show_grace_minutes", value="半小时"))
    assert queue.no_show_grace_minutes(hall_db, HALL) == 30


LANES_JSON = json.dumps({"lanes": [
    {"key": "normal", "label": "普通", "priority": 0},
    {"key": "pregnant", "label": "孕妇", "priority": 3},
    {"key": "elderly", "label": "老年人"},
    {"key": "military", "enabled": False},
]}, ensure_ascii=False)


def test_a_hall_configures_its_lanes_and_take_ticket_uses_them(hall_db):
    assert list(queue.hall_lanes(hall_db, HALL)) == ["normal", "elderly", "disabled", "military", "booked"]
    st = queue.set_hall_lanes(hall_db, HALL, LANES_JSON)
    assert st.source == "hall" and st.problem == ""
    assert list(st.lanes) == ["normal", "pregnant", "elderly", "military"]
    assert list(queue.hall_lanes(hall_db, HALL)) == ["normal", "pregnant", "elderly"]  # open ones only
    assert queue.hall_lanes(hall_db, HALL)["pregnant"] == queue.Lane(3, "孕妇")

    old = take(hall_db, "SS", 0, lane="elderly")
    mum = take(hall_db, "SS", 1, lane="pregnant")
    assert (mum.lane, mum.lane_label, mum.priority, mum.ahead) == ("pregnant", "孕妇", 3, 0)
    assert call(hall_db, 3, 2).display == mum.display  # priority 3 before the elderly lane's 2
    assert call(hall_db, 4, 3) is None and old.priority == 2
    with pytest.raises(ValidationError, match="本大厅未开放军人通道，可选：normal（普通）、pregnant（孕妇）、elderly（老年人）"):
        take(hall_db, "SS", 4, lane="military")
    with pytest.raises(ValidationError, match="没有“disabled”通道"):
        take(hall_db, "SS", 4, lane="disabled")
    walk = queue.walk_in(hall_db, HALL, 7, "GA", "ws7", now=at(5))
    assert (walk.lane, walk.lane_label) == ("normal", "普通")

    back = queue.set_hall_lanes(hall_db, HALL, None)  # back to the defaults
    assert back.source == "default" and "military" in queue.hall_lanes(hall_db, HALL)


@pytest.mark.parametrize("text, message", [
    ('{"lanes": [{"key": "normal"},]}', "通道设置不是有效的 JSON：第 1 行第 30 列有误"),
    ('{"lanes": [{"key": "normal", "colour": "red"}]}', "第 1 个通道有未知字段“colour”，可用字段：key、label、priority、enabled"),
    ('{"lane": []}', "通道设置有未知字段“lane”，只能有 lanes"),
    ('[]', "通道设置应为通道列表"),
    ('[{"key": "normal"}, {"key": "vip", "label": "贵宾"}]', "第 2 个通道（vip）的优先级 priority 应为 0–9 的整数"),
    ('[{"key": "normal"}, {"key": "elderly", "priority": "2"}]', "第 2 个通道（elderly）的优先级 priority 应为 0–9 的整数"),
    ('[{"key": "normal"}, {"key": "VIP", "label": "贵宾", "priority": 1}]', "第 2 个通道的 key “VIP”无效"),
    ('[{"key": "normal"}, {"key": "normal"}]', "通道 normal 重复出现"),
    ('[{"key": "elderly"}]', "必须保留并开放普通通道（normal）"),
    ('[{"key": "normal", "enabled": false}]', "必须保留并开放普通通道（normal）"),
    ('[{"key": "normal", "enabled": "yes"}]', "第 1 个通道（normal）的 enabled 应为 true 或 false"),
    ('[{"key": "normal", "label": ""}]', "第 1 个通道（normal）的名称 label 应为 1–10 个字"),
])
def test_bad_lane_settings_are_refused_in_chinese_and_nothing_is_stored(hall_db, text, message):
    with pytest.raises(ValidationError) as err:
        queue.set_hall_lanes(hall_db, HALL, text)
    assert err.value.message.startswith(message)
    assert queue.lane_settings(hall_db, HALL).source == "default"


def test_a_broken_stored_lane_setting_falls_back_to_the_defaults_and_says_why(hall_db):
    from clerk.models import Setting

    with hall_db.uow() as s:
        s.add(Setting(key=f"queue.lanes:{HALL}", value='{"lanes": [{"key": "normal", "colour": 1}]}'))
    st = queue.lane_settings(hall_db, HALL)
    assert st.source == "default" and list(st.lanes) == list(queue.LANES)
    assert st.problem == "第 1 个通道有未知字段“colour”，可用字段：key、label、priority、enabled（已改用默认通道）"
    assert take(hall_db, "SS", 0, lane="elderly").priority == 2  # the kiosk keeps issuing


def test_hall_zones_are_the_halls_own(hall_db):
    from clerk.models import Hall, Zone

    with hall_db.uow() as s:
        town = ensure_hall(s, code="33022502", name="西周镇便民服务中心", windows=1)
        s.delete(s.scalar(select(Zone).where(Zone.hall_id == town.id, Zone.code == "TZ")))
        s.add(Zone(hall_id=town.id, code="NY", name="农业农村", prefix="N", position=9))
        assert s.scalar(select(Hall.id).where(Hall.code == "33022502")) == town.id
    codes = [z.code for z in queue.hall_zones(hall_db, "33022502")]
    assert codes == ["ZH", "SS", "BDC", "SH", "GA", "YB", "NY"]
    assert queue.hall_zones(hall_db, HALL)[1] == queue.HallZone("SS", "商事登记", "A")
    assert queue.window_zone_codes(hall_db, HALL, 4) == ["BDC", "ZH"]
    assert queue.window_zone_codes(hall_db, HALL, 1)[0] == "ZH"


# --------------------------------------------------------------------------- applicants at the kiosk

def test_a_card_at_the_kiosk_finds_or_creates_the_person_as_intake_stores_them(hall_db):
    from clerk import cases
    from clerk.dto import ApplicantInput
    from tests.casefixtures import id_number

    number = id_number("33022519800101107")
    assert number.endswith("X")
    pid = queue.applicant_for_card(hall_db, number.lower(), "王五")  # a lower-case x from a reader
    assert queue.applicant_for_card(hall_db, number, "王五") == pid
    with hall_db.uow() as s:
        row = s.get(Applicant, pid)
        assert (row.kind, row.id_number, row.name, row.id_type) == ("person", number, "王五", "resident")
        # intake (clerk.cases) later finds the same row, not a second person
        assert cases._upsert_applicant(s, ApplicantInput(name="王五", id_number=number)).id == pid
    with pytest.raises(ValidationError, match="身份证号码"):
        queue.applicant_for_card(hall_db, "330225198001011071", "王五")  # wrong check character
    with hall_db.uow() as s:
        assert s.scalar(select(func.count()).select_from(Applicant)) == 1

    first = take(hall_db, "SS", 0, applicant_id=pid)
    second = take(hall_db, "GA", 1, applicant_id=queue.applicant_for_card(hall_db, number, "王五"))
    assert first.repeat_open == () and second.repeat_open == ("A001",)


# --------------------------------------------------------------------------- transfer holder, QR

def test_a_window_cannot_transfer_a_ticket_another_window_holds(hall_db):
    a1 = take(hall_db, "SS", 0)
    call(hall_db, 3, 1)
    with pytest.raises(IllegalTransition, match=r"A001 已由其他窗口呼叫（3 号窗口），不能在此转移"):
        queue.transfer(hall_db, a1.id, to_zone="BDC", holder="ws1", now=at(2))
    assert queue.find_ticket(hall_db, HALL, "A001", T0.date()).state == "called"
    moved = queue.transfer(hall_db, a1.id, to_zone="BDC", holder="ws3", now=at(3))
    assert (moved.state, moved.zone_code) == ("waiting", "BDC")
    call(hall_db, 4, 4)
    assert queue.transfer(hall_db, a1.id, to_window=5, now=at(5)).target_window == 5  # manager / CLI


def test_the_ticket_qr_names_hall_day_and_number(hall_db):
    t = take(hall_db, "SS", 0)
    assert queue.ticket_qr_payload(HALL, t) == "33022501-20261123-A001"


def test_cli_shows_sets_and_resets_the_lanes(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("CLERK_DATABASE_URL", raising=False)
    monkeypatch.setenv("CLERK_USER", "manager")
    monkeypatch.setenv("CLERK_PASSWORD", "manager123")
    rc, out = _cli(tmp_path, capsys, "queue", "lanes", "--json")
    assert rc == 0 and [lane["key"] for lane in json.loads(out)["lanes"]] == list(queue.LANES)
    edited = json.loads(out)
    edited["lanes"][3]["enabled"] = False          # 军人
    edited["lanes"][1]["label"] = "老年人孕妇"
    path = tmp_path / "lanes.json"
    path.write_text(json.dumps(edited, ensure_ascii=False), encoding="utf-8")
    rc, out = _cli(tmp_path, capsys, "queue", "lanes", "--set", str(path), "--json")
    assert rc == 0 and json.loads(out) == edited
    rc, out = _cli(tmp_path, capsys, "queue", "lanes")
    assert out.splitlines()[0] == "33022501 大厅通道（本大厅设置）"
    assert "  military 军人 优先级 2（未开放）" in out.splitlines()
    rc, msg = _cli(tmp_path, capsys, "queue", "take", "--zone", "SS", "--lane", "military")
    assert rc == 1 and msg.startswith("本大厅未开放军人通道")
    path.write_text('{"lanes": [{"key": "normal", "colour": 1}]}', encoding="utf-8")
    rc, msg = _cli(tmp_path, capsys, "queue", "lanes", "--set", str(path))
    assert rc == 1 and msg == "第 1 个通道有未知字段“colour”，可用字段：key、label、priority、enabled"
    rc, msg = _cli(tmp_path, capsys, "queue", "lanes", "--set", str(tmp_path / "none.json"))
    assert rc == 1 and msg.startswith("找不到文件")
    rc, out = _cli(tmp_path, capsys, "queue", "lanes", "--reset")
    assert rc == 0 and "（默认）" in out.splitlines()[0] and "（未开放）" not in out


def test_cli_grace_and_return_use_the_hall_setting(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("CLERK_DATABASE_URL", raising=False)
    monkeypatch.setenv("CLERK_USER", "manager")
    monkeypatch.setenv("CLERK_PASSWORD", "manager123")
    rc, out = _cli(tmp_path, capsys, "queue", "grace", "--json")
    assert json.loads(out) == {"hall": HALL, "no_show_grace_minutes": 30}
    rc, out = _cli(tmp_path, capsys, "queue", "grace", "--set", "0")
    assert rc == 0 and out.strip() == "33022501 大厅过号后不能重排"
    _cli(tmp_path, capsys, "queue", "take", "--zone", "SS")
    _cli(tmp_path, capsys, "queue", "call", "--window", "3")
    _cli(tmp_path, capsys, "queue", "no-show", "--window", "3")
    capsys.readouterr()
    rc, msg = _cli(tmp_path, capsys, "queue", "return", "--ticket", "A001")
    assert rc == 1 and msg == "A001 已过号，本大厅过号后不能重排，请重新取号"
