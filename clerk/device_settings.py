"""Device settings of each workstation, in the ``setting`` table as ``device.<workstation>.<key>``
(a hall-wide PostgreSQL database is shared by every window; plain ``<key>`` rows of older
versions are read as a fallback). The values are URLs and names; the drivers live in devices/.

Keys: ``idcard_port`` (any pyserial URL), ``ticket_printer``, ``receipt_printer`` (ESC/POS URLs),
``ticket_paper_mm`` / ``receipt_paper_mm`` (``80`` default or ``58``), ``a4_printer``
(CUPS/Windows queue), ``scanner`` (scanner URL), ``scan_source`` (``flatbed`` or ``feeder``),
``barcode_port`` (serial barcode gun URL)."""
from __future__ import annotations

from sqlalchemy import select

from .db import Database
from .models import Setting

DEVICE_KEYS = ("idcard_port", "ticket_printer", "receipt_printer", "a4_printer", "scanner", "scan_source",
               "barcode_port", "ticket_paper_mm", "receipt_paper_mm")
PAPER_WIDTHS = (80, 58)          # mm; the first is the default
PAPER_KEYS = {"ticket_printer": "ticket_paper_mm", "receipt_printer": "receipt_paper_mm"}


MODES = ("clerk", "kiosk", "display")


def mode_workstation(workstation: str, mode: str = "clerk") -> str:
    """Whose device URLs a screen uses: the counter's own, or a kiosk's/display's kept apart
    (``W01.kiosk``) — a ticket machine on the same seat never takes the clerk's card reader."""
    return workstation if mode in ("", "clerk") else f"{workstation}.{mode}"


def device_key(workstation: str, key: str) -> str:
    """The ``setting`` row of one workstation's device setting, e.g. ``device.W01.idcard_port``;
    the plain ``key`` when no workstation is given (a single-window database of older versions)."""
    return f"device.{workstation}.{key}" if workstation else key


def load_device_settings(db: Database, workstation: str | None = None) -> dict[str, str]:
    """This workstation's device settings; a key it never saved falls back to the plain
    (pre-workstation) row, so an upgraded counter keeps its devices.

    ``workstation=None`` (a caller that does not say which window it is): the one workstation
    that has device settings in this database — the usual local SQLite case — else plain keys
    only. Callers should pass ``ctx.workstation``."""
    with db.uow() as s:
        if workstation is None:
            saved = {k.split(".")[1] for k in s.scalars(select(Setting.key).where(Setting.key.like("device.%.%")))}
            workstation = saved.pop() if len(saved) == 1 else ""
        own = {device_key(workstation, k): k for k in DEVICE_KEYS}
        rows = {r.key: r.value for r in s.scalars(select(Setting).where(Setting.key.in_([*DEVICE_KEYS, *own])))}
    out = {k: rows[k] for k in DEVICE_KEYS if k in rows}
    out.update({plain: rows[full] for full, plain in own.items() if full in rows})
    return out


def save_device_settings(db: Database, values: dict[str, str], workstation: str = "") -> None:
    """Store under this workstation's keys only: saving at window 2 never changes window 1."""
    with db.uow() as s:
        for key, value in values.items():
            if key not in DEVICE_KEYS:
                continue
            full = device_key(workstation, key)
            row = s.get(Setting, full)
            if row is None:
                s.add(Setting(key=full, value=(value or "").strip()))
            else:
                row.value = (value or "").strip()


def paper_width(settings: dict[str, str], printer_key: str = "ticket_printer") -> int:
    """Paper width in mm (80 or 58) set for ``ticket_printer`` or ``receipt_printer``; 80 when
    unset or unreadable."""
    raw = (settings.get(PAPER_KEYS.get(printer_key, printer_key)) or "").strip()
    try:
        width = int(raw)
    except ValueError:
        return PAPER_WIDTHS[0]
    return width if width in PAPER_WIDTHS else PAPER_WIDTHS[0]


def load_paper_width(db: Database, workstation: str, printer_key: str = "ticket_printer") -> int:
    """The paper width of this workstation's ticket (kiosk) or receipt printer, from the database."""
    return paper_width(load_device_settings(db, workstation), printer_key)
