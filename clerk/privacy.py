"""Masking of personal data for tickets, lists, slips and logs.

One rule: pure functions of a string; the output never contains more of the secret than the
policy below, whatever the input looks like (short, empty, padded, full-width).

Policy: ID numbers keep the first 4 and last 4 characters (``3302**********1234``); phones keep
3 + 4 (``138****5678``) or, for landlines, the area code and the last 4; names keep the first
and, for three or more characters, the last character (``王*丽``, ``王*``).
"""
from __future__ import annotations

import re
import unicodedata

MASK = "*"


def _squash(text: str | None) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", text or ""))


def mask_id(number: str | None) -> str:
    """``330225199001011234`` → ``3302**********1234``. Length is kept so the shape stays familiar;
    anything of 8 characters or fewer is fully masked (keeping 4+4 would reveal all of it)."""
    s = _squash(number)
    if len(s) <= 8:
        return MASK * len(s)
    return s[:4] + MASK * (len(s) - 8) + s[-4:]


def mask_phone(number: str | None) -> str:
    """``13812345678`` → ``138****5678``; ``0574-65700000`` → ``0574-****0000``. Digits other than
    the kept ones become ``*``; fewer than 8 digits are fully masked."""
    s = _squash(number)
    if not s:
        return ""
    if "-" in s and s.startswith("0"):
        # Landline: the area code and an extension say where, not who; mask the local number.
        area, local, *ext = s.split("-")
        digits = re.sub(r"\D", "", local)
        kept = digits[-4:] if len(digits) > 4 else ""
        return f"{area}-{MASK * (len(digits) - len(kept))}{kept}" + "".join("-" + e for e in ext)
    digits = re.sub(r"\D", "", s)
    if len(digits) < 8:
        return MASK * len(digits)
    return digits[:3] + MASK * (len(digits) - 7) + digits[-4:]


def mask_name(name: str | None) -> str:
    """``王晓丽`` → ``王*丽``; ``王丽`` → ``王*``; ``欧阳晓丽`` → ``欧**丽``; one character → ``*``.
    Latin names (``John Smith``) keep the first letter of each word."""
    s = unicodedata.normalize("NFKC", name or "").strip()
    if not s:
        return ""
    if re.fullmatch(r"[A-Za-z][A-Za-z .'\-·]*", s):
        return " ".join(w[0] + MASK * (len(w) - 1) for w in s.split())
    s = re.sub(r"\s", "", s)
    if len(s) == 1:
        return MASK
    if len(s) == 2:
        return s[0] + MASK
    return s[0] + MASK * (len(s) - 2) + s[-1]


# Free text (log lines, tracebacks, CLI messages). A digit run is taken whole: a number starts
# after a non-digit (letters may touch it: ``SFZ110105…``, ``tel138…``) and ends before one, so a
# case number such as 33022501W01202611230007 or a date is left alone. Digits may be grouped by
# spaces or dashes (``110105 19491231 002X``, ``138-1234-5678``) and written full-width
# (``１３８…``): full-width and other Unicode digits are read as ASCII first.
_SEP = r"[ \-]{0,2}"
_ID_IN_TEXT = re.compile(r"(?<![0-9])(?:\d(?:" + _SEP + r"\d){16}" + _SEP + r"[\dXx]|\d(?:" + _SEP
                         + r"\d){14})(?![0-9])")
_USCC_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<![0-9])(?:\+?86" + _SEP + r")?1" + _SEP + r"[3-9](?:" + _SEP
                             + r"\d){9}(?![0-9])")
_LANDLINE_IN_TEXT = re.compile(r"(?<![0-9])(0\d{2,3})[ \-]{1,2}(\d{3,4}[ \-]?\d{4})(?![0-9])")
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2212\ufe58\ufe63\uff0d"
_SPACES = "\u3000\u00a0\u2002\u2003\u2009\u202f"


def _ascii_digits(text: str) -> str:
    """Unicode digits (full-width ``１``, Arabic-Indic …) as ASCII, full-width X and dashes and
    spaces as their ASCII forms; everything else unchanged (Chinese punctuation stays)."""
    if text.isascii():
        return text
    table: dict[int, str] = {}
    for ch in set(text):
        if ch.isascii():
            continue
        if ch.isdecimal():
            table[ord(ch)] = str(unicodedata.decimal(ch))
        elif ch in "Ｘｘ":
            table[ord(ch)] = "X"
        elif ch in _DASHES:
            table[ord(ch)] = "-"
        elif ch in _SPACES:
            table[ord(ch)] = " "
    return text.translate(table) if table else text


def _landline(m: re.Match[str]) -> str:
    return mask_phone(f"{m.group(1)}-{re.sub(r'[^0-9]', '', m.group(2))}")


def mask_text(text: str) -> str:
    """Every ID number, credit code and phone number inside free text, masked by the policy."""
    text = _ascii_digits(text)
    text = _ID_IN_TEXT.sub(lambda m: mask_id(re.sub(r"[ \-]", "", m.group())), text)
    text = _USCC_IN_TEXT.sub(lambda m: mask_id(m.group()), text)
    text = _LANDLINE_IN_TEXT.sub(_landline, text)
    return _MOBILE_IN_TEXT.sub(_mobile, text)


def _mobile(m: re.Match[str]) -> str:
    digits = re.sub(r"[^0-9]", "", m.group())
    return "+86 " + mask_phone(digits[2:]) if len(digits) == 13 else mask_phone(digits)


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` safe for a terminal or a log line: control characters (ESC, BEL, CR, bidi
    overrides, …) become visible escapes such as ``\\x1b``; newlines and tabs stay."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", text)
