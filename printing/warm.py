"""Warm what the first document of the day needs, before the clerk asks for it.

The first receipt after start paid for everything printing loads once per process: importing
reportlab (platypus, the Code128 barcode, the QR code), finding and registering the Chinese font
(parsing a TrueType collection of several MiB) and reportlab's first-use caches. ``warm()``
renders one receipt — and, with a receipt printer set, one ESC/POS slip — from made-up data and
throws them away, so those costs are paid once, in the background after sign-in (the app calls
it through its one background path, ``ctx.tasks``). Pure data in, nothing kept but the caches.
"""
from __future__ import annotations

import datetime as dt
import time

from .data import ApplicantInfo, HallInfo, MaterialLine, ReceiptData


def sample_receipt() -> ReceiptData:
    """A receipt with every part a real one has (barcode, QR code, a table of materials)."""
    return ReceiptData(
        case_number="00000000W00000000000000", matter_names=["预热"], applicant=ApplicantInfo("预热", "", ""),
        accepted_at=dt.datetime(2026, 1, 1, 9, 0), promised_date=dt.date(2026, 1, 2), statutory_days=1,
        promised_days=1, hall=HallInfo("预热", "", ""), clerk_name="", window_name="",
        materials=[MaterialLine("身份证", "原件", 1, "已提交")])


def warm(slip: bool = False) -> float:
    """Import, register and render once; returns the milliseconds it took."""
    started = time.perf_counter()
    from .fonts import register_fonts
    from .receipt import render_receipt

    register_fonts()
    data = sample_receipt()
    render_receipt(data)
    if slip:
        from .slip import render_receipt_slip

        render_receipt_slip(data)
    return (time.perf_counter() - started) * 1000
