"""Catalog files in and out: our JSON (``window-clerk-catalog``) and province sheets (.xlsx/.csv).

Everything here is file format only: reading gives plain *records* — dicts shaped exactly like
the matters and bundles of the JSON format — plus a list of ``(row, 中文原因)`` problems and the
unknown columns; writing takes the same records. The one rule: a reader never raises on a bad
row, it reports it, so the importer can list every bad row and then import nothing.
"""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


from . import forms
from .fileio import write_atomic
from .errors import ValidationError
from .zones import DEFAULT_ZONES, zone_code

FORMAT = "window-clerk-catalog"
KINDS = ("immediate", "committed")
FORMS = ("original", "copy", "both", "electronic")
FORM_LABELS = {"original": "原件", "copy": "复印件", "both": "原件及复印件", "electronic": "电子件"}
DELIVERY_LABELS = {"window": "窗口领取", "post": "邮寄送达", "electronic": "电子送达"}

MATTER_DEFAULTS: dict[str, Any] = {
    "short_name": "", "department": "", "zone": "ZH", "kind": "committed", "statutory_days": 0,
    "promised_days": 0, "fee": "不收费", "visits_required": 1, "online": False,
    "delivery_options": ["window"], "target": "person", "legal_basis": "", "conditions": "",
    "window_script": "", "questions": [], "materials": [], "form_fields": [],
}
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
        raise CatalogFileError(f"无法读取目录文件“{path.name}”：{err.strerror or err}", f"cannot read {path}: {err}")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise CatalogFileError(f"目录文件“{path.name}”不是 UTF-8 编码的 JSON，未导入任何内容。",
                               f"{path.name} is not UTF-8 JSON")
    except json.JSONDecodeError as err:
        raise CatalogFileError(
            f"目录文件“{path.name}”内容不完整或格式错误（第{err.lineno}行第{err.colno}列），"
            f"可能未下载完整，未导入任何内容。", f"{path.name} is not valid JSON: {err}")
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CatalogFileError(f"文件“{path.name}”不是本系统的事项目录（缺少 format: {FORMAT}），未导入任何内容。",
                               f"{path.name} is not a {FORMAT} file")
    res = ReadResult(version=str(data.get("version") or ""), file_format="json", has_bundles="bundles" in data)
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
    out = {k: (list(v) if isinstance(v, list) else v) for k, v in defaults.items()}
    out.update(rec)
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

# field → accepted headers (first is the one we write). Provinces name columns differently.
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("事项名称", "名称", "事项", "实施清单名称"),
    "code": ("实施编码", "事项编码", "编码", "基本编码", "业务办理项编码"),
    "short_name": ("事项简称", "简称"),
    "department": ("实施主体", "实施机构", "办理部门", "部门", "实施主体名称"),
    "zone": ("所属分区", "分区", "进驻分区"),
    "kind": ("办件类型", "事项类型"),
    "statutory_days": ("法定办结时限", "法定时限"),
    "promised_days": ("承诺办结时限", "承诺时限"),
    "fee": ("收费标准", "是否收费", "收费依据及标准"),
    "visits_required": ("到现场次数", "到办事现场次数", "跑动次数"),
    "online": ("办理形式", "是否网办", "是否网上办理"),
    "delivery_options": ("送达方式", "结果送达方式"),
    "target": ("服务对象",),
    "legal_basis": ("设定依据", "法律依据"),
    "conditions": ("受理条件", "申请条件"),
    "window_script": ("一口清", "窗口告知"),
    "materials": ("申请材料", "材料清单", "申请材料目录"),
    "form_fields": ("申请表字段", "申请表"),  # syntax in clerk.forms: 新生儿姓名*; 出生日期*:date …
}
_HEADER_FIELD = {h: f for f, hs in COLUMNS.items() for h in hs}
# Columns provinces add that carry nothing we keep; silently skipped rather than reported.
IGNORED = {"序号", "备注"}
BUNDLE_SHEET = "一件事"
BUNDLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("一件事编码", "编码"), "name": ("一件事名称", "名称"),
    "description": ("说明", "描述"), "zone": ("所属分区", "分区"),
    "promised_days": ("承诺办结时限", "承诺时限"), "matters": ("包含事项编码", "包含事项"),
}


def _norm_header(h: Any) -> str:
    return re.sub(r"[\s*＊:：]", "", str(h or ""))


_TEN = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def parse_days(value: Any) -> int | None:
    """'20个工作日' / '20' / 20.0 / '即办' / '' → days; None when it is not a number of days."""
    if value is None:
        return 0
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value) if float(value).is_integer() and value >= 0 else None
    text = re.sub(r"\s", "", str(value))
    if text in ("", "无", "-", "/", "即办", "即办件", "当场办结", "立即办结", "当场", "即时办结"):
        return 0
    m = re.fullmatch(r"(\d+)(?:\.0)?(?:个)?(?:工作日|自然日|日|天)?", text)
    return int(m.group(1)) if m else None


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

def read_sheet(path: Path) -> ReadResult:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        sheets = _xlsx_rows(path)
        res = ReadResult(file_format="xlsx")
    else:
        sheets = {"": _csv_rows(path)}
        res = ReadResult(file_format="csv")
    bundle_rows = sheets.pop(BUNDLE_SHEET, None)
    rows = next(iter(sheets.values()), [])
    _read_matter_rows(rows, res, path.name)
    if bundle_rows:
        res.has_bundles = True
        _read_bundle_rows(bundle_rows, res)
    return res


def _xlsx_rows(path: Path) -> dict[str, list[tuple[int, list[Any]]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, EOFError) as err:
        raise CatalogFileError(f"Excel 文件“{path.name}”已损坏或不完整，无法打开，未导入任何内容。"
                               "请重新导出或重新下载该文件。", f"corrupt workbook {path.name}: {err}")
    try:
        out: dict[str, list[tuple[int, list[Any]]]] = {}
        for ws in wb.worksheets:
            out[ws.title] = [(i, list(r)) for i, r in enumerate(ws.iter_rows(values_only=True), start=1)]
        return out
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError) as err:
        raise CatalogFileError(f"Excel 文件“{path.name}”已损坏或不完整，未导入任何内容。",
                               f"corrupt workbook {path.name}: {err}")
    finally:
        wb.close()


def _csv_rows(path: Path) -> list[tuple[int, list[Any]]]:
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise CatalogFileError(f"无法读取文件“{path.name}”：{err.strerror or err}", f"cannot read {path}: {err}")
    for enc in ("utf-8-sig", "gb18030"):  # Excel on Chinese Windows saves CSV as GBK
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise CatalogFileError(f"文件“{path.name}”编码无法识别（应为 UTF-8 或 GB18030）。", "unknown CSV encoding")
    reader = csv.reader(io.StringIO(text, newline=""))
    return [(reader.line_num, row) for row in reader]


def _find_header(rows: list[tuple[int, list[Any]]], fields: dict[str, tuple[str, ...]]) -> int | None:
    names = set(fields["name"])
    for idx, (_, row) in enumerate(rows[:10]):  # a title row may sit above the header
        if any(_norm_header(c) in names for c in row):
            return idx
    return None


def _read_matter_rows(rows: list[tuple[int, list[Any]]], res: ReadResult, filename: str) -> None:
    h = _find_header(rows, COLUMNS)
    if h is None:
        raise CatalogFileError(f"文件“{filename}”中找不到表头（需要“事项名称”列），未导入任何内容。",
                               f"no header with 事项名称 in {filename}")
    colmap: dict[int, str] = {}
    for i, cell in enumerate(rows[h][1]):
        head = _norm_header(cell)
        if not head:
            continue
        fld = _HEADER_FIELD.get(head)
        if fld is None:
            if head not in IGNORED:
                res.unknown_columns.append(head)
        elif fld not in colmap.values():  # 事项编码 and 实施编码 both present: the first one wins
            colmap[i] = fld
    if "code" not in colmap.values():
        raise CatalogFileError("表格缺少“实施编码/事项编码”列，未导入任何内容。", "no code column")
    for rowno, row in rows[h + 1:]:
        cells = {fld: row[i] if i < len(row) else None for i, fld in colmap.items()}
        if all(v is None or str(v).strip() == "" for v in cells.values()):
            continue
        rec, problems = _matter_from_cells(cells)
        res.errors.extend((rowno, f"第{rowno}行：{p}") for p in problems)
        if not problems:
            res.matters.append(rec)
            res.rows.append(rowno)


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def _matter_from_cells(c: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    problems: list[str] = []
    rec = {k: (list(v) if isinstance(v, list) else v) for k, v in MATTER_DEFAULTS.items()}
    rec["name"] = _text(c.get("name"))
    rec["code"] = _text(c.get("code"))
    if not rec["name"]:
        problems.append("缺少事项名称")
    if not rec["code"]:
        problems.append("缺少实施编码/事项编码")
    for f in ("short_name", "department", "legal_basis", "conditions", "window_script"):
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
    kind = _text(c.get("kind"))
    if kind in ("即办件", "即办"):
        rec["kind"] = "immediate"
    elif kind in ("承诺件", "承诺"):
        rec["kind"] = "committed"
    elif kind:
        problems.append(f"办件类型“{kind}”应为“即办件”或“承诺件”")
    else:
        promised = _text(c.get("promised_days"))
        same_day = promised.startswith("即办") or (promised and rec["promised_days"] == 0)
        rec["kind"] = "immediate" if same_day else "committed"
    fee = _text(c.get("fee"))
    rec["fee"] = {"": "不收费", "否": "不收费", "无": "不收费", "是": "收费"}.get(fee, fee)
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
    rec["materials"] = parse_materials(c.get("materials"))
    fields, field_problems = forms.parse_text(c.get("form_fields"))
    rec["form_fields"] = fields
    problems.extend(field_problems)
    return rec, problems


def _read_bundle_rows(rows: list[tuple[int, list[Any]]], res: ReadResult) -> None:
    h = _find_header(rows, BUNDLE_COLUMNS)
    if h is None:
        return
    by_head = {h2: f for f, hs in BUNDLE_COLUMNS.items() for h2 in hs}
    colmap = {i: by_head[_norm_header(c)] for i, c in enumerate(rows[h][1]) if _norm_header(c) in by_head}
    for rowno, row in rows[h + 1:]:
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


def _matter_row(m: dict[str, Any]) -> list[Any]:
    from .zones import zone_name

    return [m["name"], m["code"], m["short_name"], m["department"], zone_name(m["zone"]),
            _KIND_LABEL.get(m["kind"], m["kind"]), f"{m['statutory_days']}个工作日",
            "即办" if m["kind"] == "immediate" and not m["promised_days"] else f"{m['promised_days']}个工作日",
            m["fee"], m["visits_required"], "网上办理" if m["online"] else "窗口办理",
            "、".join(DELIVERY_LABELS.get(d, d) for d in m["delivery_options"]),
            _TARGET_LABEL.get(m["target"], m["target"]), m["legal_basis"], m["conditions"],
            m["window_script"], format_materials(m["materials"]), forms.format_text(m.get("form_fields") or [])]


def _headers() -> list[str]:
    return [COLUMNS[f][0] for f in ("name", "code", "short_name", "department", "zone", "kind",
                                    "statutory_days", "promised_days", "fee", "visits_required", "online",
                                    "delivery_options", "target", "legal_basis", "conditions",
                                    "window_script", "materials", "form_fields")]


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
    for col in ("Q", "R"):  # materials, form fields
        for cell in ws[col][1:]:
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
