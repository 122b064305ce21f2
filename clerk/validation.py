"""Checks for what a clerk types or scans: ID numbers (GB 11643 and the residence permits that share
its check character), unified social credit codes (GB 32100) and phone numbers.

One rule: a validator either returns the normalised value (with what it decodes) or raises
:class:`clerk.errors.ValidationError` whose Chinese message names exactly what is wrong.

Choices worth knowing:
- Input is NFKC-normalised first, so full-width digits from an IME (３３０２…) and spaces are fine.
- A 15-digit first-generation number (no check character, born 19xx) is accepted and converted to
  18 digits; the result carries a note saying so. Pass ``allow_15=False`` to refuse it.
- Division codes are checked against every code used since 1981 (abolished ones decode, with a note).
- The 2017 foreigner permanent residence card (3 letters + 12 digits) ends in an ICAO 9303
  7-3-1 check digit; the 2023 card (18 digits starting 9) uses the GB 11643 check character.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

from . import refdata
from .errors import ValidationError

CardType = Literal["resident", "gat", "foreigner_2017", "foreigner_2023"]

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_GAT_REGIONS = {"810000": "香港特别行政区", "820000": "澳门特别行政区", "830000": "台湾地区"}
_CARD_LABELS = {"resident": "居民身份证", "gat": "港澳台居民居住证",
                "foreigner_2017": "外国人永久居留身份证（2017 版）",
                "foreigner_2023": "外国人永久居留身份证（2023 版）"}
_EARLIEST_BIRTH = dt.date(1900, 1, 1)


def _clean(text: str | None) -> str:
    """NFKC (full-width → ASCII), drop spaces and dashes people type between groups."""
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", text or "")).upper()


# --------------------------------------------------------------------------- ID numbers


@dataclass(frozen=True)
class IdNumberInfo:
    number: str  # normalised, 18 characters (15 for the 2017 foreigner card)
    card_type: CardType
    birth_date: dt.date
    sex: str  # 男 / 女
    division_code: str  # issuing division (province-level only for foreigner cards)
    division_name: str
    notes: tuple[str, ...] = field(default=())

    @property
    def card_label(self) -> str:
        return _CARD_LABELS[self.card_type]

    def age(self, on: dt.date | None = None) -> int:
        """Full years on ``on`` (today by default); a 29 February birthday counts on 1 March."""
        on = on or dt.date.today()
        years = on.year - self.birth_date.year
        if (on.month, on.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


def id_check_char(body17: str) -> str:
    """GB 11643 / ISO 7064 MOD 11-2 check character for 17 digits."""
    if len(body17) != 17 or not body17.isdigit():
        raise ValueError("need 17 digits")
    return _ID_CHECK[sum(int(c) * w for c, w in zip(body17, _ID_WEIGHTS)) % 11]


def _icao_check_digit(text: str) -> str:
    """ICAO 9303 check digit: weights 7-3-1, digits as is, A=10 … Z=35."""
    total = 0
    for i, ch in enumerate(text):
        value = int(ch) if ch.isdigit() else ord(ch) - ord("A") + 10
        total += value * (7, 3, 1)[i % 3]
    return str(total % 10)


def id_card_type(number: str) -> CardType | None:
    """Which document an ID-like number belongs to, by shape only (no checksum): ``resident``,
    ``gat`` (HK/Macao/Taiwan residence permit, 810000/820000/830000), ``foreigner_2017``
    (3 letters + 12 digits) or ``foreigner_2023`` (18 digits starting 9). None if no shape fits."""
    n = _clean(number)
    if re.fullmatch(r"[A-Z]{3}\d{12}", n):
        return "foreigner_2017"
    if re.fullmatch(r"\d{17}[\dX]", n):
        if n[0] == "9":
            return "foreigner_2023"
        if n[:6] in _GAT_REGIONS:
            return "gat"
        return "resident"
    if re.fullmatch(r"\d{15}", n):
        return "resident"
    return None


def _birth_date(digits8: str, today: dt.date) -> dt.date:
    try:
        born = dt.date(int(digits8[:4]), int(digits8[4:6]), int(digits8[6:8]))
    except ValueError:
        raise ValidationError(f"出生日期无效：{digits8}", f"invalid birth date: {digits8}") from None
    if born > today:
        raise ValidationError(f"出生日期 {born.isoformat()} 晚于今天，号码有误",
                              f"birth date {born.isoformat()} is in the future")
    if born < _EARLIEST_BIRTH:
        raise ValidationError(f"出生日期 {born.isoformat()} 早于 1900 年，号码有误",
                              f"birth date {born.isoformat()} is before 1900")
    return born


def _check_id_char(number: str) -> None:
    expected = id_check_char(number[:17])
    if number[17] != expected:
        raise ValidationError(f"身份证号码校验位错误：应为 {expected}，实为 {number[17]}",
                              f"ID number check character wrong: expected {expected}, got {number[17]}")


def _sex(digit: str) -> str:
    return "男" if int(digit) % 2 else "女"


def _province(code2: str) -> tuple[str, str]:
    code6 = code2 + "0000"
    name = refdata.division_name(code6)
    if name is None:
        raise ValidationError(f"受理地代码 {code2} 不存在", f"unknown issuing province code {code2}")
    return code6, name


def validate_id_number(text: str | None, *, today: dt.date | None = None,
                       allow_15: bool = True) -> IdNumberInfo:
    """Validate a resident ID number, an HK/Macao/Taiwan residence permit or a foreigner permanent
    residence card number; return what it encodes. Raises ValidationError naming the fault."""
    today = today or dt.date.today()
    n = _clean(text)
    if not n:
        raise ValidationError("请输入身份证号码", "ID number is empty")
    kind = id_card_type(n)
    if kind == "foreigner_2017":
        return _foreigner_2017(n, today)
    bad = next((ch for ch in n if not ch.isdigit()), None)
    if bad is not None and not (bad == "X" and n.index("X") == len(n) - 1):
        raise ValidationError(f"身份证号码含有非法字符「{bad}」：只能是数字，末位可为 X",
                              f"ID number has an invalid character {bad!r}")
    notes: list[str] = []
    if len(n) == 15:
        if not allow_15:
            raise ValidationError("身份证号码长度应为 18 位，实为 15 位（旧号码请换用 18 位号码）",
                                  "ID number must have 18 characters, got 15 (old number)")
        if not n.isdigit():
            raise ValidationError("15 位旧身份证号码只能是数字（没有校验位 X）",
                                  "a 15-digit old ID number has digits only")
        n = n[:6] + "19" + n[6:]
        n += id_check_char(n)
        notes.append("由 15 位旧号码转换为 18 位")
    elif len(n) != 18:
        raise ValidationError(f"身份证号码长度应为 18 位，实为 {len(n)} 位",
                              f"ID number must have 18 characters, got {len(n)}")
    kind = id_card_type(n)
    assert kind is not None
    born = _birth_date(n[6:14], today)
    if kind == "foreigner_2023":
        code, name = _province(n[1:3])
        notes.append(f"国籍数字代码 {n[3:6]}")
    elif kind == "gat":
        code, name = n[:6], _GAT_REGIONS[n[:6]]
    else:
        code = n[:6]
        found = refdata.division_name(code)
        if found is None:
            raise ValidationError(f"行政区划代码 {code} 不存在", f"unknown division code {code}")
        name = found
        gone = refdata.division_abolished_year(code)
        if gone is not None:
            notes.append(f"行政区划代码 {code} 已于 {gone} 年停用（签发时有效）")
    _check_id_char(n)
    return IdNumberInfo(n, kind, born, _sex(n[16]), code, name, tuple(notes))


def _foreigner_2017(n: str, today: dt.date) -> IdNumberInfo:
    # 3-letter nationality (ISO 3166-1 alpha-3), 4-digit issuing prefecture, YYMMDD, sex digit, check.
    expected = _icao_check_digit(n[:14])
    _, province = _province(n[3:5])
    code = n[3:7] + "00"
    name = refdata.division_name(code) or province
    yymmdd = n[7:13]
    born: dt.date | None = None
    for century in ("20", "19"):  # the later century that gives a real past date
        try:
            born = _birth_date(century + yymmdd, today)
            break
        except ValidationError:
            continue
    if born is None:
        raise ValidationError(f"出生日期无效：{yymmdd}", f"invalid birth date: {yymmdd}")
    if n[14] != expected:
        raise ValidationError(f"永久居留身份证号码校验位错误：应为 {expected}，实为 {n[14]}",
                              f"permanent residence number check digit wrong: expected {expected}, got {n[14]}")
    return IdNumberInfo(n, "foreigner_2017", born, _sex(n[13]), code, name, (f"国籍代码 {n[:3]}",))


def is_valid_id_number(text: str | None) -> bool:
    try:
        validate_id_number(text)
    except ValidationError:
        return False
    return True


# --------------------------------------------------------------------------- USCC (GB 32100)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I O Z S V
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_DEPTS: dict[str, tuple[str, dict[str, str]]] = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"}),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": ("司法行政", {"1": "律师执业机构", "2": "公证处", "3": "基层法律服务所", "4": "司法鉴定机构",
                   "5": "仲裁委员会", "9": "其他"}),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": ("旅游", {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地（大陆）代表机构", "9": "其他"}),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": ("农业", {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"}),
    "Y": ("其他", {"1": "其他"}),
}


@dataclass(frozen=True)
class UsccInfo:
    code: str
    registration_dept: str  # 登记管理部门, e.g. 工商
    org_type: str  # 机构类别, e.g. 企业
    division_code: str
    division_name: str | None  # None when the code is not in the division list (e.g. 100000)
    org_code: str  # the embedded 9-character organisation code (GB 11714)


def uscc_check_char(body17: str) -> str:
    """GB 32100 check character for the first 17 characters."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body17, _USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(text: str | None) -> UsccInfo:
    """Validate a unified social credit code (统一社会信用代码); raises ValidationError."""
    code = _clean(text)
    if not code:
        raise ValidationError("请输入统一社会信用代码", "USCC is empty")
    if len(code) != 18:
        raise ValidationError(f"统一社会信用代码长度应为 18 位，实为 {len(code)} 位",
                              f"USCC must have 18 characters, got {len(code)}")
    bad = next((c for c in code if c not in USCC_ALPHABET), None)
    if bad is not None:
        raise ValidationError(f"统一社会信用代码含有非法字符「{bad}」（不使用 I、O、Z、S、V）",
                              f"USCC has an invalid character {bad!r}")
    dept = _USCC_DEPTS.get(code[0])
    if dept is None:
        raise ValidationError(f"登记管理部门代码 {code[0]} 不存在", f"unknown registration department {code[0]}")
    org_type = dept[1].get(code[1])
    if org_type is None:
        raise ValidationError(f"机构类别代码 {code[1]} 不适用于{dept[0]}登记",
                              f"unknown organisation type {code[1]} for department {code[0]}")
    division = code[2:8]
    if not division.isdigit():
        raise ValidationError(f"统一社会信用代码第 3–8 位应为行政区划代码（数字），实为 {division}",
                              f"USCC positions 3-8 must be a division code, got {division}")
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise ValidationError(f"统一社会信用代码校验位错误：应为 {expected}，实为 {code[17]}",
                              f"USCC check character wrong: expected {expected}, got {code[17]}")
    return UsccInfo(code, dept[0], org_type, division, refdata.division_name(division), code[8:17])


# --------------------------------------------------------------------------- phones


def _phone_text(text: str | None) -> str:
    s = re.sub(r"[\s\-()（）.]", "", unicodedata.normalize("NFKC", text or ""))
    return s


def validate_mobile(text: str | None) -> str:
    """A mainland mobile number → 11 digits. Accepts +86 / 0086 / 86 prefixes, spaces and dashes."""
    s = _phone_text(text)
    if not s:
        raise ValidationError("请输入手机号码", "mobile number is empty")
    s = re.sub(r"^(\+86|0086|86(?=1\d{10}$))", "", s)
    if not s.isdigit():
        raise ValidationError(f"手机号码只能包含数字：{text}", f"mobile number must be digits: {text}")
    if len(s) != 11:
        raise ValidationError(f"手机号码应为 11 位，实为 {len(s)} 位", f"mobile number must have 11 digits, got {len(s)}")
    if not re.fullmatch(r"1[3-9]\d{9}", s):
        raise ValidationError(f"手机号码号段无效：{s[:3]}（应以 13–19 开头）", f"invalid mobile prefix {s[:3]}")
    return s


_LANDLINE = re.compile(
    r"(?P<area>0(?:10|2\d|[3-9]\d{2}))(?P<local>[2-9]\d{6,7})(?:(?:转|分机|EXT|X|#|,)(?P<ext>\d{1,6}))?")


def validate_landline(text: str | None) -> str:
    """A landline with its area code → ``0574-65700000`` (``-123`` extension kept); 400/800 service
    numbers → ``400-123-4567``."""
    raw = unicodedata.normalize("NFKC", text or "").strip()
    if not raw:
        raise ValidationError("请输入电话号码", "phone number is empty")
    # A dash after the local number means an extension, so split on the separators the person typed.
    parts = [p for p in re.split(r"[\s\-()（）]+", raw) if p]
    tries = ["".join(parts).upper()]
    if len(parts) >= 3 and parts[-1].isdigit() and len(parts[-1]) <= 6:
        tries.insert(0, "".join(parts[:-1]) + "转" + parts[-1])
    s = tries[-1]
    service = re.fullmatch(r"([48]00)(\d{7})", s)
    if service:
        return f"{service.group(1)}-{service.group(2)[:3]}-{service.group(2)[3:]}"
    if re.fullmatch(r"[2-9]\d{6,7}", s):
        raise ValidationError(f"固定电话请加区号，如 0574-{s}", f"landline needs its area code: {s}")
    m = next((found for t in tries if (found := _LANDLINE.fullmatch(t))), None)
    if m is None:
        raise ValidationError(f"电话号码格式无效：{raw}（应为 区号-号码，如 0574-65700000）",
                              f"invalid landline number: {raw}")
    out = f"{m.group('area')}-{m.group('local')}"
    return out + (f"-{m.group('ext')}" if m.group("ext") else "")


def validate_phone(text: str | None) -> str:
    """A mobile or a landline number, normalised: what starts with 1 (after +86) is a mobile."""
    if re.match(r"(\+?86|0086)?1", _phone_text(text)):
        return validate_mobile(text)
    return validate_landline(text)
