"""The queue ticket (取号凭条) for the thermal printer at the ticket kiosk or the front desk.

One rule: the ticket shows where the visitor stands, never who they are — no name, ID number or
phone appears on it (the renderer masks anything that looks like one, see ``printing.escpos``).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from printing.escpos import EscPosDoc


@dataclass(frozen=True)
class TicketSlip:
    hall_name: str
    number: str                 # "A023"
    zone_name: str              # "综合受理区"
    issued_at: dt.datetime
    people_ahead: int = 0
    lane_label: str = ""        # "普通" / "绿色通道" / "预约"
    qr_payload: str = ""        # progress page or the ticket number; empty: no QR
    note: str = ""              # e.g. "过号请到服务台重新取号"


def render_ticket(slip: TicketSlip, width_mm: int = 80) -> bytes:
    """ESC/POS bytes for one ticket: hall, big number, people ahead, time, QR, cut."""
    doc = EscPosDoc(width_mm)
    doc.align("center").bold().big_line(slip.hall_name).bold(False)
    doc.line("取号凭条").rule()
    zone = slip.zone_name + (f"（{slip.lane_label}）" if slip.lane_label else "")
    doc.big_line(zone)
    # The number is what the visitor compares with the call screen: as big as the paper allows.
    doc.bold().big_line(slip.number, 4, 4).bold(False)
    doc.feed(1)
    ahead = max(0, int(slip.people_ahead))
    doc.size(1, 2).line(f"您前面还有 {ahead} 人等候" if ahead else "您前面没有人等候，请留意叫号")
    doc.size(1, 1).line(f"取号时间：{slip.issued_at:%Y-%m-%d %H:%M}")
    if slip.qr_payload:
        doc.feed(1).qr(slip.qr_payload, size=6 if width_mm == 80 else 5).line().line("微信扫码查看排队进度")
    if slip.note:
        doc.rule().line(slip.note)
    doc.cut()
    return doc.to_bytes()
