"""The matter catalog service: import, export, guides (办事指南) and search.

The one rule: an import is all or nothing. Every row is checked first; if any row is bad the
``CatalogImportError`` carries the full ``ImportReport`` (each bad row with its number and a
Chinese reason) and the database is untouched. A good import runs in one transaction, upserts
by code (a matter keeps its id, so cases that point at it stay valid) and sets
``catalog_version``, which also tells the search index (``clerk.search``) to rebuild.

File formats live in ``clerk.catalog_io``; the search index in ``clerk.search``.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session, selectinload

from . import audit
from . import catalog_io as io
from .auth import authorize
from . import forms
from .forms import FormField
from .catalog_io import FORM_LABELS, CatalogFileError
from .db import Database
from .dto import UserInfo
from .errors import NotFound, ValidationError
from .models import (Bundle, BundleItem, Case, MaterialCheck, MaterialRequirement, Matter, Setting,
                     SituationOption, SituationQuestion)
from .search import STAMP_KEY, SearchHit, SearchIndex, index_for, index_for_engine, invalidate, make_search_text
from .situations import applicable_materials, normalise_answers, open_questions
from .zones import zone_code, zone_name

__all__ = [
    "BundleGuide", "BundleMaterial", "FormField", "BundleSummary", "CatalogFileError", "CatalogImportError",
    "GuideMaterial", "GuideOption", "GuideQuestion", "ImportReport", "MatterGuide", "SearchHit",
    "SearchIndex", "export_catalog", "get_bundle_guide", "get_guide", "get_matter", "import_catalog",
    "list_bundles", "record_use", "search", "warm_search",
]

KIND_LABELS = {"immediate": "即办件", "committed": "承诺件"}
_SUPPORTED = (".json", ".xlsx", ".csv")


# --------------------------------------------------------------------------- DTOs

@dataclass
class ImportReport:
    source: str
    file_format: str
    version: str = ""
    matters_created: int = 0
    matters_updated: int = 0
    matters_deactivated: int = 0   # --replace: not in the file but used by cases, kept inactive
    matters_removed: int = 0
    bundles_created: int = 0
    bundles_updated: int = 0
    bundles_removed: int = 0
    unknown_columns: list[str] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def matters(self) -> int:
        return self.matters_created + self.matters_updated

    @property
    def bundles(self) -> int:
        return self.bundles_created + self.bundles_updated


class CatalogImportError(ValidationError):
    """Bad rows: ``report.errors`` lists them all; nothing was imported."""

    def __init__(self, report: ImportReport) -> None:
        n = len(report.errors)
        first = report.errors[0][1] if report.errors else ""
        super().__init__(f"目录中有{n}处错误，未导入任何内容。{first}",
                         f"{n} bad row(s) in {report.source}; nothing imported", report=report)
        self.report = report


@dataclass(frozen=True)
class GuideOption:
    key: str
    text: str


@dataclass(frozen=True)
class GuideQuestion:
    key: str
    text: str
    multiple: bool
    options: tuple[GuideOption, ...]
    chosen: tuple[str, ...] = ()
    decides: bool = False  # an option of it is linked to a material: acceptance needs an answer


@dataclass(frozen=True)
class GuideMaterial:
    key: str
    name: str
    form: str
    form_label: str
    count: int
    required: bool
    core: bool
    deferrable: bool
    shareable: bool
    share_source: str
    sample: str
    notes: str
    when: tuple[str, ...]  # "question:option"; empty = every situation


@dataclass(frozen=True)
class MatterGuide:
    code: str
    name: str
    short_name: str
    department: str
    zone: str
    zone_name: str
    kind: str
    kind_label: str
    statutory_days: int
    promised_days: int
    fee: str
    visits_required: int
    online: bool
    delivery_options: tuple[str, ...]
    target: str
    legal_basis: str
    conditions: str
    window_script: str
    catalog_version: str
    questions: tuple[GuideQuestion, ...]
    materials: tuple[GuideMaterial, ...]
    open_questions: tuple[str, ...]
    answers: dict[str, list[str]]
    form_fields: tuple[FormField, ...] = ()  # 申请表


@dataclass(frozen=True)
class BundleMaterial:
    """A document asked once for the whole bundle; ``matters`` lists the codes that need it."""
    key: str
    name: str
    form: str
    form_label: str
    count: int
    required: bool
    core: bool
    deferrable: bool
    shareable: bool
    share_source: str
    matters: tuple[str, ...]
    matter_names: tuple[str, ...]


@dataclass(frozen=True)
class BundleGuide:
    code: str
    name: str
    description: str
    zone: str
    promised_days: int
    matters: tuple[MatterGuide, ...]
    materials: tuple[BundleMaterial, ...]
    open_questions: tuple[tuple[str, str], ...]  # (matter code, question key)
    form_fields: tuple[FormField, ...] = ()  # 申请表: one field per key, ``matters`` names who asks


@dataclass(frozen=True)
class BundleSummary:
    code: str
    name: str
    description: str
    zone: str
    promised_days: int
    matters: tuple[str, ...]


# --------------------------------------------------------------------------- import

def import_catalog(db: Database, path: str | Path, *, replace: bool = False, user: UserInfo | None = None,
                   workstation: str = "") -> ImportReport:
    """Import a catalog file (.json / .xlsx / .csv). ``replace``: matters and bundles missing
    from the file are removed (or, when cases use them, kept inactive); a file with no bundle
    section (CSV, a workbook without a 一件事 sheet) leaves bundles alone. Raises
    ``CatalogFileError`` for an unreadable file and ``CatalogImportError`` for bad rows."""
    who = authorize(user, "catalog.import")
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _SUPPORTED:
        raise CatalogFileError(f"不支持的目录文件类型“{path.suffix}”，请使用 .json、.xlsx 或 .csv。",
                               f"unsupported catalog file type {path.suffix}")
    if not path.exists():
        raise CatalogFileError(f"找不到目录文件“{path}”。", f"no such file {path}")
    res = io.read_json(path) if suffix == ".json" else io.read_sheet(path)
    report = ImportReport(source=path.name, file_format=res.file_format,
                          unknown_columns=list(res.unknown_columns), errors=list(res.errors))
    label = (lambda r: f"第{r}个事项") if res.file_format == "json" else (lambda r: f"第{r}行")
    seen: dict[str, int] = {}
    for rec, row in zip(res.matters, res.rows):
        report.errors.extend((row, f"{label(row)}：{p}") for p in _check_matter(rec))
        code = rec.get("code")
        if isinstance(code, str) and code:
            if code in seen:
                report.errors.append((row, f"{label(row)}：编码“{code}”与{label(seen[code])}重复"))
            seen.setdefault(code, row)
    with db.uow() as s:
        known = set(seen) if replace else set(seen) | set(s.scalars(select(Matter.code)))
    bundle_seen: set[str] = set()
    for rec, row in zip(res.bundles, res.bundle_rows):
        where = f"第{row}个一件事" if res.file_format == "json" else f"“一件事”表第{row}行"
        report.errors.extend((row, f"{where}：{p}") for p in _check_bundle(rec, known))
        if rec.get("code") in bundle_seen:
            report.errors.append((row, f"{where}：编码“{rec['code']}”重复"))
        bundle_seen.add(str(rec.get("code")))
    if len(res.version) > 40:
        report.errors.append((0, f"目录版本“{res.version}”超过40个字符"))
    if report.errors:
        report.errors.sort(key=lambda e: e[0])
        raise CatalogImportError(report)
    report.version = res.version or _content_version(res.matters, res.bundles)
    try:
        with db.uow() as s:
            _apply(s, res.matters, res.bundles, report, replace, keep_bundles=not res.has_bundles)
            audit.record(s, "catalog.replace" if replace else "catalog.import", username=who,
                         workstation=workstation, entity="catalog", entity_id=report.version[:60],
                         source=path.name, matters=report.matters, created=report.matters_created,
                         updated=report.matters_updated, deactivated=report.matters_deactivated,
                         removed=report.matters_removed, bundles_removed=report.bundles_removed)
    except (IntegrityError, DataError) as err:
        raise ValidationError(f"目录与现有数据冲突，未导入任何内容：{err.orig}", f"integrity error: {err.orig}")
    invalidate(db.engine)
    return report


def _content_version(matters: list[dict[str, Any]], bundles: list[dict[str, Any]]) -> str:
    blob = json.dumps([matters, bundles], ensure_ascii=False, sort_keys=True).encode("utf-8")
    return "sha-" + hashlib.sha256(blob).hexdigest()[:16]


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _check_matter(m: dict[str, Any]) -> list[str]:
    p: list[str] = []
    for f, label, limit in (("name", "事项名称", 200), ("code", "事项编码", 64)):
        v = m.get(f)
        if not isinstance(v, str) or not v.strip():
            p.append(f"缺少{label}")
        elif len(v) > limit:
            p.append(f"{label}超过{limit}个字")
    for f, label in (("short_name", "事项简称"), ("department", "实施主体"), ("fee", "收费标准"),
                     ("legal_basis", "设定依据"), ("conditions", "受理条件"), ("window_script", "一口清")):
        if not isinstance(m.get(f), str):
            p.append(f"{label}应为文字")
    for f, label, limit in (("short_name", "事项简称", 60), ("department", "实施主体", 100), ("fee", "收费标准", 200)):
        if isinstance(m.get(f), str) and len(m[f]) > limit:
            p.append(f"{label}超过{limit}个字")
    if not isinstance(m.get("zone"), str) or zone_code(m["zone"]) is None:
        p.append(f"分区“{m.get('zone')}”不存在")
    if m.get("kind") not in KIND_LABELS:
        p.append(f"办件类型“{m.get('kind')}”应为 immediate（即办件）或 committed（承诺件）")
    for f, label in (("statutory_days", "法定办结时限"), ("promised_days", "承诺办结时限"),
                     ("visits_required", "到现场次数")):
        if not _is_int(m.get(f)):
            p.append(f"{label}“{m.get(f)}”应为非负整数")
    if _is_int(m.get("statutory_days")) and _is_int(m.get("promised_days")) and m["statutory_days"] \
            and m["promised_days"] > m["statutory_days"]:
        p.append(f"承诺时限{m['promised_days']}天超过法定时限{m['statutory_days']}天")
    if not isinstance(m.get("online"), bool):
        p.append("是否网办应为 true/false")
    d = m.get("delivery_options")
    if not isinstance(d, list) or any(x not in io.DELIVERY_LABELS for x in d):
        p.append(f"送达方式“{d}”只能包含 window、post、electronic")
    if m.get("target") not in ("person", "enterprise", "both"):
        p.append(f"服务对象“{m.get('target')}”应为 person、enterprise 或 both")
    options: set[str] = set()
    qs = m.get("questions")
    if not isinstance(qs, list):
        p.append("情形问题 questions 应为列表")
        qs = []
    qkeys: set[str] = set()
    for q in qs:
        if not isinstance(q, dict) or not q.get("key") or not q.get("text") or not isinstance(q.get("options"), list):
            p.append("情形问题缺少 key、text 或 options")
            continue
        if len(str(q["key"])) > 40 or len(str(q["text"])) > 200:
            p.append(f"情形问题“{q['key']}”的 key 超过40个字符或问题超过200个字")
        if q["key"] in qkeys:
            p.append(f"情形问题“{q['key']}”重复")
        qkeys.add(q["key"])
        okeys: set[str] = set()
        for o in q["options"]:
            if not isinstance(o, dict) or not o.get("key") or not o.get("text"):
                p.append(f"情形问题“{q['text']}”的选项缺少 key 或 text")
                continue
            if len(str(o["key"])) > 40 or len(str(o["text"])) > 200:
                p.append(f"选项“{o['key']}”的 key 超过40个字符或文字超过200个字")
            if o["key"] in okeys:
                p.append(f"情形问题“{q['text']}”的选项“{o['key']}”重复")
            okeys.add(o["key"])
            options.add(f"{q['key']}:{o['key']}")
    p.extend(forms.check_records(m.get("form_fields")))
    mats = m.get("materials")
    if not isinstance(mats, list):
        return p + ["申请材料 materials 应为列表"]
    mkeys: set[str] = set()
    for mat in mats:
        if not isinstance(mat, dict) or not mat.get("key") or not mat.get("name"):
            p.append("申请材料缺少 key 或 name")
            continue
        if len(str(mat["key"])) > 60 or len(str(mat["name"])) > 200 or len(str(mat.get("share_source", ""))) > 100:
            p.append(f"申请材料“{mat['name']}”的 key 超过60个字符、名称超过200个字或共享来源超过100个字")
        if mat["key"] in mkeys:
            p.append(f"申请材料“{mat['name']}”的 key“{mat['key']}”重复")
        mkeys.add(mat["key"])
        if mat.get("form") not in FORM_LABELS:
            p.append(f"申请材料“{mat['name']}”的形式“{mat.get('form')}”应为原件/复印件/原件及复印件/电子件")
        if not _is_int(mat.get("count")) or mat["count"] < 1:
            p.append(f"申请材料“{mat['name']}”的份数“{mat.get('count')}”应为正整数")
        if mat.get("core") and mat.get("deferrable"):
            p.append(f"申请材料“{mat['name']}”是核心材料，不能容缺")
        when = mat.get("when")
        if not isinstance(when, list):
            p.append(f"申请材料“{mat['name']}”的适用情形 when 应为列表")
            continue
        for w in when:
            if w not in options:
                p.append(f"申请材料“{mat['name']}”的适用情形“{w}”不是本事项的情形选项")
    return p


def _check_bundle(b: dict[str, Any], known_codes: set[str]) -> list[str]:
    p: list[str] = []
    if not isinstance(b.get("code"), str) or not b["code"].strip():
        p.append("缺少一件事编码")
    if not isinstance(b.get("name"), str) or not b["name"].strip():
        p.append("缺少一件事名称")
    elif len(b["name"]) > 100 or len(str(b["code"])) > 64:
        p.append("一件事名称超过100个字或编码超过64个字符")
    if not isinstance(b.get("zone"), str) or zone_code(b["zone"]) is None:
        p.append(f"分区“{b.get('zone')}”不存在")
    if not _is_int(b.get("promised_days")):
        p.append(f"承诺办结时限“{b.get('promised_days')}”应为非负整数")
    ms = b.get("matters")
    if not isinstance(ms, list) or not ms:
        return p + ["一件事至少包含一个事项"]
    if len(set(ms)) != len(ms):
        p.append("包含的事项有重复")
    p.extend(f"包含的事项编码“{c}”不存在" for c in ms if c not in known_codes)
    return p


def _apply(s: Session, matters: list[dict[str, Any]], bundles: list[dict[str, Any]],
           report: ImportReport, replace: bool, keep_bundles: bool) -> None:
    version = report.version
    existing: dict[str, Matter] = {}
    codes = [m["code"] for m in matters]
    for i in range(0, len(codes), 500):
        existing.update((m.code, m) for m in s.scalars(
            select(Matter).where(Matter.code.in_(codes[i:i + 500])).options(
                selectinload(Matter.materials),
                selectinload(Matter.questions).selectinload(SituationQuestion.options)
                .selectinload(SituationOption.materials))))
    # Old questions go first, in their own flush: the new ones reuse their keys (unique per matter).
    for m in existing.values():
        m.questions.clear()
    s.flush()
    by_code: dict[str, Matter] = {}
    for rec in matters:
        m = existing.get(rec["code"])
        if m is None:
            m = Matter(code=rec["code"])
            s.add(m)
            report.matters_created += 1
        else:
            report.matters_updated += 1
        _fill_matter(s, m, rec, version)
        by_code[m.code] = m
    s.flush()
    b_existing = {b.code: b for b in s.scalars(select(Bundle).options(selectinload(Bundle.items)))}
    for b in b_existing.values():
        if any(r["code"] == b.code for r in bundles):
            b.items.clear()
    s.flush()
    missing = {c for r in bundles for c in r["matters"] if c not in by_code}
    if missing:
        by_code.update((m.code, m) for m in s.scalars(select(Matter).where(Matter.code.in_(missing))))
    for rec in bundles:
        b = b_existing.get(rec["code"])
        if b is None:
            b = Bundle(code=rec["code"])
            s.add(b)
            report.bundles_created += 1
        else:
            report.bundles_updated += 1
        b.name, b.description = rec["name"], rec["description"]
        b.zone_code, b.promised_days = zone_code(rec["zone"]) or "ZH", rec["promised_days"]
        b.search_text = make_search_text(b.name, "", b.code, "")
        b.items.extend(BundleItem(matter=by_code[c], position=i) for i, c in enumerate(rec["matters"]))
    if replace:
        # A sheet without a 一件事 sheet says nothing about bundles: replace keeps them.
        keep = set(b_existing) if keep_bundles else {r["code"] for r in bundles}
        _drop_stale(s, {r["code"] for r in matters}, keep, b_existing, report)
    # catalog_stamp changes on every import, even of an edited file that kept its version
    # string, so other workstations' search indexes notice and rebuild.
    stamp = f"{version}@{dt.datetime.now(dt.timezone.utc).isoformat(timespec='microseconds')}"
    for key, value in (("catalog_version", version), (STAMP_KEY, stamp)):
        setting = s.get(Setting, key)
        if setting is None:
            s.add(Setting(key=key, value=value))
        else:
            setting.value = value


def _fill_matter(s: Session, m: Matter, rec: dict[str, Any], version: str) -> None:
    searched = (m.name, m.short_name, m.department) if m.search_text else None
    for f in ("name", "short_name", "department", "kind", "statutory_days", "promised_days", "fee",
              "visits_required", "online", "target", "legal_basis", "conditions", "window_script"):
        setattr(m, f, rec[f])
    m.zone_code = zone_code(rec["zone"]) or "ZH"
    m.delivery_options = list(rec["delivery_options"])
    m.form_fields = [forms.with_defaults(dict(f)) for f in rec.get("form_fields") or ()]
    m.active = True
    m.catalog_version = version
    if searched != (m.name, m.short_name, m.department):  # pinyin is the slow part of an import
        m.search_text = make_search_text(m.name, m.short_name, m.code, m.department)
    options: dict[str, SituationOption] = {}
    questions = []
    for qi, q in enumerate(rec["questions"]):
        sq = SituationQuestion(key=q["key"], text=q["text"], multiple=bool(q.get("multiple", False)), position=qi)
        for oi, o in enumerate(q["options"]):
            opt = SituationOption(key=o["key"], text=o["text"], position=oi)
            sq.options.append(opt)
            options[f"{q['key']}:{o['key']}"] = opt
        questions.append(sq)
    m.questions.extend(questions)
    old = {x.key: x for x in m.materials} if m.id is not None else {}
    new_list = []
    for pos, r in enumerate(rec["materials"]):
        mat = old.pop(r["key"], None) or MaterialRequirement(key=r["key"])  # same key keeps its id
        for f in ("name", "form", "count", "required", "core", "deferrable", "shareable", "share_source",
                  "sample", "notes"):
            setattr(mat, f, r[f])
        mat.position = pos
        new_list.append(mat)
        for w in r["when"]:
            options[w].materials.append(mat)
    if old:  # a case's check keeps its key and name; only the link to the dropped material goes
        s.execute(update(MaterialCheck).where(MaterialCheck.material_id.in_([x.id for x in old.values()]))
                  .values(material_id=None))
    m.materials = new_list


def _drop_stale(s: Session, matter_codes: set[str], bundle_codes: set[str], bundles: dict[str, Bundle],
                report: ImportReport) -> None:
    used_bundles = set(s.scalars(select(Case.bundle_id).where(Case.bundle_id.is_not(None))))
    for code, b in bundles.items():
        if code not in bundle_codes and b.id not in used_bundles:
            s.delete(b)
            report.bundles_removed += 1
    s.flush()
    stale = [m for m in s.scalars(select(Matter)) if m.code not in matter_codes]
    if not stale:
        return
    used = set(s.scalars(select(Case.matter_id).where(Case.matter_id.is_not(None))))
    used |= set(s.scalars(select(BundleItem.matter_id)))
    used |= set(s.scalars(select(MaterialRequirement.matter_id).join(
        MaterialCheck, MaterialCheck.material_id == MaterialRequirement.id)))
    for m in stale:
        if m.id in used:
            if m.active:
                m.active = False
                report.matters_deactivated += 1
        else:
            s.delete(m)
            report.matters_removed += 1


# --------------------------------------------------------------------------- export

def export_catalog(db: Database, path: str | Path) -> int:
    """Write the active catalog to .json (lossless, round-trips with import) or .xlsx/.csv
    (province sheet: no situation questions). Atomic. Returns the number of matters written."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _SUPPORTED:
        raise CatalogFileError(f"不支持的导出文件类型“{path.suffix}”，请使用 .json、.xlsx 或 .csv。",
                               f"unsupported export type {path.suffix}")
    with db.uow() as s:
        version, matters, bundles = catalog_records(s)
    try:
        if suffix == ".json":
            io.write_json(path, version, matters, bundles)
        elif suffix == ".xlsx":
            io.write_xlsx(path, matters, bundles)
        else:
            io.write_csv(path, matters)
    except OSError as err:
        raise CatalogFileError(f"无法写入“{path}”：{err.strerror or err}", f"cannot write {path}: {err}")
    return len(matters)


def catalog_records(s: Session) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    """The catalog as JSON-format records: (version, matters, bundles)."""
    setting = s.get(Setting, "catalog_version")
    rows = s.scalars(select(Matter).where(Matter.active.is_(True)).order_by(Matter.id).options(
        selectinload(Matter.questions).selectinload(SituationQuestion.options),
        selectinload(Matter.materials).selectinload(MaterialRequirement.options)
        .selectinload(SituationOption.question)))
    matters = [_matter_record(m) for m in rows]
    bundles = [{"code": b.code, "name": b.name, "description": b.description, "zone": b.zone_code,
                "promised_days": b.promised_days, "matters": [it.matter.code for it in b.items]}
               for b in s.scalars(select(Bundle).order_by(Bundle.id).options(
                   selectinload(Bundle.items).selectinload(BundleItem.matter)))]
    return (setting.value if setting else ""), matters, bundles


def _when(mat: MaterialRequirement) -> list[str]:
    opts = sorted(mat.options, key=lambda o: (o.question.position, o.position))
    return [f"{o.question.key}:{o.key}" for o in opts]


def _matter_record(m: Matter) -> dict[str, Any]:
    return {
        "code": m.code, "name": m.name, "short_name": m.short_name, "department": m.department,
        "zone": m.zone_code, "kind": m.kind, "statutory_days": m.statutory_days,
        "promised_days": m.promised_days, "fee": m.fee, "visits_required": m.visits_required,
        "online": m.online, "delivery_options": list(m.delivery_options or []), "target": m.target,
        "legal_basis": m.legal_basis, "conditions": m.conditions, "window_script": m.window_script,
        "questions": [{"key": q.key, "text": q.text, "multiple": q.multiple,
                       "options": [{"key": o.key, "text": o.text} for o in q.options]} for q in m.questions],
        "materials": [{"key": x.key, "name": x.name, "form": x.form, "count": x.count, "required": x.required,
                       "core": x.core, "deferrable": x.deferrable, "shareable": x.shareable,
                       "share_source": x.share_source, "sample": x.sample, "notes": x.notes,
                       "when": _when(x)} for x in m.materials],
        # a matter without a form writes no key, so catalogs made before forms round-trip unchanged
        **({"form_fields": [f.record() for f in fields]} if (fields := forms.from_records(m.form_fields)) else {}),
    }


# --------------------------------------------------------------------------- guides

def _load_matter(s: Session, code: str) -> Matter:
    m = s.scalar(select(Matter).where(Matter.code == code).options(
        selectinload(Matter.questions).selectinload(SituationQuestion.options),
        selectinload(Matter.materials).selectinload(MaterialRequirement.options)
        .selectinload(SituationOption.question)))
    if m is None:
        raise NotFound(f"事项“{code}”不存在，请确认事项编码或重新搜索。", f"no matter {code}")
    return m


def _material(x: MaterialRequirement) -> GuideMaterial:
    return GuideMaterial(x.key, x.name, x.form, FORM_LABELS.get(x.form, x.form), x.count, x.required, x.core,
                         x.deferrable, x.shareable, x.share_source, x.sample, x.notes, tuple(_when(x)))


def _guide(m: Matter, answers: Mapping[str, Sequence[str]] | None, *, every_material: bool = False) -> MatterGuide:
    norm = normalise_answers(m, answers)
    mats = m.materials if every_material else applicable_materials(m, norm)
    questions = tuple(GuideQuestion(q.key, q.text, q.multiple, tuple(GuideOption(o.key, o.text) for o in q.options),
                                    tuple(norm.get(q.key, [])), any(o.materials for o in q.options))
                      for q in m.questions)
    return MatterGuide(
        m.code, m.name, m.short_name, m.department, m.zone_code, zone_name(m.zone_code), m.kind,
        KIND_LABELS.get(m.kind, m.kind), m.statutory_days, m.promised_days, m.fee, m.visits_required, m.online,
        tuple(m.delivery_options or ()), m.target, m.legal_basis, m.conditions, m.window_script,
        m.catalog_version, questions, tuple(_material(x) for x in mats),
        tuple(open_questions(m, norm)), norm, forms.from_records(m.form_fields))


def get_guide(db: Database, code: str, answers: Mapping[str, Sequence[str]] | None = None) -> MatterGuide:
    """The guide of one matter for the given situation. Materials without ``when`` always apply;
    the others only when one of their options is chosen; unanswered questions are listed open."""
    with db.uow() as s:
        return _guide(_load_matter(s, code), answers)


def get_matter(db: Database, code: str) -> MatterGuide:
    """The full record of a matter: every material of every situation, each with its ``when``."""
    with db.uow() as s:
        return _guide(_load_matter(s, code), None, every_material=True)


def get_bundle_guide(db: Database, code: str,
                     answers_by_matter: Mapping[str, Mapping[str, Sequence[str]]] | None = None) -> BundleGuide:
    """A bundle's matters in order; a document several matters need is listed once (strictest
    form, largest count), with the matters that need it."""
    answers_by_matter = answers_by_matter or {}
    with db.uow() as s:
        b = s.scalar(select(Bundle).where(Bundle.code == code).options(
            selectinload(Bundle.items).selectinload(BundleItem.matter)))
        if b is None:
            raise NotFound(f"一件事“{code}”不存在。", f"no bundle {code}")
        unknown = set(answers_by_matter) - {it.matter.code for it in b.items}
        if unknown:
            raise ValidationError(f"一件事“{b.name}”不包含事项“{sorted(unknown)[0]}”", f"matter not in bundle {unknown}")
        guides = tuple(_guide(_load_matter(s, it.matter.code), answers_by_matter.get(it.matter.code))
                       for it in b.items)
        merged: dict[str, dict[str, Any]] = {}
        for g in guides:
            for x in g.materials:
                cur = merged.get(x.key)
                if cur is None:
                    merged[x.key] = {"m": x, "form": x.form, "count": x.count, "required": x.required,
                                     "core": x.core, "deferrable": x.deferrable, "shareable": x.shareable,
                                     "codes": [g.code], "names": [g.name]}
                    continue
                if cur["form"] != x.form:
                    cur["form"] = "both" if {cur["form"], x.form} <= {"original", "copy", "both"} else "original"
                cur["count"] = max(cur["count"], x.count)
                cur["required"] |= x.required
                cur["core"] |= x.core
                cur["deferrable"] &= x.deferrable  # deferrable only if every matter allows it
                cur["shareable"] &= x.shareable
                cur["codes"].append(g.code)
                cur["names"].append(g.name)
        materials = tuple(BundleMaterial(k, v["m"].name, v["form"], FORM_LABELS[v["form"]], v["count"], v["required"],
                                         v["core"], v["deferrable"] and not v["core"], v["shareable"],
                                         v["m"].share_source if v["shareable"] else "", tuple(v["codes"]),
                                         tuple(v["names"])) for k, v in merged.items())
        return BundleGuide(b.code, b.name, b.description, b.zone_code, b.promised_days, guides, materials,
                           tuple((g.code, q) for g in guides for q in g.open_questions),
                           forms.merge_fields([(g.name, g.form_fields) for g in guides]))


def list_bundles(db: Database) -> list[BundleSummary]:
    with db.uow() as s:
        return [BundleSummary(b.code, b.name, b.description, b.zone_code, b.promised_days,
                              tuple(it.matter.code for it in b.items))
                for b in s.scalars(select(Bundle).order_by(Bundle.id).options(
                    selectinload(Bundle.items).selectinload(BundleItem.matter)))]


# --------------------------------------------------------------------------- search

def search(db_or_session: Database | Session, query: str, limit: int = 20,
           kinds: Iterable[str] = ("matter", "bundle")) -> list[SearchHit]:
    """Ranked hits by name, pinyin, initials, code or department from the in-memory index."""
    if isinstance(db_or_session, Database):
        index = index_for_engine(db_or_session.engine, db_or_session.session)
    else:
        index = index_for(db_or_session)
    return index.search(query, limit, kinds)


def warm_search(db: Database) -> int:
    """Build the search index now (call from a worker thread at start-up, so the first
    keystroke does not pay for it). Returns the number of entries."""
    return len(index_for_engine(db.engine, db.session))


def record_use(db: Database, code: str) -> None:
    """Count one use of a matter or bundle, so frequent ones rank first (no index rebuild)."""
    with db.uow() as s:
        index = index_for(s)  # before the update, so a fresh build does not count this use twice
        n = s.execute(update(Matter).where(Matter.code == code).values(use_count=Matter.use_count + 1)).rowcount
        kind = "matter"
        if not n:
            n = s.execute(update(Bundle).where(Bundle.code == code).values(use_count=Bundle.use_count + 1)).rowcount
            kind = "bundle"
        if not n:
            raise NotFound(f"事项“{code}”不存在。", f"no matter or bundle {code}")
    index.bump(kind, code)
