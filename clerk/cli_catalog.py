"""``clerk catalog import|export|search|show``: the matter catalog from the command line.

A bad catalog file exits 1 and lists every bad row; nothing is imported then.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from typing import Any

from .catalog import CatalogImportError, ImportReport, export_catalog, get_matter, import_catalog, search


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("catalog", help="事项目录 matter catalog")
    csub = p.add_subparsers(dest="catalog_command", metavar="CATALOG_COMMAND")
    imp = csub.add_parser("import", help="导入目录 import .json/.xlsx/.csv")
    imp.add_argument("file")
    imp.add_argument("--replace", action="store_true",
                     help="文件中没有的事项停用或删除 drop matters and bundles missing from the file")
    imp.add_argument("--quiet", action="store_true", help="不显示进度 no progress lines")
    imp.set_defaults(handler=_import)
    exp = csub.add_parser("export", help="导出目录 export to .json/.xlsx/.csv")
    exp.add_argument("file")
    exp.set_defaults(handler=_export)
    se = csub.add_parser("search", help="搜索事项 search matters and bundles")
    se.add_argument("query")
    se.add_argument("--limit", type=int, default=20)
    se.add_argument("--json", action="store_true")
    se.set_defaults(handler=_search)
    sh = csub.add_parser("show", help="办事指南 show a matter's guide")
    sh.add_argument("code")
    sh.add_argument("--json", action="store_true")
    sh.set_defaults(handler=_show)
    p.set_defaults(handler=lambda _a: (p.print_help(), 2)[1])


def _open(args: argparse.Namespace, *, seed: bool = True) -> Any:
    from .commands import open_db

    return open_db(args, seed=seed)


def _print_report(r: ImportReport) -> None:
    print(f"已导入 {r.matters} 个事项（新增 {r.matters_created}，更新 {r.matters_updated}），"
          f"{r.bundles} 个一件事；目录版本 {r.version}")
    print(f"imported {r.matters} matters, {r.bundles} bundles ({r.file_format}, version {r.version})")
    if r.matters_deactivated or r.matters_removed or r.bundles_removed:
        print(f"停用 {r.matters_deactivated} 个、删除 {r.matters_removed} 个事项，删除 {r.bundles_removed} 个一件事")
    if r.materials_pending:
        print(f"{r.materials_pending} 个事项未列申请材料，指南和受理时标注“材料清单待补充”；"
              f"再导入含申请材料的目录即可补上 ({r.materials_pending} matters without materials)")
    if r.unknown_columns:
        print("未识别的列（已作为指南“其他信息”保存）unknown columns kept as guide facts: "
              + "、".join(r.unknown_columns))


class ProgressLines:
    """Progress of an import as lines on stderr: each stage when it starts, then about every
    10 % of it (a 50,000-row file gives a few dozen lines, not thousands)."""

    def __init__(self, out: Any = None) -> None:
        self.out = out or sys.stderr
        self.stage = ""
        self.shown = -1

    def __call__(self, stage: str, done: int, total: int) -> None:
        from .catalog import STAGE_LABELS

        if stage == "done":
            return
        step = 10 * done // total if total else 0
        if stage == self.stage and (step == self.shown or not total):
            return
        self.stage, self.shown = stage, step
        label = STAGE_LABELS.get(stage, stage)
        if total:
            print(f"{label} {done}/{total}（{100 * done // total}%）", file=self.out, flush=True)
        else:
            print(f"{label}…", file=self.out, flush=True)


def _import(args: argparse.Namespace) -> int:
    # No demo seeding here: a hall importing its own catalog must not get the demo one as well.
    from .commands import acting, open_config
    from .seed import seed_defaults

    db = _open(args, seed=False)
    seed_defaults(db, open_config(args), catalog=None)  # the hall and accounts, never the demo catalog
    try:
        report = import_catalog(db, args.file, replace=args.replace, **acting(args, db, "catalog.import"),
                                progress=None if args.quiet else ProgressLines())
    except CatalogImportError as err:
        r = err.report
        print(f"错误：目录中有 {len(r.errors)} 处错误，未导入任何内容 ({err.english})", file=sys.stderr)
        for _row, msg in r.errors:
            print(f"  {msg}", file=sys.stderr)
        if r.unknown_columns:
            print("未识别的列 unknown columns: " + "、".join(r.unknown_columns), file=sys.stderr)
        return 1
    finally:
        db.dispose()
    _print_report(report)
    return 0


def _export(args: argparse.Namespace) -> int:
    db = _open(args)
    try:
        n = export_catalog(db, args.file)
    finally:
        db.dispose()
    print(f"已导出 {n} 个事项到 {args.file} (exported {n} matters)")
    return 0


def _search(args: argparse.Namespace) -> int:
    db = _open(args)
    try:
        hits = search(db, args.query, limit=args.limit)
    finally:
        db.dispose()
    if args.json:
        out = [{"code": h.code, "name": h.name, "kind": h.kind, "department": h.department, "zone": h.zone,
                "score": h.score, "matched": h.matched, "parent": h.parent, "power_type": h.power_type} for h in hits]
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
        return 0
    for h in hits:
        tag = "一件事" if h.kind == "bundle" else "事项"
        parent = f"（{h.parent}）" if h.parent else ""
        print(f"{h.code:<24} {tag} {h.name}{parent}  {h.department}  {h.power_type}  [{h.matched}]")
    if not hits:
        print("没有找到匹配的事项 (no match)")
    return 0


def _show(args: argparse.Namespace) -> int:
    db = _open(args)
    try:
        g = get_matter(db, args.code)
    finally:
        db.dispose()
    if args.json:
        sys.stdout.write(json.dumps(dataclasses.asdict(g), ensure_ascii=False, indent=2) + "\n")
        return 0
    print(f"{g.name}（{g.code}）")
    if g.parent_name:
        print(f"主项：{g.parent_name}")
    print(f"实施主体：{g.department}    分区：{g.zone_name}    办件类型：{g.kind_label}"
          + (f"    事项类型：{g.power_type}" if g.power_type else "")
          + (f"    行政区划：{g.division}" if g.division else ""))
    print(f"法定时限：{g.statutory_days} 个工作日    承诺时限：{g.promised_days} 个工作日    "
          f"到现场次数：{g.visits_required}    收费：{g.fee}")
    if g.conditions:
        print(f"受理条件：{g.conditions}")
    if g.legal_basis:
        print(f"设定依据：{g.legal_basis}")
    for q in g.questions:
        print(f"情形 {q.text} " + " / ".join(o.text for o in q.options))
    if g.place:
        print(f"办理地点：{g.place}")
    if g.phone:
        print(f"咨询电话：{g.phone}")
    for label, text in g.extra:
        print(f"{label}：{text}")
    print("申请材料：" + ("材料清单待补充（目录未列申请材料，请按申请人实际提交登记）" if g.materials_pending else ""))
    texts = {f"{q.key}:{o.key}": o.text for q in g.questions for o in q.options}
    for i, m in enumerate(g.materials, start=1):
        when = "（" + "、".join(texts.get(w, w) for w in m.when) + "时提交）" if m.when else ""
        flags = "（可容缺）" if m.deferrable else ""
        print(f"  {i}. {m.name}（{m.form_label}）{m.count}份{flags}{when}")
    if g.form_fields:
        print("申请表（* 必填）：")
        for i, f in enumerate(g.form_fields, start=1):
            options = "：" + "/".join(f.options) if f.options else ""
            print(f"  {i}. {f.label}{'*' if f.required else ''}（{f.type_label}{options}）")
    return 0
