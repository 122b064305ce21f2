"""ESC/POS byte building for 80 mm and 58 mm thermal printers: ``EscPosDoc`` and a width-aware wrap.

One rule: this module only makes bytes — no I/O, no decisions about a case. Text is written as
GB18030 after ``FS &`` (Chinese mode on), never through python-escpos' MagicEncode (it relies on
the printer's power-on mode and switches code pages behind our back, see DEVICES.md §2.2).
The barcode, QR and cut sequences are the ones python-escpos 3.1 emits (checked in the tests),
so a printer that works with python-escpos works with these.

Caller text never reaches the printer as commands: control characters are replaced by spaces,
so a name containing ``\\x1dV`` cannot cut the paper; and text that looks like an ID or mobile
number is masked on the way out (``scrub``), whatever the caller forgot.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Literal

from clerk.privacy import mask_id, mask_phone
from printing import PrintingError

ESC, GS, FS, DLE = b"\x1b", b"\x1d", b"\x1c", b"\x10"

# Font A: 12-dot ASCII and 24-dot Hanzi on 576 (80 mm) / 384 (58 mm) printable dots.
COLUMNS = {80: 48, 58: 32}
DOTS = {80: 576, 58: 384}

Align = Literal["left", "center", "right"]
_ALIGN = {"left": 0, "center": 1, "right": 2}
# QR error-correction level → GS ( k fn 169 byte (48 L, 49 M, 50 Q, 51 H).
_QR_EC = {"L": 48, "M": 49, "Q": 50, "H": 51}
QR_MAX_BYTES = 7089 - 3  # the store function carries len(data) + 3 in pL/pH, and model 2 holds ≤ 7089
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
# Closing punctuation a Chinese line must not start with (避头点); wrap pulls it back one line.
_NO_LINE_START = set("，。、；：？！）】》」』”’,.;:?!)]}%")


def columns(width_mm: int) -> int:
    """Font A columns for a paper width (ASCII columns; a Hanzi takes two)."""
    try:
        return COLUMNS[int(width_mm)]
    except (KeyError, ValueError, TypeError):
        raise PrintingError(f"不支持的小票纸宽：{width_mm} 毫米，只支持 80 或 58 毫米",
                            f"unsupported paper width {width_mm} mm (80 or 58)") from None


def char_width(ch: str) -> int:
    """Columns one character takes: 2 for wide/full-width (Hanzi, full-width forms), 0 for combining."""
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def text_width(text: str) -> int:
    return sum(char_width(c) for c in text)


def clean(text: str) -> str:
    """Caller text with every control character except newline turned into a space."""
    return _CONTROL.sub(" ", text.replace("\r\n", "\n").replace("\t", " "))


def wrap(text: str, cols: int) -> list[str]:
    """Break ``text`` into lines of at most ``cols`` columns (Hanzi = 2). Latin words stay whole
    when they fit on a line; a line never starts with closing punctuation if it can be avoided."""
    if cols < 2:
        raise PrintingError("每行列数太少，无法排版", f"cannot wrap into {cols} columns")
    out: list[str] = []
    for para in clean(text).split("\n"):
        line, width = "", 0
        for token in re.findall(r"[A-Za-z0-9_\-./:@*#%+=?&]+|.", para):
            w = text_width(token)
            if w > cols:  # a token longer than the line (a long URL): break it by characters
                for ch in token:
                    if width + char_width(ch) > cols:
                        out.append(line.rstrip())
                        line, width = "", 0
                    line += ch
                    width += char_width(ch)
                continue
            if width + w > cols:
                if token in _NO_LINE_START and line and text_width(line[:-1]) + 2 <= cols:
                    # Move the last character down with the punctuation instead of orphaning it.
                    carry = line[-1]
                    out.append(line[:-1].rstrip())
                    line, width = carry, char_width(carry)
                else:
                    out.append(line.rstrip())
                    line, width = "", 0
                if token == " ":
                    continue
            line += token
            width += w
        out.append(line.rstrip())
    return out


_ID_NUMBER = re.compile(r"(?<!\d)(\d{17}[\dXx]|\d{15})(?!\d)")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def scrub(text: str) -> str:
    """Mask anything in free text that looks like an ID number or a mobile number: a slip leaves
    the hall in a stranger's pocket, so a full number must never reach thermal paper."""
    text = _ID_NUMBER.sub(lambda m: mask_id(m.group(0)), text)
    return _MOBILE.sub(lambda m: mask_phone(m.group(0)), text)


def gb18030(text: str) -> bytes:
    """Printer bytes for text in Chinese mode: GB18030 (ASCII stays single-byte), scrubbed."""
    return scrub(clean(text)).encode("gb18030", errors="replace")


class EscPosDoc:
    """Builds one ESC/POS job. Starts with ``ESC @`` (reset) and ``FS &`` (Chinese mode on)."""

    def __init__(self, width_mm: int = 80) -> None:
        self.width_mm = int(width_mm)
        self.cols = columns(width_mm)
        self.dots = DOTS[self.width_mm]
        self._buf = bytearray(ESC + b"@" + FS + b"&")
        self._size = (1, 1)

    # --- state -------------------------------------------------------------------------------
    def align(self, how: Align) -> EscPosDoc:
        self._buf += ESC + b"a" + bytes([_ALIGN[how]])
        return self

    def bold(self, on: bool = True) -> EscPosDoc:
        self._buf += ESC + b"E" + bytes([1 if on else 0])
        return self

    def size(self, width: int = 1, height: int = 1) -> EscPosDoc:
        """Character magnification (GS !): 1–8 in each direction. Hanzi follow it in Chinese mode."""
        if not (1 <= width <= 8 and 1 <= height <= 8):
            raise PrintingError("字号倍数应在 1 到 8 之间", f"size {width}x{height} out of 1..8")
        self._buf += GS + b"!" + bytes([((width - 1) << 4) | (height - 1)])
        self._size = (width, height)
        return self

    @property
    def line_cols(self) -> int:
        """Columns available at the current width magnification."""
        return self.cols // self._size[0]

    # --- text --------------------------------------------------------------------------------
    def text(self, text: str) -> EscPosDoc:
        """Raw text as is (no wrap); the caller owns the line breaks."""
        self._buf += gb18030(text)
        return self

    def line(self, text: str = "") -> EscPosDoc:
        """Text wrapped to the paper at the current size, each line ended with LF."""
        for part in wrap(scrub(text), self.line_cols):  # scrub first: wrap may split a number
            self._buf += gb18030(part) + b"\n"
        return self

    def big_line(self, text: str, width: int = 2, height: int = 2) -> EscPosDoc:
        """``text`` magnified up to ``width`` — less when that would wrap it — then back to 1×1.
        A heading broken into one orphan character reads worse than a narrower one."""
        while width > 1 and text_width(clean(text)) * width > self.cols:
            width -= 1
        return self.size(width, height).line(text).size(1, 1)

    def pair(self, left: str, right: str) -> EscPosDoc:
        """``left`` and ``right`` on one line, right flush (wraps ``right`` under when too long)."""
        gap = self.line_cols - text_width(left) - text_width(right)
        if gap >= 1:
            return self.line(left + " " * gap + right)
        return self.line(left).line(right)

    def rule(self, ch: str = "-") -> EscPosDoc:
        return self.line(ch * (self.line_cols // char_width(ch)))

    def feed(self, lines: int = 1) -> EscPosDoc:
        self._buf += ESC + b"d" + bytes([max(0, min(255, lines))])
        return self

    # --- codes -------------------------------------------------------------------------------
    def code128(self, data: str, *, height: int = 64, module: int = 3, hri: bool = True) -> EscPosDoc:
        """Code128 (GS k m=73) with code set C for digit runs so long case numbers fit the paper;
        the module width is narrowed (down to 1) until the symbol fits the printable dots."""
        payload = code128_payload(data)
        while module > 1 and code128_modules(payload) * module > self.dots:
            module -= 1
        if code128_modules(payload) * module > self.dots:
            raise PrintingError(f"条码内容太长，纸上放不下：{data}", f"barcode too wide: {data!r}")
        self._buf += (GS + b"h" + bytes([max(1, min(255, height))]) + GS + b"w" + bytes([module])
                      + GS + b"f\x00" + GS + b"H" + bytes([2 if hri else 0])
                      + GS + b"k\x49" + bytes([len(payload)]) + payload)
        return self

    def qr(self, data: str, *, size: int = 6, ec: Literal["L", "M", "Q", "H"] = "M") -> EscPosDoc:
        """Native QR (GS ( k, model 2); content is UTF-8 as python-escpos sends it."""
        raw = data.encode("utf-8")
        if not raw:
            raise PrintingError("二维码内容为空", "empty QR payload")
        if len(raw) > QR_MAX_BYTES:
            raise PrintingError("二维码内容太长", f"QR payload of {len(raw)} bytes is too long")
        if not 1 <= size <= 16:
            raise PrintingError("二维码模块大小应在 1 到 16 之间", f"QR size {size} out of 1..16")
        store = len(raw) + 3
        self._buf += (GS + b"(k\x04\x001A2\x00"
                      + GS + b"(k\x03\x001C" + bytes([size])
                      + GS + b"(k\x03\x001E" + bytes([_QR_EC[ec]])
                      + GS + b"(k" + bytes([store & 0xFF, store >> 8]) + b"1P0" + raw
                      + GS + b"(k\x03\x001Q0")
        return self

    def cut(self, *, feed: int = 6, partial: bool = False) -> EscPosDoc:
        """Feed past the cutter and cut (python-escpos ``cut()`` bytes: ESC d 6, GS V 0)."""
        if feed:
            self.feed(feed)
        self._buf += GS + b"V" + (b"\x01" if partial else b"\x00")
        return self

    def to_bytes(self) -> bytes:
        return bytes(self._buf)


def code128_payload(data: str) -> bytes:
    """GS k m=73 data: ``{B`` for text, ``{C`` with one byte per digit pair for runs of ≥ 4 digits
    (Epson's convention for code set C), ``{{`` for a literal brace."""
    if not data or any(not (32 <= ord(c) < 127) for c in data):
        raise PrintingError(f"条码只能包含英文字母、数字和常用符号：{data!r}",
                            f"Code128 needs printable ASCII: {data!r}")
    out = bytearray()
    current = ""
    for chunk in re.findall(r"\d{4,}|\D+|\d+", data):
        if chunk.isdigit() and len(chunk) >= 4:
            if len(chunk) % 2:  # odd run: the first digit goes in set B
                out += (b"{B" if current != "B" else b"") + chunk[0].encode()
                current, chunk = "B", chunk[1:]
            out += b"{C" if current != "C" else b""
            out += bytes(int(chunk[i:i + 2]) for i in range(0, len(chunk), 2))
            current = "C"
        else:
            out += b"{B" if current != "B" else b""
            out += chunk.replace("{", "{{").encode("ascii")
            current = "B"
    if len(out) > 255:
        raise PrintingError("条码内容太长", f"barcode payload of {len(out)} bytes")
    return bytes(out)


def code128_modules(payload: bytes) -> int:
    """Width in modules: 11 per symbol (start, data, switches, check) plus the 13-module stop."""
    symbols = 1  # the check symbol
    i = 0
    while i < len(payload):
        # A "{X" pair is one symbol: the first is the start code, later ones switch the set.
        i += 2 if payload[i] == 0x7B else 1
        symbols += 1
    return symbols * 11 + 13  # the stop pattern is 13 modules
