"""申请表 (application forms): the fields a matter asks the applicant to fill, and their values.

The one place that knows form fields: their record shape in the catalog (``Matter.form_fields``,
the JSON ``form_fields`` list), the one-cell text syntax of province sheets, how a value of each
type is checked and normalised, and how a bundle's matters share a field by key (like materials).

A field record::

    {"key": "baby_name", "label": "新生儿姓名", "type": "text", "required": true,
     "options": [], "pattern": "", "hint": "", "max_length": 0}

``type``: text | date (YYYY-MM-DD) | number | choice (one of ``options``) | phone | id_number.
``pattern`` is a regular expression the whole text value must match, ``hint`` the Chinese words
said when it does not; ``max_length`` 0 means the default of ``DEFAULT_MAX_LENGTH``.

Sheet syntax (column 申请表字段), fields separated by ``;`` ``；`` or new lines::

    新生儿姓名*; 出生日期*:date; 性别*:choice(男|女); 经营范围*:text(200); 资金数额:number

``*`` marks a required field; the type follows ``:`` (English or Chinese: 文本 日期 数字 选项 电话
身份证号); ``text(200)`` sets the maximum length; ``choice(a|b)`` the options. The key is the
pinyin of the label unless given in brackets: ``新生儿姓名[baby_name]*``. Pattern and hint are
JSON only.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .errors import ValidationError
from .privacy import mask_id, mask_phone
from .validation import validate_id_number, validate_phone

TYPES: dict[str, str] = {"text": "文本", "date": "日期", "number": "数字", "choice": "选项",
                         "phone": "电话", "id_number": "身份证号"}
_TYPE_WORDS = {v: k for k, v in TYPES.items()} | {"身份证号码": "id_number", "手机": "phone", "选择": "choice",
                                                   "金额": "number"}
DEFAULT_MAX_LENGTH = 200
FIELD_DEFAULTS: dict[str, Any] = {"type": "text", "required": False, "options": [], "pattern": "", "hint": "",
                                  "max_length": 0}
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class FormField:
    """One field of a matter's 申请表 (definition only; values live on the case)."""
    key: str
    label: str
    type: str = "text"
    required: bool = False
    options: tuple[str, ...] = ()
    pattern: str = ""
    hint: str = ""
    max_length: int = 0
    matters: tuple[str, ...] = ()  # bundle: names of the matters that ask for it

    @property
    def type_label(self) -> str:
        return TYPES.get(self.type, self.type)

    @property
    def limit(self) -> int:
        return self.max_length or DEFAULT_MAX_LENGTH

    def record(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "type": self.type, "required": self.required,
                "options": list(self.options), "pattern": self.pattern, "hint": self.hint,
                "max_length": self.max_length}


def from_info(info: Any) -> FormField:
    """The definition back from a ``clerk.dto.FormFieldInfo`` (the UI checks a value as it is typed)."""
    return FormField(info.key, info.label, info.type, info.required, tuple(info.options), info.pattern, info.hint,
                     info.max_length, tuple(info.matters))


def with_defaults(rec: Any) -> Any:
    if not isinstance(rec, dict):
        return rec
    out = {k: (list(v) if isinstance(v, list) else v) for k, v in FIELD_DEFAULTS.items()}
    out.update(rec)
    return out


def from_records(records: Iterable[Mapping[str, Any]] | None) -> tuple[FormField, ...]:
    """Stored records (already checked on import) → fields; a broken record is skipped."""
    out = []
    for r in records or ():
        if not isinstance(r, Mapping) or not r.get("key") or not r.get("label"):
            continue
        r = with_defaults(dict(r))
        out.append(FormField(str(r["key"]), str(r["label"]), str(r["type"]), bool(r["required"]),
                             tuple(str(o) for o in r["options"] or ()), str(r["pattern"] or ""),
                             str(r["hint"] or ""), int(r["max_length"] or 0)))
    return tuple(out)


# --------------------------------------------------------------------------- catalog checks

def check_records(records: Any) -> list[str]:
    """Problems of a matter's ``form_fields`` list, each naming the field by its number and label
    (Chinese, for the import report)."""
    if not isinstance(records, list):
        return ["申请表字段 form_fields 应为列表"]
    problems: list[str] = []
    seen: set[str] = set()
    for i, raw in enumerate(records, start=1):
        where = f"申请表第{i}个字段"
        if not isinstance(raw, dict):
            problems.append(f"{where}不是对象")
            continue
        r = with_defaults(raw)
        label = r.get("label")
        if not isinstance(label, str) or not label.strip():
            problems.append(f"{where}缺少名称 label")
        else:
            where = f"{where}“{label}”"
            if len(label) > 40:
                problems.append(f"{where}的名称超过40个字")
        key = r.get("key")
        if not isinstance(key, str) or not _KEY.match(key):
            problems.append(f"{where}的 key“{key}”应为小写字母开头的字母、数字或下划线（不超过40个字符）")
        elif key in seen:
            problems.append(f"{where}的 key“{key}”重复")
        else:
            seen.add(key)
        if r["type"] not in TYPES:
            problems.append(f"{where}的类型“{r['type']}”应为 text、date、number、choice、phone 或 id_number")
        if not isinstance(r["required"], bool):
            problems.append(f"{where}的 required 应为 true/false")
        opts = r["options"]
        if not isinstance(opts, list) or any(not isinstance(o, str) or not o.strip() for o in opts):
            problems.append(f"{where}的选项 options 应为文字列表")
        elif r["type"] == "choice" and len(opts) < 2:
            problems.append(f"{where}是选项类型，至少要有两个选项")
        elif len(set(opts)) != len(opts):
            problems.append(f"{where}的选项有重复")
        if not isinstance(r["pattern"], str) or not isinstance(r["hint"], str):
            problems.append(f"{where}的 pattern 和 hint 应为文字")
        elif r["pattern"]:
            try:
                re.compile(r["pattern"])
            except re.error as err:
                problems.append(f"{where}的格式规则 pattern 不是有效的正则表达式（{err}）")
        if not isinstance(r["max_length"], int) or isinstance(r["max_length"], bool) or not 0 <= r["max_length"] <= 2000:
            problems.append(f"{where}的最大长度 max_length 应为 0–2000 的整数")
    return problems


# --------------------------------------------------------------------------- sheet text syntax

_SPEC = re.compile(r"^(?P<label>[^\[\]*＊:：]+?)\s*(?:\[(?P<key>[^\]]*)\])?\s*(?P<req>[*＊])?\s*"
                   r"(?:[:：]\s*(?P<type>[^(（]+?)\s*(?:[(（](?P<arg>[^)）]*)[)）])?)?\s*$")


def label_key(label: str) -> str:
    from pypinyin import lazy_pinyin

    slug = "_".join(p for p in (re.sub(r"[^a-z0-9]", "", s.lower()) for s in lazy_pinyin(label)) if p)
    slug = slug[:40].rstrip("_")
    if not slug or not slug[0].isalpha():
        slug = ("f_" + slug)[:40].rstrip("_")
    return slug or "field"


def parse_text(cell: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """The 申请表字段 cell → (field records, problems). Problems name the field by number."""
    records: list[dict[str, Any]] = []
    problems: list[str] = []
    text = str(cell or "").strip()
    if not text:
        return records, problems
    for i, part in enumerate((p.strip() for p in re.split(r"[;；\n\r]+", text) if p.strip()), start=1):
        m = _SPEC.match(part)
        if m is None:
            problems.append(f"申请表第{i}个字段“{part}”写法不对，应如“出生日期*:date”或“性别:choice(男|女)”")
            continue
        label = m.group("label").strip()
        kind_text = (m.group("type") or "text").strip()
        kind = kind_text.lower() if kind_text.lower() in TYPES else _TYPE_WORDS.get(kind_text)
        if kind is None:
            problems.append(f"申请表第{i}个字段“{label}”的类型“{kind_text}”应为 text、date、number、choice、phone、"
                            "id_number（或 文本、日期、数字、选项、电话、身份证号）")
            continue
        rec: dict[str, Any] = {"key": (m.group("key") or "").strip() or label_key(label), "label": label, "type": kind,
               "required": bool(m.group("req")), "options": [], "pattern": "", "hint": "", "max_length": 0}
        arg = (m.group("arg") or "").strip()
        if kind == "choice":
            rec["options"] = [o.strip() for o in re.split(r"[|｜/、]", arg) if o.strip()]
        elif arg:
            if kind != "text" or not arg.isdigit():
                problems.append(f"申请表第{i}个字段“{label}”：括号里只能写文本的最大长度（如 text(50)）或选项")
                continue
            rec["max_length"] = int(arg)
        records.append(rec)
    if not problems:
        problems = check_records(records)
    return records, problems


def format_text(records: Iterable[Mapping[str, Any]]) -> str:
    """Field records → the 申请表字段 cell (round-trips through ``parse_text``; pattern and hint
    do not fit the syntax and are left out)."""
    parts = []
    for r in records:
        r = with_defaults(dict(r))
        key = "" if label_key(r["label"]) == r["key"] else f"[{r['key']}]"
        req = "*" if r["required"] else ""
        kind = r["type"]
        if kind == "choice":
            spec = f":choice({'|'.join(r['options'])})"
        elif kind == "text":
            spec = f":text({r['max_length']})" if r["max_length"] else ""
        else:
            spec = f":{kind}"
        parts.append(f"{r['label']}{key}{req}{spec}")
    return "; ".join(parts)


# --------------------------------------------------------------------------- values

def clean_value(f: FormField, raw: Any, *, today: dt.date | None = None) -> str:
    """A value of field ``f`` checked and normalised to its stored text; "" for empty. Raises
    ``ValidationError`` whose message names the field."""
    text = unicodedata.normalize("NFKC", "" if raw is None else str(raw)).strip()
    if not text:
        return ""
    name = f.label
    if f.type == "date":
        m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
        try:
            day = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None
        except ValueError:
            day = None
        if day is None:
            raise ValidationError(f"{name}应为有效日期，格式 YYYY-MM-DD（如 2026-11-23）", f"{f.key}: not a date")
        return day.isoformat()
    if f.type == "number":
        digits = text.replace(",", "").replace("，", "")
        if not re.fullmatch(r"-?\d+(\.\d+)?", digits):
            raise ValidationError(f"{name}应为数字（如 50000 或 3.5）", f"{f.key}: not a number")
        return format(Decimal(digits).normalize(), "f")
    if f.type == "choice":
        if text not in f.options:
            raise ValidationError(f"{name}只能选：{'、'.join(f.options)}", f"{f.key}: not an option")
        return text
    if f.type == "phone":
        try:
            return validate_phone(text)
        except ValidationError as err:
            raise ValidationError(f"{name}：{err.message}", f"{f.key}: {err.english}") from None
    if f.type == "id_number":
        try:
            return validate_id_number(text, today=today, allow_15=False).number
        except ValidationError as err:
            raise ValidationError(f"{name}：{err.message}", f"{f.key}: {err.english}") from None
    if len(text) > f.limit:
        raise ValidationError(f"{name}不能超过{f.limit}个字，现有{len(text)}个字", f"{f.key}: too long")
    if f.pattern and not re.fullmatch(f.pattern, text):
        raise ValidationError(f"{name}{f.hint or '格式不符合要求'}", f"{f.key}: does not match pattern")
    return text


def clean_values(fields: Sequence[FormField], values: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """(clean values, problems by key) for the given values; unknown keys are problems too."""
    by_key = {f.key: f for f in fields}
    clean: dict[str, str] = {}
    problems: dict[str, str] = {}
    for key, raw in values.items():
        f = by_key.get(key)
        if f is None:
            problems[key] = f"申请表没有字段“{key}”"
            continue
        try:
            clean[key] = clean_value(f, raw)
        except ValidationError as err:
            problems[key] = err.message
    return clean, problems


def missing_required(fields: Sequence[FormField], values: Mapping[str, Any]) -> list[FormField]:
    return [f for f in fields if f.required and not str(values.get(f.key) or "").strip()]


def masked(fields: Sequence[FormField], values: Mapping[str, Any]) -> dict[str, str]:
    """Values safe for logs and printed documents: ID numbers and phones masked."""
    types = {f.key: f.type for f in fields}
    out = {}
    for key, value in values.items():
        kind = types.get(key)
        out[key] = mask_id(value) if kind == "id_number" else mask_phone(value) if kind == "phone" else value
    return out


@dataclass
class _Merged:
    first: FormField
    required: bool
    matters: list[str] = field(default_factory=list)


def merge_fields(per_matter: Sequence[tuple[str, Sequence[FormField]]]) -> tuple[FormField, ...]:
    """A bundle's fields: one per key in first-seen order, required if any matter requires it,
    with the names of the matters that ask for it (the first matter's label and type win)."""
    merged: dict[str, _Merged] = {}
    for matter_name, fields in per_matter:
        for f in fields:
            cur = merged.get(f.key)
            if cur is None:
                merged[f.key] = _Merged(f, f.required, [matter_name])
            else:
                cur.required |= f.required
                cur.matters.append(matter_name)
    return tuple(FormField(m.first.key, m.first.label, m.first.type, m.required, m.first.options, m.first.pattern,
                           m.first.hint, m.first.max_length, tuple(m.matters)) for m in merged.values())
