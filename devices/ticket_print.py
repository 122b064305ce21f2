"""Printing a queue ticket on the ESC/POS printer: one function for the kiosk and for
``clerk queue take --printer`` (registered as the ``clerk.ticket_printers`` entry point, so the
core CLI can print without importing devices)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from printing.ticket import TicketSlip, render_ticket

from .escpos_printer import PrintSpool, print_job
from .worker import DeviceWorker


def ticket_slip(ticket: Any, hall_name: str, *, qr_payload: str, note: str) -> TicketSlip:
    """``ticket`` is a clerk.queue.TicketInfo; ``qr_payload`` from ``queue.ticket_qr_payload``,
    ``note`` from ``queue.no_show_note`` (the hall's real 过号 grace)."""
    return TicketSlip(hall_name=hall_name, number=ticket.display, zone_name=ticket.zone_name,
                      issued_at=ticket.issued_at, people_ahead=ticket.ahead,
                      lane_label="" if ticket.lane == "normal" else ticket.lane_label,
                      qr_payload=qr_payload, note=note)


def print_ticket(url: str, ticket: Any, hall_name: str, *, qr_payload: str, note: str, width_mm: int = 80,
                 spool_dir: Path | None = None) -> str:
    """Print and say what happened; a failure raises DeviceError (the job stays in the spool).
    For the command line: the print runs on a device thread of its own (``DeviceWorker``)."""
    data = render_ticket(ticket_slip(ticket, hall_name, qr_payload=qr_payload, note=note), width_mm)
    worker = DeviceWorker()
    try:
        worker.call(print_job, url, data, PrintSpool(spool_dir) if spool_dir else None, title=f"取号 {ticket.display}")
    finally:
        worker.shutdown()
    return f"已打印 {ticket.display}"
