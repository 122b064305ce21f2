"""Catalog files in and out: our JSON (``window-clerk-catalog``) and province sheets (.xlsx/.csv).

Everything here is file format only: reading gives plain *records* — dicts shaped exactly like
the matters and bundles of the JSON format — plus a list of ``(row, 中文原因)`` problems and the
unknown columns; writing takes the same records. The one rule: a reader never raises on a bad
row, it reports it, so the importer can list every bad row and then import nothing.
"""
from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import posixpath
import re
import sys
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


from . import forms
from .fileio import write_atomic
from .errors import ValidationError
from .zones import DEFAULT_ZONES, zone_code
from .dto import FORM_LABELS

FORMAT = "window-clerk-catalog"
KINDS = ("immediate", "committed")
FORMS = ("original", "copy", "both", "electronic")
DELIVERY_LABELS = {"window": "窗口领取", "post": "邮寄送达", "electronic": "电子送达"}

MATTER_DEFAULTS: dict[str, Any] = {
    "short_name": "", "department": "", "zone": "ZH", "kind": "committed", "statutory_days": 0,
    "promised_days": 0, "fee": "不收费", "visits_required": 1, "online": False,
    "delivery_options": ["window"], "target": "person", "legal_basis": "", "conditions": "",
    "window_script": "", "questions": [], "materials": [], "form_fields": [],
    "power_type": "", "parent_name": "", "division": "", "place": "", "phone": "", "extra": [],
}
# Fields a matter record leaves out of JSON when empty, so catalogs made before them round-trip.
OPTIONAL_FIELDS = ("power_type", "parent_name", "division", "place", "phone", "extra")
MATERIAL_DEFAULTS: dict[str, Any] = {
    "form": "original", "count": 1, "required": True, "core": True, "deferrable": False,
    "shareable": False, "share_source": "", "sample": "", "notes": "", "when": [],
}
BUNDLE_DEFAULTS: dict[str, Any] = {"description": "", "zone": "ZH", "promised_days": 0, "matters": []}


class CatalogFileError(ValidationError):
    """The file itself cannot be read: truncated, not JSON, a corrupt workbook, no header."""


@dataclass
class ReadResult:
    """What a reader found. ``errors`` hold ``(row, message)``; row 0 means the whole file."""
    matters: list[dict[str, Any]] = field(default_factory=list)
    bundles: list[dict[str, Any]] = field(default_factory=list)
    version: str = ""
    rows: list[int] = field(default_factory=list)  # source row (sheet) or 1-based position (JSON)
    bundle_rows: list[int] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    file_format: str = "json"
    has_bundles: bool = False  # the file has a bundle section (JSON "bundles", the 一件事 sheet)
    has_nul: bool = False  # some text holds a NUL character (sheets refuse the whole file for it)
    # the matter fields the file speaks about: a sheet without a column leaves that field of an
    # existing matter alone (JSON is complete: every field)
    given: set[str] = field(default_factory=lambda: set(MATTER_DEFAULTS) | {"code", "name"})


# --------------------------------------------------------------------------- material keys

# The same document across matters gets the same key so a bundle asks for it once.
KNOWN_KEYS: tuple[tuple[str, str], ...] = (
    ("居民身份证", "id_card"), ("身份证", "id_card"), ("户口簿", "household_register"),
    ("户口本", "household_register"), ("营业执照", "business_license"),
    ("授权委托书", "power_of_attorney"), ("委托书", "power_of_attorney"),
    ("结婚证", "marriage_certificate"), ("离婚证", "divorce_certificate"),
    ("出生医学证明", "birth_medical_certificate"), ("居住证", "residence_permit"),
    ("不动产权证书", "property_certificate"), ("房屋所有权证", "property_certificate"),
    ("社会保障卡", "social_security_card"), ("社保卡", "social_security_card"),
    ("残疾人证", "disability_card"), ("驾驶证", "driving_license"),
    ("军官证", "military_id"), ("护照", "passport"), ("死亡医学证明", "death_certificate"),
    ("近期免冠照片", "photo"), ("免冠照片", "photo"), ("照片", "photo"),
)
# A holder prefix makes a different document: the proxy's ID card is not the applicant's.
HOLDER_PREFIXES: tuple[tuple[str, str], ...] = (
    ("代理人", "proxy_"), ("受托人", "proxy_"), ("经办人", "agent_"), ("法定代表人", "legal_rep_"),
    ("配偶", "spouse_"), ("监护人", "guardian_"), ("父母", "parents_"),
)
_APPLICANT_WORDS = ("申请人", "本人", "当事人")


@functools.lru_cache(maxsize=16384)
def material_key(name: str) -> str:
    """A stable key for a material name: a known document key, else a slug of its pinyin."""
    from pypinyin import lazy_pinyin

    text = re.sub(r"\s+", "", name)
    for word, key in KNOWN_KEYS:
        pos = text.find(word)
        if pos < 0:
            continue
        before = text[:pos]
        for holder, prefix in HOLDER_PREFIXES:
            if holder in before:
                return prefix + key
        if before and not any(w in before for w in _APPLICANT_WORDS) and len(before) > 4:
            break  # "某某机构出具的…身份证明" is not the ID card itself
        return key
    slug = "_".join(p for p in (re.sub(r"[^a-z0-9]", "", s.lower()) for s in lazy_pinyin(text)) if p)
    return slug[:56].rstrip("_") or "material"  # room for a "_2" suffix within 60


# --------------------------------------------------------------------------- JSON

def read_json(path: Path) -> ReadResult:
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise CatalogFileError(f"无法读取目录文件“{path.name}”：{err.strerror or err}", f"cannot read {path}: {err}") from err
    try:
        text = raw.decode("utf-8-sig")
        data = json.loads(text)
    except UnicodeDecodeError:
        raise CatalogFileError(f"目录文件“{path.name}”不是 UTF-8 编码的 JSON，未导入任何内容。",
                               f"{path.name} is not UTF-8 JSON") from None
    except json.JSONDecodeError as err:
        raise CatalogFileError(
            f"目录文件“{path.name}”内容不完整或格式错误（第{err.lineno}行第{err.colno}列），"
            f"可能未下载完整，未导入任何内容。", f"{path.name} is not valid JSON: {err}") from err
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CatalogFileError(f"文件“{path.name}”不是本系统的事项目录（缺少 format: {FORMAT}），未导入任何内容。",
                               f"{path.name} is not a {FORMAT} file")
    res = ReadResult(version=str(data.get("version") or ""), file_format="json", has_bundles="bundles" in data,
                     has_nul="\\u0000" in text)
    matters, bundles = data.get("matters", []), data.get("bundles", [])
    if not isinstance(matters, list) or not isinstance(bundles, list):
        raise CatalogFileError("目录文件中 matters / bundles 应为列表，未导入任何内容。", "matters/bundles must be lists")
    known = set(MATTER_DEFAULTS) | {"code", "name"}
    for i, m in enumerate(matters, start=1):
        if not isinstance(m, dict):
            res.errors.append((i, f"第{i}个事项不是对象"))
            continue
        res.unknown_columns.extend(k for k in m if k not in known and k not in res.unknown_columns)
        res.matters.append(_with_defaults(m, MATTER_DEFAULTS))
        res.rows.append(i)
    for i, b in enumerate(bundles, start=1):
        if not isinstance(b, dict):
            res.errors.append((i, f"第{i}个一件事不是对象"))
            continue
        res.bundles.append(_with_defaults(b, BUNDLE_DEFAULTS))
        res.bundle_rows.append(i)
    return res


def _with_defaults(rec: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    out = dict(defaults)
    out.update(rec)
    for k, v in defaults.items():
        if k not in rec and isinstance(v, list):
            out[k] = []  # never share the defaults' lists
    if "materials" in out and isinstance(out["materials"], list):
        out["materials"] = [_with_defaults(x, MATERIAL_DEFAULTS) if isinstance(x, dict) else x
                            for x in out["materials"]]
    if "form_fields" in out and isinstance(out["form_fields"], list):
        out["form_fields"] = [forms.with_defaults(x) for x in out["form_fields"]]
    return out


def write_json(path: Path, version: str, matters: list[dict[str, Any]], bundles: list[dict[str, Any]]) -> None:
    doc = {"format": FORMAT, "version": version, "matters": matters, "bundles": bundles}
    atomic_write(path, (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))


def atomic_write(path: Path, data: bytes) -> None:
    write_atomic(path, data, mode=0o644)  # a catalog holds no personal data; halls share it


# --------------------------------------------------------------------------- sheets: columns

# field → accepted headers, most specific first (the first is the one we write). Provinces name
# columns differently; when a file has two columns of one field, the one earlier here wins and
# the other is kept as an extra guide fact.
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("事项名称", "实施清单名称", "业务办理项名称", "实施事项名称", "名称", "事项"),
    "parent_name": ("主项名称", "主项"),
    "sub_name": ("子项名称", "子项"),
    "code": ("实施编码", "业务办理项编码", "实施清单编码", "事项编码", "编码", "事项代码", "基本编码"),
    "short_name": ("事项简称", "简称"),
    "department": ("实施主体", "实施机构", "实施主体名称", "实施部门", "办理部门", "部门", "办理机构", "受理部门"),
    "division": ("行政区划代码", "实施区划代码", "区划代码", "行政区划", "所属区划"),
    "power_type": ("事项类型", "权力类型", "职权类型", "权力事项类型", "事项类别"),
    "zone": ("所属分区", "分区", "进驻分区"),
    "kind": ("办件类型", "办件类别"),
    "statutory_days": ("法定办结时限", "法定时限", "法定期限"),
    "promised_days": ("承诺办结时限", "承诺时限", "承诺期限"),
    "fee": ("收费标准", "收费", "是否收费", "收费依据及标准", "收费情况"),
    "visits_required": ("到现场次数", "到办事现场次数", "跑动次数"),
    "online": ("办理形式", "是否网办", "是否网上办理", "是否支持网上办理"),
    "delivery_options": ("送达方式", "结果送达方式"),
    "target": ("服务对象", "办理对象"),
    "place": ("办理地点", "办理地址", "受理地点"),
    "phone": ("咨询电话", "咨询方式", "联系电话", "咨询途径"),
    "legal_basis": ("设定依据", "法律依据", "实施依据", "设立依据"),
    "conditions": ("受理条件", "申请条件", "办理条件"),
    "window_script": ("一口清", "窗口告知"),
    "materials": ("申请材料", "材料清单", "申请材料目录"),
    "form_fields": ("申请表字段", "申请表"),  # syntax in clerk.forms: 新生儿姓名*; 出生日期*:date …
}
_HEADER_FIELD = {h: f for f, hs in COLUMNS.items() for h in hs}
_HEADER_RANK = {h: i for hs in COLUMNS.values() for i, h in enumerate(hs)}
_NAME_FIELDS = ("name", "parent_name", "sub_name")
# Columns provinces add that carry nothing we keep; silently skipped rather than reported.
IGNORED = {"序号"}
POWER_TYPES = ("行政许可", "行政确认", "行政给付", "行政裁决", "行政奖励", "行政征收", "行政检查", "行政处罚",
               "行政强制", "公共服务", "其他行政权力", "其他职权")
TEXT_LIMITS = {"name": 200, "parent_name": 200, "short_name": 60, "department": 100, "fee": 200,
               "power_type": 40, "division": 40, "phone": 200}
EXTRA_LIMIT = 2000  # one extra guide fact's text; a longer cell is cut with a note
BUNDLE_SHEET = "一件事"
BUNDLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("一件事编码", "编码"), "name": ("一件事名称", "名称"),
    "description": ("说明", "描述"), "zone": ("所属分区", "分区"),
    "promised_days": ("承诺办结时限", "承诺时限"), "matters": ("包含事项编码", "包含事项"),
}


def _norm_header(h: Any) -> str:
    return re.sub(r"[\s*＊:：]", "", str(h or ""))


def _header_field(head: str) -> str | None:
    """The field of a normalised header; "法定办结时限（工作日）" is read as "法定办结时限"."""
    fld = _HEADER_FIELD.get(head)
    if fld is None:
        bare = re.sub(r"[（(][^）)]*[）)]$", "", head)
        fld = _HEADER_FIELD.get(bare) if bare != head else None
    return fld


_TEN = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_SAME_DAY = ("即办", "当场", "立即", "即时", "现场办结", "随到随办")
_DAYS_RE = re.compile(r"(?:法定|承诺)?(?:办结)?(?:时限|期限)?[:：]?(\d+)(?:\.0)?(个)?(工作日|自然日|日|天|个月|月)?")


def parse_days(value: Any) -> int | None:
    """'20个工作日' / '20' / 20.0 / '即办' / '当场办结' / '20个工作日（不含公告时间）' → working days;
    None when it is not a number of days. Months count 22 working days, calendar days 5 in 7."""
    if value is None:
        return 0
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value) if float(value).is_integer() and value >= 0 else None
    text = re.sub(r"\s", "", str(value))
    if text in ("", "无", "-", "/", "—", "0"):
        return 0
    if text.startswith(_SAME_DAY):
        return 0
    m = _DAYS_RE.match(text)
    if not m:
        return None
    rest = text[m.end():]
    if rest and not rest.startswith(("（", "(", "，", ",", "；", ";", "内", "。")):
        return None  # "20个工作日或30天" is not one number
    n, unit = int(m.group(1)), m.group(3) or ""
    if unit in ("个月", "月"):
        return n * 22
    if unit == "自然日":
        return (n * 5 + 6) // 7
    if m.group(2) and not unit:
        return None  # "20个" alone
    return n


def days_need_note(value: Any) -> bool:
    """True when the cell says more than a plain number of working days (kept as a guide fact)."""
    if value is None or isinstance(value, (int, float)):
        return False
    text = re.sub(r"\s", "", str(value))
    return not (text in ("", "无", "-", "/", "—") or text.startswith(_SAME_DAY)
                or re.fullmatch(r"\d+(?:个)?(?:工作日|日|天)?", text))


def parse_count(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value) if float(value).is_integer() and value >= 0 else None
    text = re.sub(r"\s", "", str(value))
    m = re.fullmatch(r"(?:最多)?(?:跑)?(\d+|[零〇一二两三])(?:次)?", text)
    if not m:
        return None
    g = m.group(1)
    return int(g) if g.isdigit() else _TEN[g]


def parse_materials(cell: Any) -> list[dict[str, Any]]:
    """One cell listing materials (newline / ；/ ; separated) → material records with keys."""
    out: list[dict[str, Any]] = []
    used: set[str] = set()
    for raw in re.split(r"[\n\r；;]+", str(cell or "")):
        item = re.sub(r"^\s*(?:\d+\s*[.、．)）]|[（(]\d+[）)]|[①-⑳])\s*", "", raw).strip(" \t，,。")
        if not item:
            continue
        rec = dict(MATERIAL_DEFAULTS, when=[])
        m = re.search(r"[（(](原件及复印件|原件和复印件|原件、复印件|原件|复印件|电子件|电子版)[）)]", item)
        if m:
            rec["form"] = {"原件": "original", "复印件": "copy", "电子件": "electronic",
                           "电子版": "electronic"}.get(m.group(1), "both")
            item = item[:m.start()] + item[m.end():]
        c = re.search(r"(\d+|[一二两三四五六七八九])\s*份", item)
        if c:
            rec["count"] = int(c.group(1)) if c.group(1).isdigit() else _TEN[c.group(1)]
            item = item[:c.start()] + item[c.end():]
        for flag in ("容缺", "可容缺"):
            if f"（{flag}）" in item or f"({flag})" in item:
                rec.update(deferrable=True, core=False)
                item = item.replace(f"（{flag}）", "").replace(f"({flag})", "")
        for flag in ("如有", "非必要", "可选"):
            if f"（{flag}）" in item or f"({flag})" in item:
                rec["required"] = False
                item = item.replace(f"（{flag}）", "").replace(f"({flag})", "")
        name = item.strip(" \t，,。")
        if not name:
            continue
        key = base = material_key(name)
        n = 2
        while key in used:  # two documents of one matter may share a slug; keys must stay unique
            key, n = f"{base}_{n}", n + 1
        used.add(key)
        rec.update(key=key, name=name)
        out.append(rec)
    return out


def format_materials(materials: Iterable[dict[str, Any]]) -> str:
    """The 申请材料 cell we write: one material per line, form and count spelled out."""
    lines = []
    for m in materials:
        flags = "（容缺）" if m.get("deferrable") else ""
        flags += "（如有）" if not m.get("required", True) else ""
        lines.append(f"{m['name']}（{FORM_LABELS.get(m.get('form', 'original'), '原件')}）{m.get('count', 1)}份{flags}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- sheets: reading

Progress = Callable[[str, int, int], None]  # (stage, done, total); total 0 when unknown
Row = tuple[int, list[Any]]
HEADER_SEARCH_ROWS = 20  # title rows, notes and blank lines may sit above the header
PROGRESS_EVERY = 2000


def read_sheet(path: Path, progress: Progress | None = None) -> ReadResult:
    """Read a province sheet (.xlsx or .csv) into records. Streams the rows: a 50,000-row
    workbook is never held as cells, only as the records it gives."""
    if path.suffix.lower() == ".xlsx":
        res = ReadResult(file_format="xlsx")
        _read_xlsx(path, res, progress)
    else:
        res = ReadResult(file_format="csv")
        rows, total = _csv_rows(path)
        _read_matter_rows(rows, res, path.name, total, progress)
    return res


def _read_xlsx(path: Path, res: ReadResult, progress: Progress | None) -> None:
    """Through calamine (Rust; thirty times faster than openpyxl's streaming reader and it knows
    merged ranges); openpyxl where calamine is not installed."""
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:
        _read_xlsx_openpyxl(path, res, progress)
        return
    try:
        wb = CalamineWorkbook.from_path(str(path))
        names = list(wb.sheet_names)
    except Exception as err:  # calamine raises its own error types for every kind of damage
        raise CatalogFileError(f"Excel 文件“{path.name}”已损坏或不完整，无法打开，未导入任何内容。"
                               "请重新导出或重新下载该文件。", f"corrupt workbook {path.name}: {err}") from err
    try:
        matter_sheets = [n for n in names if n != BUNDLE_SHEET]
        if not matter_sheets:
            raise CatalogFileError(f"Excel 文件“{path.name}”中没有事项表，未导入任何内容。", "no matter sheet")
        rows, total = _calamine_rows(wb.get_sheet_by_name(matter_sheets[0]))
        _read_matter_rows(rows, res, path.name, total, progress)
        if BUNDLE_SHEET in names:
            res.has_bundles = True
            _read_bundle_rows(list(_calamine_rows(wb.get_sheet_by_name(BUNDLE_SHEET))[0]), res)
    except CatalogFileError:
        raise
    except Exception as err:
        raise CatalogFileError(f"Excel 文件“{path.name}”已损坏或不完整，未导入任何内容。",
                               f"corrupt workbook {path.name}: {err}") from err
    finally:
        wb.close()


def _calamine_rows(sheet: Any) -> tuple[Iterator[Row], int]:
    start = sheet.start or (0, 0)
    merges = [(c1 + 1, r1 + 1, c2 + 1, r2 + 1) for (r1, c1), (r2, c2) in (sheet.merged_cell_ranges or ())]
    pad = [None] * start[1]

    def rows() -> Iterator[Row]:
        for i, r in enumerate(sheet.iter_rows(), start=start[0] + 1):
            yield i, pad + [None if v == "" else v for v in r]

    return _fill_merged(rows(), merges), sheet.height or 0


def _read_xlsx_openpyxl(path: Path, res: ReadResult, progress: Progress | None) -> None:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    broken = (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, EOFError, TypeError,
              IndexError, AttributeError, ET.ParseError)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except broken as err:
        raise CatalogFileError(f"Excel 文件“{path.name}”已损坏或不完整，无法打开，未导入任何内容。"
                               "请重新导出或重新下载该文件。", f"corrupt workbook {path.name}: {err}") from err
    try:
        merges = _merged_ranges(path)
        sheets = [ws for ws in wb.worksheets if ws.title != BUNDLE_SHEET]
        if not sheets:
            raise CatalogFileError(f"Excel 文件“{path.name}”中没有事项表，未导入任何内容。", "no matter sheet")
        ws = sheets[0]
        total = ws.max_row or 0
        ws.reset_dimensions()  # some exporters write a wrong <dimension>; read every cell there is
        rows = _fill_merged(_sheet_rows(ws), merges.get(ws.title, []))
        _read_matter_rows(rows, res, path.name, total, progress)
        if BUNDLE_SHEET in wb.sheetnames:
            res.has_bundles = True
            bws = wb[BUNDLE_SHEET]
            bws.reset_dimensions()
            _read_bundle_rows(list(_fill_merged(_sheet_rows(bws), merges.get(BUNDLE_SHEET, []))), res)
    except CatalogFileError:
        raise
    except broken as err:
        raise CatalogFileError(f"Excel 文件“{path.name}”已损坏或不完整，未导入任何内容。",
                               f"corrupt workbook {path.name}: {err}") from err
    finally:
        wb.close()


def _sheet_rows(ws: Any) -> Iterator[Row]:
    for i, r in enumerate(ws.iter_rows(values_only=True), start=1):
        yield i, list(r)


_MERGE_RE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Za-z]+[0-9]+(?::[A-Za-z]+[0-9]+)?)"')


def _merged_ranges(path: Path) -> dict[str, list[tuple[int, int, int, int]]]:
    """Merged cell ranges per sheet title as (min_col, min_row, max_col, max_row), 1-based.

    openpyxl's streaming (read-only) mode does not read merged ranges, and its full mode holds
    every cell in memory (gigabytes for a large list); so the <mergeCell> elements, which sit
    after the sheet data, are found by scanning each sheet's XML in chunks."""
    from openpyxl.utils.cell import range_boundaries

    ns_main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    ns_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    out: dict[str, list[tuple[int, int, int, int]]] = {}
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        if "xl/workbook.xml" not in names:
            return out
        rels: dict[str, str] = {}
        if "xl/_rels/workbook.xml.rels" in names:
            for rel in ET.fromstring(zf.read("xl/_rels/workbook.xml.rels")):
                target = rel.get("Target", "")
                target = target.lstrip("/") if target.startswith("/") else "xl/" + target
                rels[rel.get("Id", "")] = posixpath.normpath(target)
        sheets = ET.fromstring(zf.read("xl/workbook.xml")).find(f"{ns_main}sheets")
        for sheet in sheets if sheets is not None else ():
            part = rels.get(sheet.get(f"{ns_rel}id", ""))
            if not part or part not in names:
                continue
            ranges = []
            with zf.open(part) as fh:
                tail = b""
                while chunk := fh.read(1 << 20):
                    buf = tail + chunk
                    last = 0
                    for m in _MERGE_RE.finditer(buf):
                        ranges.append(range_boundaries(m.group(1).decode("ascii").upper()))
                        last = m.end()
                    tail = buf[max(last, len(buf) - 200):]
            out[sheet.get("name", "")] = [r for r in ranges if None not in r]
    return out


def _fill_merged(rows: Iterable[Row], ranges: list[tuple[int, int, int, int]]) -> Iterator[Row]:
    """Every cell of a merged range takes the value of its top-left cell (a department merged
    over thirty rows belongs to each of them)."""
    if not ranges:
        yield from rows
        return
    starts: dict[int, list[tuple[int, int, int, int]]] = {}
    for r in ranges:
        starts.setdefault(r[1], []).append(r)
    active: list[tuple[int, int, int, Any]] = []  # (min_col, max_col, max_row, value)
    for rowno, row in rows:
        active = [a for a in active if a[2] >= rowno]
        for min_col, _min_row, max_col, max_row in starts.get(rowno, ()):
            value = row[min_col - 1] if min_col - 1 < len(row) else None
            active.append((min_col, max_col, max_row, value))
        for min_col, max_col, _max_row, value in active:
            if len(row) < max_col:
                row.extend([None] * (max_col - len(row)))
            for c in range(min_col - 1, max_col):
                row[c] = value
        yield rowno, row


def _csv_rows(path: Path) -> tuple[Iterator[Row], int]:
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise CatalogFileError(f"无法读取文件“{path.name}”：{err.strerror or err}", f"cannot read {path}: {err}") from err
    text = None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")  # Excel on Chinese Windows saves CSV as GBK
    for enc in encodings:
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise CatalogFileError(f"文件“{path.name}”编码无法识别（应为 UTF-8 或 GBK/GB18030），未导入任何内容。",
                               "unknown CSV encoding")
    del raw
    nul = text.find("\0")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise CatalogFileError(f"文件“{path.name}”第{line}行含有空字符（NUL），文件可能已损坏或不是文本表格，"
                               "未导入任何内容。请用 Excel 重新另存为 CSV 或 .xlsx。", f"NUL byte on line {line}")
    sample = text[:65536]
    delimiter = ","
    if "\t" in sample.split("\n", 1)[0] and sample.count("\t") > sample.count(","):
        delimiter = "\t"  # "文本文件（制表符分隔）"
    total = text.count("\n")

    def rows() -> Iterator[Row]:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        n = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as err:
                limit = csv.field_size_limit()
                if "field larger than field limit" in str(err):
                    raise CatalogFileError(
                        f"文件“{path.name}”第{reader.line_num}行附近有一个单元格超过 {limit} 个字符（CSV 单元格上限），"
                        "多半是引号不配对，未导入任何内容。请检查该行的双引号，或改用 .xlsx。",
                        f"field larger than {limit} near line {reader.line_num}") from None
                raise CatalogFileError(f"文件“{path.name}”第{reader.line_num}行不是有效的 CSV（{err}），未导入任何内容。",
                                       f"bad CSV near line {reader.line_num}: {err}") from None
            n += 1
            yield n, row

    return rows(), total


def _header_row(rows: Iterator[Row], names: set[str]) -> tuple[list[Row], int | None]:
    """Read ahead until the header: the first row with one of ``names`` (normalised headers)."""
    seen: list[Row] = []
    for row in rows:
        seen.append(row)
        if any(_norm_header(c) in names for c in row[1]):
            return seen, len(seen) - 1
        if len(seen) >= HEADER_SEARCH_ROWS:
            break
    return seen, None


def _read_matter_rows(rows: Iterator[Row], res: ReadResult, filename: str, total: int,
                      progress: Progress | None) -> None:
    rows = iter(rows)
    seen, h = _header_row(rows, {x for f in _NAME_FIELDS for x in COLUMNS[f]})
    if h is None:
        raise CatalogFileError(f"文件“{filename}”前{HEADER_SEARCH_ROWS}行中找不到表头（需要“事项名称”或“主项名称”列），"
                               "未导入任何内容。", f"no header with 事项名称 in {filename}")
    header = [_norm_header(c) for c in seen[h][1]]
    pending: list[Row] = seen[h + 1:]
    # A two-row header ("办结时限" over "法定" / "承诺"): the second row names known columns.
    nxt = pending[0] if pending else next(rows, None)
    if nxt is not None and not pending:
        pending = [nxt]
    if nxt is not None:
        below = [_norm_header(c) for c in nxt[1]]
        known = [i for i, b in enumerate(below) if b and _header_field(b) and (i >= len(header) or b != header[i])]
        if len(known) >= 2:
            header += [""] * (len(below) - len(header))
            for i in known:
                header[i] = below[i]
            pending = pending[1:]
    best: dict[str, tuple[int, int]] = {}  # field → (rank, column)
    for i, head in enumerate(header):
        fld = _header_field(head) if head else None
        if fld is None:
            continue
        rank = _HEADER_RANK.get(head, 99)
        if fld not in best or rank < best[fld][0]:
            best[fld] = (rank, i)
    colmap = {i: f for f, (_r, i) in best.items()}
    extras: list[tuple[int, str]] = []
    for i, head in enumerate(header):
        if not head or i in colmap or head in IGNORED:
            continue
        if _header_field(head) is None and head not in res.unknown_columns:
            res.unknown_columns.append(head)
        extras.append((i, head))
    if "code" not in best:
        raise CatalogFileError("表格缺少“实施编码/事项编码”列，未导入任何内容。", "no code column")
    res.given = set(best) - {"parent_name", "sub_name"} | {"name", "code"}
    if best.keys() & {"parent_name", "sub_name"}:
        res.given.add("parent_name")
    if "promised_days" in best:
        res.given.add("kind")
    if "kind" not in best and "power_type" in best:
        res.given.add("kind")  # a 事项类型 column holding 即办件/承诺件 (older exports)
    width = max(colmap) + 1
    done = 0

    def each() -> Iterator[Row]:
        yield from pending
        yield from rows

    for rowno, row in each():
        done += 1
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress("read", done, total)
        if len(row) < width:
            row = row + [None] * (width - len(row))
        cells = {fld: row[i] for i, fld in colmap.items()}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells.values()):
            continue
        more = [(label, _text(row[i])) for i, label in extras if i < len(row) and _text(row[i])]
        rec, problems = _matter_from_cells(cells, more)
        if problems:
            res.errors.extend((rowno, f"第{rowno}行：{p}") for p in problems)
        else:
            res.matters.append(rec)
            res.rows.append(rowno)
    if progress is not None:
        progress("read", done, done)


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        v = v.strip()
        # 50,000 rows repeat a few dozen departments, types and fees: keep each text once
        return sys.intern(v) if len(v) <= _SHARED_TEXT_MAX else v
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    elif isinstance(v, dt.datetime):
        v = v.date() if not v.time() else v
    return str(v).strip()


def _fact(label: str, value: str) -> list[str]:
    if len(value) > EXTRA_LIMIT:
        value = value[:EXTRA_LIMIT] + "…（原文过长，已截断）"
    return [label, value]


# Shared by every record a sheet gives and never changed in place (a sheet has no questions;
# most rows of a published list have one delivery option and no form): one list, not 50,000.
_NO_QUESTIONS: list[Any] = []
_NO_FIELDS: list[Any] = []
_NO_MATERIALS: list[Any] = []
_WINDOW_ONLY = ["window"]
_SHARED_TEXT_MAX = 40  # a short cell text (department, 事项类型, 区划, 收费 …) is kept once, shared


def _matter_from_cells(c: dict[str, Any], extras: list[tuple[str, str]]) -> tuple[dict[str, Any], list[str]]:
    problems: list[str] = []
    rec = dict(MATTER_DEFAULTS)
    rec["questions"], rec["delivery_options"] = _NO_QUESTIONS, _WINDOW_ONLY
    facts = [_fact(label, value) for label, value in extras]
    name, parent, sub = _text(c.get("name")), _text(c.get("parent_name")), _text(c.get("sub_name"))
    if not name:
        name = sub or parent  # 子项 named, or a 主项 without 子项 is the item itself
    rec["name"] = name
    rec["parent_name"] = parent if parent and parent != name else ""
    rec["code"] = _text(c.get("code"))
    if not rec["name"]:
        problems.append("缺少事项名称")
    if not rec["code"]:
        problems.append("缺少实施编码/事项编码")
    for f in ("short_name", "department", "legal_basis", "conditions", "window_script", "place", "phone",
              "division"):
        rec[f] = _text(c.get(f))
    if _text(c.get("zone")):
        z = zone_code(_text(c["zone"]))
        if z is None:
            names = "、".join(z.name for z in DEFAULT_ZONES)
            problems.append(f"分区“{_text(c['zone'])}”不存在（可填：{names}）")
        else:
            rec["zone"] = z
    for f, label in (("statutory_days", "法定办结时限"), ("promised_days", "承诺办结时限")):
        days = parse_days(c.get(f))
        if days is None:
            problems.append(f"{label}“{_text(c.get(f))}”不是天数，请填写如“20个工作日”“20”或“即办”")
        else:
            rec[f] = days
            if days_need_note(c.get(f)):
                facts.append(_fact(label, _text(c.get(f))))
    kind = _text(c.get("kind"))
    power = re.sub(r"\s", "", _text(c.get("power_type")))
    if not kind and power in ("即办件", "承诺件", "即办", "承诺"):
        kind, power = power, ""  # an older export named the 办件类型 column 事项类型
    rec["power_type"] = power
    if kind.startswith("即办"):
        rec["kind"] = "immediate"
    elif kind.startswith(("承诺", "上报", "联办", "审批")):
        rec["kind"] = "committed"
    elif kind:
        problems.append(f"办件类型“{kind}”应为“即办件”或“承诺件”")
    else:
        promised = _text(c.get("promised_days"))
        same_day = promised.startswith(_SAME_DAY) or (promised and rec["promised_days"] == 0)
        rec["kind"] = "immediate" if same_day else "committed"
    fee = _text(c.get("fee"))
    fee = {"": "不收费", "否": "不收费", "无": "不收费", "是": "收费"}.get(fee, fee)
    if len(fee) > TEXT_LIMITS["fee"]:
        facts.append(_fact("收费标准", fee))
        fee = fee[:TEXT_LIMITS["fee"] - 8] + "…（详见收费标准）"
    rec["fee"] = fee
    if _text(c.get("visits_required")):
        visits = parse_count(c.get("visits_required"))
        if visits is None:
            problems.append(f"到现场次数“{_text(c.get('visits_required'))}”应为 0、1、2 等次数")
        else:
            rec["visits_required"] = visits
    online = _text(c.get("online"))
    rec["online"] = bool(online) and online not in ("否", "窗口办理", "线下办理", "线下", "不支持") and (
        online in ("是", "Y", "y") or "网" in online or "线上" in online)
    delivery = _text(c.get("delivery_options"))
    if delivery:
        opts = [k for k, words in (("window", ("窗口", "自取", "领取")), ("post", ("邮寄", "快递", "EMS")),
                                   ("electronic", ("电子", "网上"))) if any(w in delivery for w in words)]
        rec["delivery_options"] = opts or ["window"]
    target = _text(c.get("target"))
    if target:
        person = "自然人" in target or "个人" in target or "公民" in target
        ent = "法人" in target or "企业" in target or "组织" in target
        rec["target"] = "both" if person and ent else "enterprise" if ent else "person"
    rec["materials"] = parse_materials(c.get("materials")) if _text(c.get("materials")) else _NO_MATERIALS
    fields, field_problems = forms.parse_text(c.get("form_fields")) if _text(c.get("form_fields")) else (_NO_FIELDS, [])
    rec["form_fields"] = fields
    problems.extend(field_problems)
    rec["extra"] = facts
    return rec, problems


def _read_bundle_rows(rows: list[Row], res: ReadResult) -> None:
    _seen, h_index = _header_row(iter(rows), set(BUNDLE_COLUMNS["name"]))
    if h_index is None:
        return
    by_head = {h2: f for f, hs in BUNDLE_COLUMNS.items() for h2 in hs}
    colmap = {i: by_head[_norm_header(c)] for i, c in enumerate(rows[h_index][1]) if _norm_header(c) in by_head}
    for rowno, row in rows[h_index + 1:]:
        cells = {f: row[i] if i < len(row) else None for i, f in colmap.items()}
        if all(_text(v) == "" for v in cells.values()):
            continue
        rec = {k: (list(v) if isinstance(v, list) else v) for k, v in BUNDLE_DEFAULTS.items()}
        problems = []
        rec["code"], rec["name"] = _text(cells.get("code")), _text(cells.get("name"))
        rec["description"] = _text(cells.get("description"))
        if _text(cells.get("zone")):
            rec["zone"] = zone_code(_text(cells["zone"])) or _text(cells["zone"])
        days = parse_days(cells.get("promised_days"))
        if days is None:
            problems.append(f"承诺办结时限“{_text(cells.get('promised_days'))}”不是天数")
        else:
            rec["promised_days"] = days
        rec["matters"] = [x.strip() for x in re.split(r"[\n\r；;,，、]+", _text(cells.get("matters"))) if x.strip()]
        res.errors.extend((rowno, f"“一件事”表第{rowno}行：{p}") for p in problems)
        if not problems:
            res.bundles.append(rec)
            res.bundle_rows.append(rowno)


# --------------------------------------------------------------------------- sheets: writing

_KIND_LABEL = {"immediate": "即办件", "committed": "承诺件"}
_TARGET_LABEL = {"person": "自然人", "enterprise": "法人", "both": "自然人、法人"}


_SHEET_FIELDS = ("name", "code", "parent_name", "short_name", "department", "division", "power_type", "zone",
                 "kind", "statutory_days", "promised_days", "fee", "visits_required", "online", "delivery_options",
                 "target", "place", "phone", "legal_basis", "conditions", "window_script", "materials",
                 "form_fields")


def _matter_row(m: dict[str, Any]) -> list[Any]:
    from .zones import zone_name

    cells = {
        "zone": zone_name(m["zone"]), "kind": _KIND_LABEL.get(m["kind"], m["kind"]),
        "statutory_days": f"{m['statutory_days']}个工作日",
        "promised_days": "即办" if m["kind"] == "immediate" and not m["promised_days"]
        else f"{m['promised_days']}个工作日",
        "online": "网上办理" if m["online"] else "窗口办理",
        "delivery_options": "、".join(DELIVERY_LABELS.get(d, d) for d in m["delivery_options"]),
        "target": _TARGET_LABEL.get(m["target"], m["target"]), "materials": format_materials(m["materials"]),
        "form_fields": forms.format_text(m.get("form_fields") or []),
    }
    return [cells[f] if f in cells else m.get(f, "") for f in _SHEET_FIELDS]


def _headers() -> list[str]:
    return [COLUMNS[f][0] for f in _SHEET_FIELDS]


def write_csv(path: Path, matters: list[dict[str, Any]]) -> None:
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(_headers())
    for m in matters:
        w.writerow(_matter_row(m))
    atomic_write(path, buf.getvalue().encode("utf-8-sig"))  # BOM so Excel shows Chinese correctly


def write_xlsx(path: Path, matters: list[dict[str, Any]], bundles: list[dict[str, Any]]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from .zones import zone_name

    wb = Workbook()
    ws = wb.active
    ws.title = "事项目录"
    ws.append(_headers())
    for m in matters:
        ws.append(_matter_row(m))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    from openpyxl.utils import get_column_letter

    for f in ("materials", "form_fields"):
        for cell in ws[get_column_letter(_SHEET_FIELDS.index(f) + 1)][1:]:
            cell.alignment = wrap
    if bundles:
        bs = wb.create_sheet(BUNDLE_SHEET)
        bs.append([BUNDLE_COLUMNS[f][0] for f in ("code", "name", "description", "zone", "promised_days", "matters")])
        for b in bundles:
            bs.append([b["code"], b["name"], b["description"], zone_name(b["zone"]),
                       f"{b['promised_days']}个工作日", "\n".join(b["matters"])])
    buf = io.BytesIO()
    wb.save(buf)
    atomic_write(path, buf.getvalue())
