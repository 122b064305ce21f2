"""The ticket kiosk (取号机): touch a zone, get a number on screen and on paper.

Runs unattended and full screen: one button per zone of the hall with its waiting count, a row
of the lanes the hall has open (by default 普通 / 老年人 / 残疾人 / 军人 / 预约, see
``clerk.queue.hall_lanes``), an optional ID-card swipe that greets the visitor with their cases in
progress and marks the ticket as theirs, so a second ticket the same day is recognised. The
database work runs on the task pool, the printer on the device thread (``devices.worker``); the
GUI never waits.

One rule: the number is never lost. It stays on screen whatever the printer does; a print that
fails says why in Chinese, repeats the number, and its bytes stay in the spool for staff to reprint.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QButtonGroup, QGridLayout, QHBoxLayout, QLabel, QPushButton, QStackedWidget,
                               QVBoxLayout, QWidget)

from clerk import cases, queue
from clerk.auth import service_account
from clerk.privacy import mask_name
from clerk.queue import QueueStatus, TicketInfo
from devices.ticket_print import ticket_slip
from printing.ticket import render_ticket

from .context import AppContext
from .ops import Failed, Refused

SHOW_TICKET_MS = 8_000        # the ticket page, then back to the zones for the next visitor
SHOW_PROBLEM_MS = 60_000      # a failed print: long enough to write the number down
CARD_FORGET_MS = 60_000       # a swiped card counts for the next ticket only within this
REFRESH_MS = 5_000
ZONE_COLUMNS = 4               # seven zones: two rows of large buttons on a 1280×800 screen
HINT_LANES = "① 请选择通道　② 点击要办理的事项分区取号"
HINT_ZONES = "请点击要办理的事项分区取号"   # a hall with the 普通 lane only shows no lane row
OPEN_CASE_STATES = frozenset({"accepted", "supplement", "in_review", "approved", "result_ready"})
STYLE = """
#kiosk { background: #eef3fb; }
QLabel { color: #1d3f7a; }
QLabel#kiosk_title { font-size: 40px; font-weight: bold; }
QLabel#kiosk_clock { font-size: 30px; color: #49648f; }
QLabel#kiosk_hint { font-size: 28px; color: #34495e; }
QLabel#kiosk_card { font-size: 26px; color: #0f6b3a; }
QLabel#kiosk_error { font-size: 26px; color: #c0392b; font-weight: bold; }
QPushButton[role="lane"] { font-size: 28px; min-height: 70px; border-radius: 12px; background: white;
    border: 3px solid #9fb8e8; color: #1d3f7a; }
QPushButton[role="lane"]:checked { background: #1d5fbf; color: white; border-color: #1d5fbf; }
QPushButton[role="zone"] { font-size: 38px; font-weight: bold; min-height: 180px; border-radius: 18px;
    background: #1d5fbf; color: white; border: none; }
QPushButton[role="zone"]:pressed { background: #163f7f; }
QPushButton[role="zone"]:disabled { background: #8aa3c9; }
QLabel#ticket_caption { font-size: 40px; }
QLabel#ticket_number { font-size: 200px; font-weight: bold; color: #c0392b; }
QLabel#ticket_zone { font-size: 40px; font-weight: bold; }
QLabel#ticket_ahead { font-size: 36px; }
QLabel#ticket_print { font-size: 32px; }
QPushButton#ticket_back { font-size: 32px; min-height: 80px; padding: 0 40px; border-radius: 12px;
    background: white; border: 3px solid #1d5fbf; color: #1d5fbf; }
"""


STATUS_REASONS = (("paper", "out", "打印机缺纸"), ("cover_open", True, "打印机盖未关好"),
                  ("error", True, "打印机故障"), ("online", False, "打印机离线"))


def printer_reason(problem: Refused | Failed) -> str:
    """The visitor's short cause, from the kind of failure and the printer's status (never from
    the wording of the clerk's message, which carries the printer's address)."""
    if isinstance(problem, Refused):
        status = problem.details.get("status")
        if isinstance(status, dict):
            for key, bad, reason in STATUS_REASONS:
                if status.get(key) == bad:
                    return reason
        if problem.is_a("DeviceTimeout") or problem.is_a("DeviceNotFound"):
            return "打印机无法连接"
    return "打印机故障"


def printer_problem(number: str, problem: Refused | Failed) -> str:
    """A paper-out refusal → "打印机缺纸，请联系工作人员；您的号码是 A023"."""
    return f"{printer_reason(problem)}，请联系工作人员；您的号码是 {number}"


class Kiosk(QWidget):
    """``printer_url`` (else ``ctx.services['ticket_printer_url']``): ESC/POS URL of the ticket
    printer. Tickets print on the context's one device thread (``ctx.tasks.device``)."""

    def __init__(self, ctx: AppContext, hall_name: str = "行政服务中心", *, printer_url: str | None = None,
                 width_mm: int = 80, spool_dir: Any = None) -> None:
        super().__init__()
        from devices.escpos_printer import PrintSpool

        self.ctx = ctx
        self.hall_name = hall_name
        self.printer_url = printer_url if printer_url is not None else ctx.services.get("ticket_printer_url")
        self.width_mm = width_mm
        self.spool = PrintSpool(spool_dir or ctx.cfg.data_dir / "spool" / "tickets")
        self.lane = "normal"
        self.grace = queue.NO_SHOW_GRACE_MINUTES  # the hall's 过号 grace, read with every refresh and ticket
        self.applicant_id: int | None = None
        self.ticket: TicketInfo | None = None
        self.print_state = ""  # "", "printing", "printed", "failed", "no_printer"
        self.setObjectName("kiosk")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(STYLE)
        self.setWindowTitle(f"{hall_name} 取号机")

        self.pages = QStackedWidget()
        self.pages.addWidget(self._home_page())
        self.pages.addWidget(self._ticket_page())
        lay = QVBoxLayout(self)
        lay.setContentsMargins(36, 24, 36, 24)
        lay.addLayout(self._header())
        lay.addWidget(self.pages, 1)

        self.back_timer = QTimer(self, singleShot=True)
        self.back_timer.timeout.connect(self.home)
        self.card_timer = QTimer(self, singleShot=True)
        self.card_timer.timeout.connect(self.forget_card)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        # Staff leave the unattended full-screen kiosk with a chord no visitor presses by chance.
        QShortcut(QKeySequence("Ctrl+Shift+Q"), self, activated=self.close)
        # Staff only (the public has a touch screen, no keyboard): tickets kept after a paper-out.
        QShortcut(QKeySequence("Ctrl+Shift+R"), self, activated=self.open_spool)
        self.refresh()

    # ---------------------------------------------------------------- layout
    def _header(self) -> QHBoxLayout:
        title = QLabel(f"{self.hall_name} · 自助取号")
        title.setObjectName("kiosk_title")
        self.clock = QLabel("")
        self.clock.setObjectName("kiosk_clock")
        head = QHBoxLayout()
        head.addWidget(title, 1)
        head.addWidget(self.clock)
        return head

    def _home_page(self) -> QWidget:
        page = QWidget()
        self.hint = QLabel(HINT_ZONES)
        self.hint.setObjectName("kiosk_hint")
        # The hall's open lanes (queue.hall_lanes), built on the first refresh and whenever they change.
        self.lane_row = QHBoxLayout()
        self.lane_group = QButtonGroup(self)
        self.lane_buttons: dict[str, QPushButton] = {}
        self.lanes: dict[str, queue.Lane] = {}
        self.zone_grid = QGridLayout()
        self.zone_grid.setSpacing(20)
        self.zone_buttons: dict[str, QPushButton] = {}
        self.card_line = QLabel("持身份证可在读卡区刷卡，查看您的在办事项")
        self.card_line.setObjectName("kiosk_card")
        self.error = QLabel("")
        self.error.setObjectName("kiosk_error")
        self.error.setWordWrap(True)
        lay = QVBoxLayout(page)
        lay.setContentsMargins(0, 10, 0, 0)
        lay.setSpacing(16)
        lay.addWidget(self.hint)
        lay.addLayout(self.lane_row)
        lay.addLayout(self.zone_grid, 1)
        lay.addWidget(self.card_line)
        lay.addWidget(self.error)
        return page

    def _ticket_page(self) -> QWidget:
        page = QWidget()
        caption = QLabel("您的号码")
        caption.setObjectName("ticket_caption")
        self.number = QLabel("")
        self.number.setObjectName("ticket_number")
        self.zone_line = QLabel("")
        self.zone_line.setObjectName("ticket_zone")
        self.ahead_line = QLabel("")
        self.ahead_line.setObjectName("ticket_ahead")
        self.print_line = QLabel("")
        self.print_line.setObjectName("ticket_print")
        self.print_line.setWordWrap(True)
        back = QPushButton("我已记下号码，返回")
        back.setObjectName("ticket_back")
        back.clicked.connect(self.home)
        lay = QVBoxLayout(page)
        for w in (caption, self.number, self.zone_line, self.ahead_line, self.print_line):
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
            lay.addWidget(w)
        lay.addStretch(1)
        lay.addWidget(back, 0, Qt.AlignmentFlag.AlignCenter)
        return page

    # ---------------------------------------------------------------- zones and counts
    def open_spool(self) -> None:
        from .spool_dialog import SpoolDialog

        SpoolDialog(self.ctx, [self.spool.folder], parent=self).exec()

    def refresh(self) -> None:
        self.clock.setText(f"{dt.datetime.now():%m月%d日 %H:%M}")
        db, hall = self.ctx.db, self.ctx.cfg.hall_code

        def read() -> tuple[QueueStatus, dict[str, queue.Lane], int]:
            return queue.queue_status(db, hall), queue.hall_lanes(db, hall), queue.no_show_grace_minutes(db, hall)

        self.ctx.tasks.run(read, self._refreshed, self._offline)

    def _refreshed(self, result: tuple[QueueStatus, dict[str, queue.Lane], int]) -> None:
        st, lanes, self.grace = result
        self._show_lanes(lanes)
        self._show_zones(st)

    def _offline(self, message: str) -> None:
        if not self.zone_buttons:
            self.error.setText(f"暂时无法取号（{message}），请联系工作人员")

    def _show_zones(self, st: QueueStatus) -> None:
        if self.error.text().startswith("暂时无法取号"):
            self.error.setText("")
        for i, z in enumerate(st.zones):
            b = self.zone_buttons.get(z.zone_code)
            if b is None:
                b = QPushButton("")
                b.setObjectName(f"zone_{z.zone_code}")
                b.setProperty("role", "zone")
                b.clicked.connect(lambda _=False, code=z.zone_code: self.take(code))
                self.zone_grid.addWidget(b, i // ZONE_COLUMNS, i % ZONE_COLUMNS)
                self.zone_buttons[z.zone_code] = b
            b.setText(f"{z.zone_name}\n等候 {z.waiting} 人")

    def _show_lanes(self, lanes: dict[str, queue.Lane]) -> None:
        if lanes == self.lanes:
            return
        self.lanes = dict(lanes)
        for b in self.lane_buttons.values():
            self.lane_group.removeButton(b)
            self.lane_row.removeWidget(b)
            b.deleteLater()
        self.lane_buttons = {}
        if len(lanes) > 1:  # 普通 alone is no choice: no lane row then
            for key, lane in lanes.items():
                b = QPushButton(lane.label)
                b.setObjectName(f"lane_{key}")
                b.setProperty("role", "lane")
                b.setCheckable(True)
                b.clicked.connect(lambda _=False, k=key: self.set_lane(k))
                self.lane_group.addButton(b)
                self.lane_buttons[key] = b
                self.lane_row.addWidget(b)
        self.hint.setText(HINT_LANES if self.lane_buttons else HINT_ZONES)
        self.set_lane(self.lane if self.lane in lanes else "normal")

    def set_lane(self, key: str) -> None:
        self.lane = key
        if key in self.lane_buttons:
            self.lane_buttons[key].setChecked(True)

    # ---------------------------------------------------------------- ID card
    def card_read(self, card: Any) -> None:
        """A card on the reader (``card.name``, ``card.id_number``): greet and count open cases."""
        name, number = mask_name(card.name), card.id_number
        self.card_line.setText(f"{name} 您好，正在查询您的办件…")
        self.card_timer.start(CARD_FORGET_MS)
        db = self.ctx.db
        card_type = getattr(card, "card_type", "resident") or "resident"

        def look_up() -> tuple[int | None, int]:
            # Found or registered now, so a second ticket today is recognised even with no case yet.
            applicant_id = queue.applicant_for_card(db, number, card.name, card_type)
            found = cases.applicant_cases(db, "person", number)
            return applicant_id, sum(1 for c in found if c.state in OPEN_CASE_STATES)

        def done(result: tuple[int | None, int]) -> None:
            self.applicant_id, open_count = result
            extra = f"您有 {open_count} 件在办事项，" if open_count else ""
            self.card_line.setText(f"{name} 您好，{extra}请选择办理事项取号")

        self.ctx.tasks.run(look_up, done, lambda m: self.card_line.setText(f"{name} 您好，请选择办理事项取号"))

    def forget_card(self) -> None:
        self.applicant_id = None
        self.card_line.setText("持身份证可在读卡区刷卡，查看您的在办事项")

    # ---------------------------------------------------------------- take a ticket
    def take(self, zone_code: str) -> None:
        self._enable_zones(False)  # one touch, one ticket
        self.error.setText("")
        db, hall, lane, applicant = self.ctx.db, self.ctx.cfg.hall_code, self.lane, self.applicant_id
        # The kiosk acts as its workstation's take-only service account, whoever stands at it.
        ws = self.ctx.workstation
        who = {"user": service_account("kiosk", ws), "workstation": ws}

        def issue() -> tuple[TicketInfo, int]:
            return (queue.take_ticket(db, hall, zone_code, lane, applicant_id=applicant, **who),
                    queue.no_show_grace_minutes(db, hall))

        self.ctx.tasks.run(issue, self._taken, self._not_taken)

    def _not_taken(self, message: str) -> None:
        self._enable_zones(True)
        self.error.setText(f"暂时无法取号：{message}。请稍后再试或联系工作人员")

    def _enable_zones(self, on: bool) -> None:
        for b in self.zone_buttons.values():
            b.setEnabled(on)

    def _taken(self, result: tuple[TicketInfo, int]) -> None:
        t, self.grace = result
        self.ticket = t
        self.forget_card()
        self.card_timer.stop()
        self.number.setText(t.display)
        lane = f"（{t.lane_label}）" if t.lane != "normal" else ""
        self.zone_line.setText(f"{t.zone_name}{lane}")
        ahead = f"您前面还有 {t.ahead} 人等候" if t.ahead else "您前面没有人等候，请留意叫号"
        if t.repeat_open:
            ahead += f"\n您今天已取号 {'、'.join(t.repeat_open)}"
        self.ahead_line.setText(ahead)
        self.pages.setCurrentIndex(1)
        self._enable_zones(True)
        self.set_lane("normal")
        self.print_ticket(t)

    def print_ticket(self, t: TicketInfo) -> None:
        if not self.printer_url:
            self._print_result("no_printer", t, "未连接取号打印机，请记住您的号码", SHOW_PROBLEM_MS)
            return
        slip = ticket_slip(t, self.hall_name, qr_payload=queue.ticket_qr_payload(self.ctx.cfg.hall_code, t),
                           note=queue.no_show_note(self.grace))
        data = render_ticket(slip, self.width_mm)
        self.print_state = "printing"
        self.print_line.setStyleSheet("")
        self.print_line.setText("正在打印号票…")
        from devices.escpos_printer import print_job

        url, spool, title = self.printer_url, self.spool, f"取号 {t.display}"
        self.ctx.tasks.device(
            lambda: print_job(url, data, spool, title=title),
            lambda _job: self._print_result("printed", t, "请取走号票，留意叫号", SHOW_TICKET_MS), owner=self,
            on_problem=lambda p: self._print_result("failed", t, printer_problem(t.display, p), SHOW_PROBLEM_MS))

    def _print_result(self, state: str, t: TicketInfo, text: str, show_ms: int) -> None:
        self.print_state = state
        if self.ticket is None or self.ticket.id != t.id:
            return  # a later visitor's ticket is on screen now
        self.print_line.setStyleSheet("" if state == "printed" else "color: #c0392b; font-weight: bold;")
        self.print_line.setText(text)
        self.back_timer.start(show_ms)

    def home(self) -> None:
        self.back_timer.stop()
        self.pages.setCurrentIndex(0)
        self.refresh()

    def closeEvent(self, event: Any) -> None:
        self.timer.stop()
        super().closeEvent(event)
