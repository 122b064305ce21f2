"""The matter catalog service: import, export, guides (办事指南) and search.

The one rule: a bad file changes nothing. Every row is checked first; if any row is bad the
``CatalogImportError`` carries the full ``ImportReport`` (each bad row with its number and a
Chinese reason) and the database is untouched. A good import upserts by code (a matter keeps
its id, so cases that point at it stay valid) in bulk statements — one transaction on
PostgreSQL, short batches on SQLite so the counters keep writing — and last sets
``catalog_version``, which also tells the search index (``clerk.search``) to rebuild.

File formats live in ``clerk.catalog_io``; the search index in ``clerk.search``.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
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
from .errors import ClerkError, NotFound, StorageError, ValidationError
from .models import (Bundle, BundleItem, Case, MaterialCheck, MaterialRequirement, Matter, OptionMaterial, Setting,
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
    materials_pending: int = 0  # matters with no materials listed yet (材料清单待补充)
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
    power_type: str = ""    # 事项类型: 行政许可, 公共服务 …
    parent_name: str = ""   # 主项名称 of a 子项
    division: str = ""      # 行政区划代码 of the implementing body
    place: str = ""         # 办理地点
    phone: str = ""         # 咨询电话
    extra: tuple[tuple[str, str], ...] = ()  # the published list's other columns, as (label, text)
    materials_pending: bool = False  # no material listed yet: 材料清单待补充


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
                   workstation: str = "", progress: io.Progress | None = None) -> ImportReport:
    """Import a catalog file (.json / .xlsx / .csv). ``replace``: matters and bundles missing
    from the file are removed (or, when cases use them, kept inactive); a file with no bundle
    section (CSV, a workbook without a 一件事 sheet) leaves bundles alone. Raises
    ``CatalogFileError`` for an unreadable file and ``CatalogImportError`` for bad rows.

    ``progress(stage, done, total)`` is called now and then from the calling thread, stages
    ``read`` → ``check`` → ``index`` → ``write`` (``STAGE_LABELS`` names them in Chinese).

    The file is read, checked and its pinyin computed with no transaction open; only then is it
    written in bulk statements, on SQLite in short transactions of ``WRITE_BATCH`` matters so the
    counters' own writes get in between (see ``_write``); a bad file still changes nothing."""
    who = authorize(user, "catalog.import")
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _SUPPORTED:
        raise CatalogFileError(f"不支持的目录文件类型“{path.suffix}”，请使用 .json、.xlsx 或 .csv。",
                               f"unsupported catalog file type {path.suffix}")
    if not path.exists():
        raise CatalogFileError(f"找不到目录文件“{path}”。", f"no such file {path}")
    tell = progress or (lambda _stage, _done, _total: None)
    tell("read", 0, 0)
    res = io.read_json(path) if suffix == ".json" else io.read_sheet(path, progress)
    report = ImportReport(source=path.name, file_format=res.file_format,
                          unknown_columns=list(res.unknown_columns), errors=list(res.errors))
    label = (lambda r: f"第{r}个事项") if res.file_format == "json" else (lambda r: f"第{r}行")
    seen: dict[str, int] = {}
    total = len(res.matters)
    for i, (rec, row) in enumerate(zip(res.matters, res.rows)):
        if i % 5000 == 0:
            tell("check", i, total)
        report.errors.extend((row, f"{label(row)}：{p}") for p in _check_matter(rec, res.has_nul))
        code = rec.get("code")
        if isinstance(code, str) and code:
            if code in seen:
                report.errors.append((row, f"{label(row)}：编码“{code}”与{label(seen[code])}重复"))
            seen.setdefault(code, row)
    existing = _existing(db)
    known = set(seen) if replace else set(seen) | set(existing)
    bundle_seen: set[str] = set()
    for rec, row in zip(res.bundles, res.bundle_rows):
        where = f"第{row}个一件事" if res.file_format == "json" else f"“一件事”表第{row}行"
        report.errors.extend((row, f"{where}：{p}") for p in _check_bundle(rec, known))
        if rec.get("code") in bundle_seen:
            report.errors.append((row, f"{where}：编码“{rec['code']}”重复"))
        bundle_seen.add(str(rec.get("code")))
    if len(res.version) > 40:
        report.errors.append((0, f"目录版本“{res.version}”超过40个字符"))
    tell("check", total, total)
    if report.errors:
        report.errors.sort(key=lambda e: e[0])
        raise CatalogImportError(report)
    report.version = res.version or _file_version(path)
    texts = _search_texts(res.matters, res.given, existing, tell)
    report.materials_pending = sum(
        1 for rec in res.matters if not rec["materials"] and not existing.get(rec["code"], _NO_ROW)[7])
    def finish(s: Session) -> None:
        audit.record(s, "catalog.replace" if replace else "catalog.import", username=who,
                     workstation=workstation, entity="catalog", entity_id=report.version[:60],
                     source=path.name, matters=report.matters, created=report.matters_created,
                     updated=report.matters_updated, deactivated=report.matters_deactivated,
                     removed=report.matters_removed, bundles_removed=report.bundles_removed)

    try:
        _write(db, res, texts, report, replace, tell, finish)
    except (IntegrityError, DataError) as err:
        raise ValidationError(f"目录与现有数据冲突，未导入任何内容：{err.orig}", f"integrity error: {err.orig}") from err
    invalidate(db.engine)
    tell("done", total, total)
    return report


STAGE_LABELS = {"read": "读取文件", "check": "检查内容", "index": "生成拼音索引", "write": "写入数据库",
                "done": "完成"}
WRITE_BATCH = 1000  # matters per bulk statement set; on SQLite also per transaction
_SEARCHED = ("name", "short_name", "department", "parent_name")
# id, name, short_name, department, parent_name, search_text, use_count, materials
_NO_ROW = (None, "", "", "", "", "", 0, 0)


def _existing(db: Database) -> dict[str, tuple[Any, ...]]:
    """code → (id, name, short_name, department, parent_name, search_text, use_count, materials)."""
    mats = func.count(MaterialRequirement.id)
    with db.uow() as s:
        counts = dict(s.execute(select(MaterialRequirement.matter_id, mats).group_by(MaterialRequirement.matter_id)).all())
        return {r[1]: (r[0], *r[2:], counts.get(r[0], 0)) for r in s.execute(
            select(Matter.id, Matter.code, Matter.name, Matter.short_name, Matter.department, Matter.parent_name,
                   Matter.search_text, Matter.use_count))}


def _search_texts(matters: list[dict[str, Any]], given: set[str], existing: dict[str, tuple[Any, ...]],
                  tell: io.Progress) -> list[str]:
    """Each record's search_text; an unchanged matter keeps its stored one (pinyin is slow)."""
    out = []
    total = len(matters)
    for i, rec in enumerate(matters):
        if i % 2000 == 0:
            tell("index", i, total)
        old = existing.get(rec["code"])
        if old is not None:  # a column the file lacks keeps the stored value
            for f, v in zip(_SEARCHED, old[1:5]):
                if f not in given:
                    rec[f] = v
        if old is not None and (rec["name"], rec["short_name"], rec["department"], rec["parent_name"]) == old[1:5] \
                and old[5].count("|") == 6:
            out.append(old[5])
        else:
            out.append(make_search_text(rec["name"], rec["short_name"], rec["code"], rec["department"],
                                        rec["parent_name"]))
    tell("index", total, total)
    return out


def _file_version(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return "sha-" + h.hexdigest()[:16]


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


_TEXT_FIELDS = (("short_name", "事项简称"), ("department", "实施主体"), ("fee", "收费标准"),
                ("legal_basis", "设定依据"), ("conditions", "受理条件"), ("window_script", "一口清"),
                ("power_type", "事项类型"), ("parent_name", "主项名称"), ("division", "行政区划代码"),
                ("place", "办理地点"), ("phone", "咨询电话"))
_LABELS = dict(_TEXT_FIELDS, name="事项名称", code="事项编码")


def _nul_problems(m: dict[str, Any]) -> list[str]:
    """Text with NUL characters (a damaged file): PostgreSQL refuses it, screens show garbage."""
    out = []
    for f, v in m.items():
        if isinstance(v, str):
            if "\x00" in v:
                out.append(f"{_LABELS.get(f, f)}含有空字符（NUL），文件可能已损坏")
        elif isinstance(v, (list, dict)) and "\x00" in json.dumps(v, ensure_ascii=False):
            out.append(f"{_LABELS.get(f, f)}含有空字符（NUL），文件可能已损坏")
    return out


def _check_matter(m: dict[str, Any], nul: bool = True) -> list[str]:
    p: list[str] = _nul_problems(m) if nul else []
    for f, label, limit in (("name", "事项名称", 200), ("code", "事项编码", 64)):
        v = m.get(f)
        if not isinstance(v, str) or not v.strip():
            p.append(f"缺少{label}")
        elif len(v) > limit:
            p.append(f"{label}超过{limit}个字")
    for f, label in _TEXT_FIELDS:
        if not isinstance(m.get(f), str):
            p.append(f"{label}应为文字")
        elif f in io.TEXT_LIMITS and len(m[f]) > io.TEXT_LIMITS[f]:
            p.append(f"{label}超过{io.TEXT_LIMITS[f]}个字")
    extra = m.get("extra")
    if not isinstance(extra, list) or any(not isinstance(x, (list, tuple)) or len(x) != 2
                                          or not all(isinstance(y, str) for y in x) for x in extra):
        p.append("其他信息 extra 应为 [名称, 内容] 的列表")
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
    p: list[str] = _nul_problems(b)
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


# --------------------------------------------------------------------------- import: writing

# record field → matter column, for the columns an import writes
_MATTER_COLUMNS = {f: f for f in ("name", "short_name", "department", "kind", "statutory_days", "promised_days",
                                  "fee", "visits_required", "online", "delivery_options", "target", "legal_basis",
                                  "conditions", "window_script", "form_fields", "power_type", "parent_name",
                                  "division", "place", "phone", "extra")}
_MATTER_COLUMNS["zone"] = "zone_code"
_MATERIAL_FIELDS = ("key", "name", "form", "count", "required", "core", "deferrable", "shareable", "share_source",
                    "sample", "notes")


def _chunks(seq: Sequence[Any], n: int = 500) -> Iterable[Sequence[Any]]:
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


def _matter_values(rec: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    out = {}
    for f in fields:
        col, v = _MATTER_COLUMNS[f], rec[f]
        if f == "zone":
            v = zone_code(v) or "ZH"
        elif f == "form_fields":
            v = [forms.with_defaults(dict(x)) for x in v or ()]
        elif f in ("delivery_options", "extra"):
            v = [list(x) if isinstance(x, (list, tuple)) else x for x in v]
        out[col] = v
    return out


def _write(db: Database, res: io.ReadResult, texts: list[str], report: ImportReport, replace: bool,
           tell: io.Progress, finish: Callable[[Session], None]) -> None:
    """All of the import's writes, in bulk statements (Core executemany), WRITE_BATCH matters at
    a time. On PostgreSQL one transaction (a counter's writes touch other rows and never wait).
    On SQLite, where a write transaction locks the whole database, each batch commits by itself
    — a fraction of a second — so the counters' writes get in between batches instead of waiting
    out the whole import; the file was checked in full before, so a bad file still writes
    nothing, and the version stamp (which makes other workstations rebuild their search index)
    is written last. Should the database fail half way, the message says so: importing the same
    file again completes it (matters are matched by code)."""
    total = len(res.matters)
    starts = list(range(0, total, WRITE_BATCH))
    plan: dict[str, Any] | None = None
    if db.dialect != "sqlite":
        with db.uow() as s:
            conn = s.connection()
            plan = _plan(conn, res)
            for start in starts:
                tell("write", start, total)
                _write_batch(conn, plan, res, texts, report, start)
            tell("write", total, total)
            _write_rest(s, conn, plan, res, report, replace)
            finish(s)
        return
    for start in starts:
        tell("write", start, total)
        try:
            with db.uow() as s:
                conn = s.connection()
                plan = plan or _plan(conn, res)
                _write_batch(conn, plan, res, texts, report, start)
        except (ClerkError, IntegrityError, DataError) as err:
            if start == 0:
                raise
            raise _half_way(err, start) from err
    tell("write", total, total)
    try:
        with db.uow() as s:
            conn = s.connection()
            _write_rest(s, conn, plan or _plan(conn, res), res, report, replace)
            finish(s)
    except (ClerkError, IntegrityError, DataError) as err:
        if not starts:
            raise
        raise _half_way(err, total) from err


def _half_way(err: Exception, written: int) -> StorageError:
    why = err.message if isinstance(err, ClerkError) else str(getattr(err, "orig", err)).splitlines()[0]
    return StorageError(f"导入中途失败：{why}。前 {written} 个事项已写入，其余未写入；排除故障后再次导入同一文件即可补全"
                        "（按编码更新，不会重复）。", f"import failed after {written} matters: {why}")


def _table(model: Any) -> Table:
    """A mapped class's Table, typed as one (``__table__`` is typed as a FromClause)."""
    return cast(Table, model.__table__)


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _plan(conn: Any, res: io.ReadResult) -> dict[str, Any]:
    """What every batch needs: the stored codes, the statements, who had questions."""
    mt, matt, qt = _table(Matter), _table(MaterialRequirement), _table(SituationQuestion)
    given = [f for f in _MATTER_COLUMNS if f in res.given]
    upd_cols = [_MATTER_COLUMNS[f] for f in given] + ["search_text", "active", "catalog_version"]
    with_questions = "questions" in res.given
    return {
        "ids": dict(conn.execute(select(mt.c.code, mt.c.id)).all()),
        "given": given, "with_questions": with_questions,
        "upd": update(mt).where(mt.c.id == bindparam("_id")).values({c: bindparam(f"v_{c}") for c in upd_cols}),
        "mat_upd": update(matt).where(matt.c.id == bindparam("_id")).values(
            {c: bindparam(f"v_{c}") for c in (*_MATERIAL_FIELDS, "position")}),
        "had_questions": set(conn.scalars(select(qt.c.matter_id).distinct())) if with_questions else set(),
    }


def _write_batch(conn: Any, plan: dict[str, Any], res: io.ReadResult, texts: list[str], report: ImportReport,
                 start: int) -> None:
    mt, qt = _table(Matter), _table(SituationQuestion)
    ids, version = plan["ids"], report.version
    batch = list(range(start, min(len(res.matters), start + WRITE_BATCH)))
    new = [i for i in batch if res.matters[i]["code"] not in ids]
    old = [i for i in batch if res.matters[i]["code"] in ids]
    if new:
        # plain executemany, ids read back by code: on SQLite an INSERT … RETURNING that must
        # keep the rows' order runs one statement per row
        rows = [{"code": res.matters[i]["code"], **_matter_values(res.matters[i], _MATTER_COLUMNS),
                 "search_text": texts[i], "active": True, "catalog_version": version} for i in new]
        conn.execute(insert(mt), rows)
        for chunk in _chunks([res.matters[i]["code"] for i in new]):
            ids.update(conn.execute(select(mt.c.code, mt.c.id).where(mt.c.code.in_(chunk))).all())
        report.matters_created += len(new)
    if old:
        rows = []
        for i in old:
            vals = _matter_values(res.matters[i], plan["given"])
            vals.update(search_text=texts[i], active=True, catalog_version=version)
            rows.append({"_id": ids[res.matters[i]["code"]], **{f"v_{c}": v for c, v in vals.items()}})
        conn.execute(plan["upd"], rows)
        report.matters_updated += len(old)
    old_ids = [ids[res.matters[i]["code"]] for i in old]
    if plan["with_questions"]:  # old questions go (their options and links cascade), the file's come in
        for chunk in _chunks([m for m in old_ids if m in plan["had_questions"]]):
            conn.execute(delete(qt).where(qt.c.matter_id.in_(chunk)))
    _write_materials(conn, [res.matters[i] for i in batch], ids, set(old_ids), plan["with_questions"],
                     plan["mat_upd"])


def _write_rest(s: Session, conn: Any, plan: dict[str, Any], res: io.ReadResult, report: ImportReport,
                replace: bool) -> None:
    """Bundles, --replace and the version stamp: the last transaction of an import."""
    version = report.version
    _write_bundles(conn, res, plan["ids"], report)
    if replace:
        # A sheet without a 一件事 sheet says nothing about bundles: replace keeps them.
        _drop_stale(conn, {r["code"] for r in res.matters}, {r["code"] for r in res.bundles},
                    not res.has_bundles, report)
    # catalog_stamp changes on every import, even of an edited file that kept its version
    # string, so other workstations' search indexes notice and rebuild.
    stamp = f"{version}@{dt.datetime.now(dt.UTC).isoformat(timespec='microseconds')}"
    for key, value in (("catalog_version", version), (STAMP_KEY, stamp)):
        setting = s.get(Setting, key)
        if setting is None:
            s.add(Setting(key=key, value=value))
        else:
            setting.value = value


def _write_materials(conn: Any, recs: list[dict[str, Any]], ids: dict[str, int], old_ids: set[int],
                     with_questions: bool, mat_upd: Any) -> None:
    """Materials (and situation questions) of one batch of matters. A material keeps its id
    when its key stays, so the checks of earlier cases keep pointing at it; a record with no
    materials keeps the ones already stored (材料清单待补充 until a file lists them)."""
    matt, qt, ot, omt = (_table(MaterialRequirement), _table(SituationQuestion), _table(SituationOption),
                         _table(OptionMaterial))
    listed = [r for r in recs if r["materials"]]
    touched = [ids[r["code"]] for r in listed if ids[r["code"]] in old_ids]
    stored: dict[int, dict[str, int]] = {}
    for chunk in _chunks(touched):
        for mid, matter_id, key in conn.execute(select(matt.c.id, matt.c.matter_id, matt.c.key)
                                                .where(matt.c.matter_id.in_(chunk))):
            stored.setdefault(matter_id, {})[key] = mid
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    dropped: list[int] = []
    placed: list[tuple[int, Any, int | None]] = []
    for r in listed:
        matter_id = ids[r["code"]]
        have = stored.get(matter_id, {})
        for pos, mat in enumerate(r["materials"]):
            vals = {f: mat[f] for f in _MATERIAL_FIELDS}
            mid = have.pop(mat["key"], None)
            if mid is None:
                inserts.append({**vals, "matter_id": matter_id, "position": pos})
                placed.append((matter_id, mat, None))
            else:
                updates.append({"_id": mid, **{f"v_{f}": v for f, v in vals.items()}, "v_position": pos})
                placed.append((matter_id, mat, mid))
        dropped.extend(have.values())
    if dropped:  # a case's check keeps its key and name; only the link to the dropped material goes
        for chunk in _chunks(dropped):
            conn.execute(update(_table(MaterialCheck)).where(MaterialCheck.material_id.in_(chunk))
                         .values(material_id=None))
            conn.execute(delete(matt).where(matt.c.id.in_(chunk)))
    if updates:
        conn.execute(mat_upd, updates)
    if inserts:
        conn.execute(insert(matt), inserts)
    if not with_questions or not any(q for r in recs for q in r["questions"]):
        return
    mat_id: dict[tuple[int, str], int] = {}
    for chunk in _chunks(sorted({ids[r["code"]] for r in listed})):
        for mid, matter_id, key in conn.execute(select(matt.c.id, matt.c.matter_id, matt.c.key)
                                                .where(matt.c.matter_id.in_(chunk))):
            mat_id[(matter_id, key)] = mid
    qrows, qrefs = [], []
    for r in recs:
        for qi, q in enumerate(r["questions"]):
            qrows.append({"matter_id": ids[r["code"]], "key": q["key"], "text": q["text"],
                          "multiple": bool(q.get("multiple", False)), "position": qi})
            qrefs.append(q)
    if not qrows:
        return
    conn.execute(insert(qt), qrows)
    qmatters = sorted({q["matter_id"] for q in qrows})
    qid: dict[tuple[int, str], int] = {}
    for chunk in _chunks(qmatters):
        qid.update(((m, k), i) for i, m, k in conn.execute(select(qt.c.id, qt.c.matter_id, qt.c.key)
                                                           .where(qt.c.matter_id.in_(chunk))))
    orows = [{"question_id": qid[(qrow["matter_id"], q["key"])], "key": o["key"], "text": o["text"], "position": oi}
             for qrow, q in zip(qrows, qrefs) for oi, o in enumerate(q["options"])]
    if not orows:
        return
    conn.execute(insert(ot), orows)
    option_id: dict[tuple[int, str], int] = {}
    for chunk in _chunks(qmatters):
        option_id.update(((m, f"{qk}:{ok}"), i) for i, m, qk, ok in conn.execute(
            select(ot.c.id, qt.c.matter_id, qt.c.key, ot.c.key).join(qt, qt.c.id == ot.c.question_id)
            .where(qt.c.matter_id.in_(chunk))))
    links = [{"option_id": option_id[(ids[r["code"]], w)], "material_id": mat_id[(ids[r["code"]], mat["key"])]}
             for r in listed for mat in r["materials"] for w in mat["when"]]
    if links:
        conn.execute(insert(omt), links)


def _write_bundles(conn: Any, res: io.ReadResult, ids: dict[str, int], report: ImportReport) -> None:
    bt, bit = _table(Bundle), _table(BundleItem)
    existing = dict(conn.execute(select(bt.c.code, bt.c.id)).all())
    for rec in res.bundles:
        vals = {"name": rec["name"], "description": rec["description"], "zone_code": zone_code(rec["zone"]) or "ZH",
                "promised_days": rec["promised_days"], "search_text": make_search_text(rec["name"], "", rec["code"], "")}
        bid = existing.get(rec["code"])
        if bid is None:
            bid = conn.execute(insert(bt).values(code=rec["code"], **vals).returning(bt.c.id)).scalar_one()
            existing[rec["code"]] = bid
            report.bundles_created += 1
        else:
            conn.execute(update(bt).where(bt.c.id == bid).values(**vals))
            conn.execute(delete(bit).where(bit.c.bundle_id == bid))
            report.bundles_updated += 1
        missing = [c for c in rec["matters"] if c not in ids]
        if missing:
            ids.update(conn.execute(select(Matter.code, Matter.id).where(Matter.code.in_(missing))).all())
        conn.execute(insert(bit), [{"bundle_id": bid, "matter_id": ids[c], "position": i}
                                   for i, c in enumerate(rec["matters"])])


def _drop_stale(conn: Any, matter_codes: set[str], bundle_codes: set[str], keep_bundles: bool,
                report: ImportReport) -> None:
    bt, mt = _table(Bundle), _table(Matter)
    used_bundles = set(conn.scalars(select(Case.bundle_id).where(Case.bundle_id.is_not(None))))
    if not keep_bundles:
        for bid, code in conn.execute(select(bt.c.id, bt.c.code)).all():
            if code not in bundle_codes and bid not in used_bundles:
                conn.execute(delete(bt).where(bt.c.id == bid))  # its items cascade
                report.bundles_removed += 1
    stale = [(mid, active) for mid, code, active in conn.execute(select(mt.c.id, mt.c.code, mt.c.active))
             if code not in matter_codes]
    if not stale:
        return
    used = set(conn.scalars(select(Case.matter_id).where(Case.matter_id.is_not(None))))
    used |= set(conn.scalars(select(BundleItem.matter_id)))
    used |= set(conn.scalars(select(MaterialRequirement.matter_id).join(
        MaterialCheck, MaterialCheck.material_id == MaterialRequirement.id)))
    gone = [mid for mid, _a in stale if mid not in used]
    off = [mid for mid, active in stale if mid in used and active]
    for chunk in _chunks(gone):
        conn.execute(delete(mt).where(mt.c.id.in_(chunk)))  # materials and questions cascade
    for chunk in _chunks(off):
        conn.execute(update(mt).where(mt.c.id.in_(chunk)).values(active=False))
    report.matters_removed += len(gone)
    report.matters_deactivated += len(off)


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
        raise CatalogFileError(f"无法写入“{path}”：{err.strerror or err}", f"cannot write {path}: {err}") from err
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
        # likewise the published-list fields: only when set
        **{f: v for f in io.OPTIONAL_FIELDS if (v := getattr(m, f))},
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
        tuple(open_questions(m, norm)), norm, forms.from_records(m.form_fields),
        m.power_type or "", m.parent_name or "", m.division or "", m.place or "", m.phone or "",
        tuple((str(a), str(b)) for a, b in (m.extra or ())), not m.materials)


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
        index = index_for_engine(db_or_session.engine, db_or_session.read)  # no write lock
    else:
        index = index_for(db_or_session)
    return index.search(query, limit, kinds)


def search_in_memory(db: Database, query: str, limit: int = 20,
                     kinds: Iterable[str] = ("matter", "bundle")) -> tuple[list[SearchHit] | None, bool]:
    """``search`` without SQL, from the index in memory: about a millisecond at 10,000 matters,
    so the intake box answers a keystroke in the same frame. Returns (hits, fresh): hits is
    ``None`` before the index is built; ``fresh`` is False when the index was not checked
    against the catalog stamp within ``search.RECHECK_SECONDS`` — then ``search`` on a worker
    checks it and gives the answer to show (the same hits unless the catalog changed)."""
    from .search import memory_index

    index, fresh = memory_index(db.engine)
    return (None if index is None else index.search(query, limit, kinds)), fresh


def warm_search(db: Database) -> int:
    """Build the search index now (call from a worker thread at start-up, so the first
    keystroke does not pay for it). Returns the number of entries."""
    return len(index_for_engine(db.engine, db.read))


def record_use(db: Database, code: str) -> None:
    """Count one use of a matter or bundle, so frequent ones rank first (no index rebuild)."""
    with db.uow() as s:
        index = index_for(s)  # before the update, so a fresh build does not count this use twice
        n = _rowcount(s.execute(update(Matter).where(Matter.code == code).values(use_count=Matter.use_count + 1)))
        kind = "matter"
        if not n:
            n = _rowcount(s.execute(update(Bundle).where(Bundle.code == code).values(use_count=Bundle.use_count + 1)))
            kind = "bundle"
        if not n:
            raise NotFound(f"事项“{code}”不存在。", f"no matter or bundle {code}")
    index.bump(kind, code)
