"""What an ID-card reader gives back: ``CardData``, and the 256-byte text block ⇄ ``CardData``.

One table per card type (DEVICES.md 1.6–1.7) drives both decoding (driver) and encoding
(emulator), so the layout lives in exactly one place. The one rule: decoding never guesses —
a block that does not fit its layout raises ``ProtocolError`` instead of filling a form with junk.

The photo is the raw 1024-byte WLT kept as-is: no open decoder exists, so a vendor library can be
plugged in with ``register_wlt_decoder``; without one the UI shows ``photo_note()`` (the one-line
``PHOTO_NOTE``) where the photo would be — never a made-up picture.
"""
from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

from .errors import ProtocolError

CardType = Literal["resident", "gat", "foreigner_2017", "foreigner_2023"]
LONG_TERM = "长期"
PHOTO_NOTE = "照片为加密 WLT 格式，需安装厂商解码库才能显示"
CARD_TYPE_LABELS: dict[str, str] = {
    "resident": "居民身份证",
    "gat": "港澳台居民居住证",
    "foreigner_2017": "外国人永久居留身份证（2017版）",
    "foreigner_2023": "外国人永久居留身份证（2023版）",
}
TEXT_LEN = 256
FLAG_OFFSET = 248

SEX_NAMES = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}
_SEX_CODES = {v: k for k, v in SEX_NAMES.items()}

# Card-type flag (UCS-2 char at 248) → type, and back.
_FLAGS: dict[str, CardType] = {" ": "resident", "\x00": "resident", "": "resident",
                               "J": "gat", "I": "foreigner_2017", "Y": "foreigner_2023"}
_FLAG_OF: dict[str, str] = {"resident": " ", "gat": "J", "foreigner_2017": "I", "foreigner_2023": "Y"}

# field name → (byte offset, chars). Each char is 2 bytes UTF-16LE, right-padded with spaces.
Layout = dict[str, tuple[int, int]]
_COMMON: Layout = {"name": (0, 15), "sex": (30, 1), "birth": (36, 8), "address": (52, 35),
                   "id_number": (122, 18), "authority": (158, 15), "valid_from": (188, 8),
                   "valid_to": (204, 8)}
LAYOUTS: dict[CardType, Layout] = {
    "resident": {**_COMMON, "nation_code": (32, 2)},
    "gat": {**_COMMON, "pass_number": (220, 9), "issue_count": (238, 2)},
    "foreigner_2017": {"english_name": (0, 60), "sex": (120, 1), "id_number": (122, 15),
                       "nationality": (152, 3), "name": (158, 15), "valid_from": (188, 8),
                       "valid_to": (204, 8), "birth": (220, 8), "card_version": (236, 2),
                       "authority_code": (240, 4)},
    "foreigner_2023": {"name": (0, 15), "sex": (30, 1), "renewal_count": (32, 2), "birth": (36, 8),
                       "english_name_1": (52, 35), "id_number": (122, 18), "valid_from": (188, 8),
                       "valid_to": (204, 8), "english_name_2": (220, 11), "nationality": (242, 3),
                       "previous_number_link": (250, 3)},
}


@dataclass(frozen=True)
class CardData:
    """One card as read. Strings are trimmed; fields a card type does not carry are ``""``."""

    name: str
    sex: str                      # 男 / 女 / 未知 / 未说明
    birth_date: dt.date
    id_number: str
    valid_from: dt.date
    valid_to: dt.date | str       # a date, or "长期"
    card_type: CardType = "resident"
    nation: str = ""              # name, e.g. 汉 (resident cards only)
    nation_code: str = ""         # the 2-digit GB 3304 code on the chip
    address: str = ""
    authority: str = ""
    english_name: str = ""        # foreigner cards
    nationality: str = ""         # foreigner cards: the code on the chip (alpha-3)
    pass_number: str = ""         # 港澳台居住证: 通行证号码
    issue_count: str = ""         # 港澳台居住证: 签发次数
    card_version: str = ""        # 2017 foreigner card
    authority_code: str = ""      # 2017 foreigner card: 当次申请受理机关代码
    renewal_count: str = ""       # 2023 foreigner card: 换证次数
    photo_wlt_bytes: bytes = field(default=b"", repr=False)
    fingerprint_bytes: bytes = field(default=b"", repr=False)

    @property
    def card_type_label(self) -> str:
        """The card's name as the clerk says it, e.g. 港澳台居民居住证."""
        return card_type_label(self.card_type)

    @property
    def photo_note(self) -> str:
        """Empty when a WLT decoder is installed, else the note the UI shows instead of a photo."""
        return photo_note()

    def photo_bmp(self) -> bytes | None:
        """The decoded photo (BMP bytes) through the registered vendor decoder, else None."""
        decoder = wlt_decoder()
        if decoder is None or not self.photo_wlt_bytes:
            return None
        return decoder.decode(self.photo_wlt_bytes)

    def to_json(self) -> dict[str, Any]:
        """The ``read-card --json`` shape.

        Always exactly: name, sex, nation, birth_date, address, id_number, authority, valid_from,
        valid_to (YYYY-MM-DD or "长期"), card_type, photo_wlt_bytes (base64 of the raw WLT).
        Extra keys, only when they apply: ``english_name`` + ``nationality`` (foreigner cards),
        then ``card_version`` + ``authority_code`` (2017) or ``renewal_count`` (2023);
        ``pass_number`` + ``issue_count`` (gat); ``fingerprint_bytes`` (base64, when read with
        fingerprints and the card has them).
        """
        out: dict[str, Any] = {
            "name": self.name, "sex": self.sex, "nation": self.nation,
            "birth_date": self.birth_date.isoformat(), "address": self.address,
            "id_number": self.id_number, "authority": self.authority,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to if isinstance(self.valid_to, str) else self.valid_to.isoformat(),
            "card_type": self.card_type,
            "photo_wlt_bytes": base64.b64encode(self.photo_wlt_bytes).decode("ascii"),
        }
        if self.card_type.startswith("foreigner"):
            out.update(english_name=self.english_name, nationality=self.nationality)
        if self.card_type == "foreigner_2017":
            out.update(card_version=self.card_version, authority_code=self.authority_code)
        if self.card_type == "foreigner_2023":
            out.update(renewal_count=self.renewal_count)
        if self.card_type == "gat":
            out.update(pass_number=self.pass_number, issue_count=self.issue_count)
        if self.fingerprint_bytes:
            out["fingerprint_bytes"] = base64.b64encode(self.fingerprint_bytes).decode("ascii")
        return out

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> CardData:
        """Inverse of ``to_json``; also accepts the chip-only extras (nation_code, card_version,
        authority_code, renewal_count) so the emulator can be given any card."""
        known = {f for f in cls.__dataclass_fields__}
        kw = {k: v for k, v in obj.items() if k in known}
        kw["birth_date"] = dt.date.fromisoformat(obj["birth_date"])
        kw["valid_from"] = dt.date.fromisoformat(obj["valid_from"])
        vt = obj["valid_to"]
        kw["valid_to"] = vt if vt == LONG_TERM else dt.date.fromisoformat(vt)
        for key in ("photo_wlt_bytes", "fingerprint_bytes"):
            kw[key] = base64.b64decode(obj.get(key) or "")
        card = cls(**kw)
        if card.card_type == "resident" and not card.nation_code and card.nation:
            from clerk.refdata import nation_code

            card = replace(card, nation_code=nation_code(card.nation) or "")
        return card


# --------------------------------------------------------------------------- text block


def card_type_label(card_type: str) -> str:
    """居民身份证 / 港澳台居民居住证 / 外国人永久居留身份证（2017版/2023版）."""
    return CARD_TYPE_LABELS.get(card_type, f"未知证件类型（{card_type}）")


def photo_note() -> str:
    """One line for where the applicant's photo would be: "" when a vendor WLT decoder is
    registered, else ``PHOTO_NOTE`` (the chip's photo is encrypted; no open decoder exists)."""
    return "" if wlt_decoder() is not None else PHOTO_NOTE


def _get(block: bytes, offset: int, chars: int) -> str:
    return block[offset:offset + 2 * chars].decode("utf-16-le", errors="replace").strip(" \x00")


def _date(text: str, what: str) -> dt.date:
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise ProtocolError(f"身份证信息无法识别（{what}：{text!r}）", f"bad {what} {text!r}") from None


def card_type_of(block: bytes) -> CardType:
    flag = _get(block, FLAG_OFFSET, 1)
    try:
        return _FLAGS[flag]
    except KeyError:
        raise ProtocolError(f"无法识别的证件类型（{flag!r}）", f"unknown card type flag {flag!r}") from None


def decode_text(block: bytes, photo: bytes = b"", fingerprint: bytes = b"") -> CardData:
    """Decode the 256-byte text block of any supported card type."""
    if len(block) != TEXT_LEN:
        raise ProtocolError("身份证信息长度错误", f"text block of {len(block)} bytes")
    kind = card_type_of(block)
    raw = {name: _get(block, off, n) for name, (off, n) in LAYOUTS[kind].items()}
    if kind == "foreigner_2023":
        raw["english_name"] = (raw.pop("english_name_1") + raw.pop("english_name_2")).strip()
        raw.pop("previous_number_link")
    valid_to_text = raw.pop("valid_to")
    valid_to: dt.date | str = (LONG_TERM if valid_to_text.startswith(LONG_TERM)
                               else _date(valid_to_text, "有效期限"))
    nation = ""
    if raw.get("nation_code"):
        from clerk.refdata import nation_name  # lazy: reference data loads on first card only

        nation = nation_name(raw["nation_code"]) or f"未知民族代码 {raw['nation_code']}"
    sex_code = raw.pop("sex")
    return CardData(
        sex=SEX_NAMES.get(sex_code, f"未知性别代码 {sex_code}"),
        birth_date=_date(raw.pop("birth"), "出生日期"),
        valid_from=_date(raw.pop("valid_from"), "有效期起"),
        valid_to=valid_to, card_type=kind, nation=nation,
        photo_wlt_bytes=photo, fingerprint_bytes=fingerprint, **raw)


def encode_text(card: CardData) -> bytes:
    """The 256-byte block a chip of ``card.card_type`` carries (for the emulator and tests)."""
    values: dict[str, str] = {
        "name": card.name, "sex": _SEX_CODES.get(card.sex, card.sex[:1]),
        "birth": card.birth_date.strftime("%Y%m%d"), "address": card.address,
        "id_number": card.id_number, "authority": card.authority,
        "valid_from": card.valid_from.strftime("%Y%m%d"),
        "valid_to": card.valid_to if isinstance(card.valid_to, str) else card.valid_to.strftime("%Y%m%d"),
        "nation_code": card.nation_code, "pass_number": card.pass_number,
        "issue_count": card.issue_count, "english_name": card.english_name,
        "nationality": card.nationality, "card_version": card.card_version,
        "authority_code": card.authority_code, "renewal_count": card.renewal_count,
        "english_name_1": card.english_name[:35], "english_name_2": card.english_name[35:],
        "previous_number_link": "",
    }
    block = bytearray(" ".encode("utf-16-le") * (TEXT_LEN // 2))
    layout = {**LAYOUTS[card.card_type], "flag": (FLAG_OFFSET, 1)}
    values["flag"] = _FLAG_OF[card.card_type]
    for name, (off, n) in layout.items():
        text = values[name]
        if len(text) > n:
            raise ValueError(f"{name} longer than {n} chars: {text!r}")
        block[off:off + 2 * n] = text.ljust(n).encode("utf-16-le")
    return bytes(block)


# --------------------------------------------------------------------------- WLT photo plugin


class WltDecoder(Protocol):
    """A vendor photo decoder (e.g. a ctypes wrapper of ``libwlt2bmp.so`` / ``WltRS.dll``)."""

    def decode(self, wlt: bytes) -> bytes:
        """1024 WLT bytes → a 102×126 24-bit BMP (38862 bytes)."""
        ...


_decoder: WltDecoder | None = None


def register_wlt_decoder(decoder: WltDecoder | None) -> None:
    """Install (or with None, remove) the process-wide WLT decoder."""
    global _decoder
    _decoder = decoder


def wlt_decoder() -> WltDecoder | None:
    return _decoder
