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


# Free text (log lines, tracebacks): whole tokens only, so a case number such as
# 33022501W01202611230007 (23 characters) or a date is left alone.
_EDGE_L, _EDGE_R = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
_ID_IN_TEXT = re.compile(_EDGE_L + r"(?:\d{17}[\dXx]|\d{15})" + _EDGE_R)
_USCC_IN_TEXT = re.compile(_EDGE_L + r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}" + _EDGE_R)
_MOBILE_IN_TEXT = re.compile(_EDGE_L + r"(?:\+?86[- ]?)?1[3-9]\d{9}" + _EDGE_R)
_LANDLINE_IN_TEXT = re.compile(_EDGE_L + r"0\d{2,3}-\d{7,8}" + _EDGE_R)


def mask_text(text: str) -> str:
    """Every ID number, credit code and phone number inside free text, masked by the policy."""
    text = _ID_IN_TEXT.sub(lambda m: mask_id(m.group()), text)
    text = _USCC_IN_TEXT.sub(lambda m: mask_id(m.group()), text)
    text = _LANDLINE_IN_TEXT.sub(lambda m: mask_phone(m.group()), text)
    return _MOBILE_IN_TEXT.sub(lambda m: mask_phone(m.group()), text)
