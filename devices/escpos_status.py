"""Real-time status of an ESC/POS printer (replies to DLE EOT 1/2/4) as a ``PrinterStatus``.

One rule: pure. Every reply byte must match the fixed pattern ``0xx1xx10`` (bits 1 and 4 set,
bits 0 and 7 clear — DEVICES.md §2.1); anything else is a torn or foreign reply and raises
``ProtocolError`` rather than being read as "paper OK".
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from devices.errors import ProtocolError

QUERIES = {"printer": b"\x10\x04\x01", "offline": b"\x10\x04\x02", "paper": b"\x10\x04\x04"}
FIXED_MASK, FIXED_BITS = 0b1001_0011, 0b0001_0010

Paper = Literal["ok", "near_end", "out"]

MSG_PAPER_OUT = "打印机缺纸，请装纸后点击重打"
MSG_COVER_OPEN = "打印机盖未关好，请合上打印机盖后点击重打"
MSG_ERROR = "打印机故障（切刀卡纸或机械错误），请检查打印机后点击重打"
MSG_OFFLINE = "打印机处于离线状态，请检查打印机电源和指示灯后点击重打"
MSG_NEAR_END = "打印纸即将用完，请及时更换纸卷"


def check_byte(value: int) -> int:
    """Return ``value`` if it is a status reply byte, else raise ``ProtocolError``."""
    if not 0 <= value <= 0xFF or value & FIXED_MASK != FIXED_BITS:
        raise ProtocolError("打印机返回的状态无法识别，请检查打印机型号和连接",
                            f"status byte 0x{value & 0xFF:02X} does not match 0xx1xx10", byte=value)
    return value


@dataclass(frozen=True)
class PrinterStatus:
    online: bool
    paper: Paper
    cover_open: bool
    error: bool

    @property
    def can_print(self) -> bool:
        """Near end still prints; offline alone (e.g. while feeding) is judged by its cause."""
        return self.paper != "out" and not self.cover_open and not self.error and self.online

    @property
    def message(self) -> str:
        """What the clerk should do, most urgent first; empty when all is well."""
        if self.paper == "out":
            return MSG_PAPER_OUT
        if self.cover_open:
            return MSG_COVER_OPEN
        if self.error:
            return MSG_ERROR
        if not self.online:
            return MSG_OFFLINE
        return MSG_NEAR_END if self.paper == "near_end" else ""

    def as_dict(self) -> dict[str, object]:
        return {"online": self.online, "paper": self.paper, "cover_open": self.cover_open,
                "error": self.error, "can_print": self.can_print, "message": self.message}


def parse_status(printer: int, offline: int, paper: int) -> PrinterStatus:
    """Combine the replies to DLE EOT 1 (printer), 2 (offline cause) and 4 (paper roll sensor)."""
    printer, offline, paper = check_byte(printer), check_byte(offline), check_byte(paper)
    if paper & 0x60 == 0x60 or offline & 0x20:
        roll: Paper = "out"
    elif paper & 0x0C == 0x0C:
        roll = "near_end"
    else:
        roll = "ok"
    return PrinterStatus(online=not printer & 0x08, paper=roll,
                         cover_open=bool(offline & 0x04), error=bool(offline & 0x40))


def parse_reply(raw: bytes) -> PrinterStatus:
    """The three reply bytes in query order (``1A 32 7E`` is the documented paper-out answer)."""
    if len(raw) != 3:
        raise ProtocolError("打印机返回的状态不完整", f"expected 3 status bytes, got {len(raw)}")
    return parse_status(raw[0], raw[1], raw[2])
