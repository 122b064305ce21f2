"""申请表 fields in the catalog: carried by JSON and sheets, checked on import with the matter and
field named, shown by the guide, merged by key in a bundle guide."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from clerk.catalog import (CatalogImportError, export_catalog, get_bundle_guide, get_guide, import_catalog)
from clerk.models import Matter
from tests.integration.test_catalog_io import HEADERS, ROWS, SMALL, count, write_xlsx

BIRTH_FIELDS = [
    {"key": "baby_name", "label": "新生儿姓名", "type": "text", "required": True, "options": [], "pattern": "",
     "hint": "", "max_length": 20},
    {"key": "baby_sex", "label": "性别", "type": "choice", "required": True, "options": ["男", "女"], "pattern": "",
     "hint": "", "max_length": 0},
    {"key": "birth_date", "label": "出生日期", "type": "date", "required": True, "options": [], "pattern": "",
     "hint": "", "max_length": 0},
    {"key": "contact_phone", "label": "联系电话", "type": "phone", "required": False, "options": [],
     "pattern": "", "hint": "", "max_length": 0},
]


def _doc_with_forms() -> dict:
    doc = json.loads(SMALL.read_text(encoding="utf-8"))
    doc["matters"][0]["form_fields"] = BIRTH_FIELDS
    # the social-security card asks for the same phone (same key) and a choice of its own
    doc["matters"][2]["form_fields"] = [
        {"key": "contact_phone", "label": "联系电话", "type": "phone", "required": True},
        {"key": "pickup", "label": "领卡方式", "type": "choice", "options": ["窗口领取", "邮寄"]}]
    return doc


def _write(tmp_path: Path, doc: dict, name: str = "forms.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def test_json_import_export_round_trip_keeps_form_fields(any_db, tmp_path):
    doc = _doc_with_forms()
    import_catalog(any_db, _write(tmp_path, doc))
    export_catalog(any_db, tmp_path / "out.json")
    out = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert out["matters"][0]["form_fields"] == BIRTH_FIELDS
    # short records come back complete (defaults filled), and a matter without a form has no key
    assert out["matters"][2]["form_fields"][1] == {"key": "pickup", "label": "领卡方式", "type": "choice",
                                                   "required": False, "options": ["窗口领取", "邮寄"],
                                                   "pattern": "", "hint": "", "max_length": 0}
    assert "form_fields" not in out["matters"][1]


def test_guide_shows_the_fields_and_a_bundle_asks_a_shared_field_once(db, tmp_path):
    import_catalog(db, _write(tmp_path, _doc_with_forms()))
    guide = get_guide(db, "330225-GA-0001")
    assert [(f.key, f.label, f.type, f.required) for f in guide.form_fields] == [
        ("baby_name", "新生儿姓名", "text", True), ("baby_sex", "性别", "choice", True),
        ("birth_date", "出生日期", "date", True), ("contact_phone", "联系电话", "phone", False)]
    assert guide.form_fields[1].options == ("男", "女")
    bundle = get_bundle_guide(db, "BUNDLE-BIRTH")
    keys = [f.key for f in bundle.form_fields]
    assert keys == ["baby_name", "baby_sex", "birth_date", "contact_phone", "pickup"]
    phone = bundle.form_fields[3]
    assert phone.required is True  # optional for 出生登记, required for 社保卡: required wins
    assert phone.matters == ("户籍登记（出生登记）", "社会保障卡申领")


def test_bad_form_fields_are_listed_by_matter_and_field_and_nothing_is_imported(db, tmp_path):
    doc = _doc_with_forms()
    doc["matters"][0]["form_fields"] = BIRTH_FIELDS + [
        {"key": "baby_name", "label": "乳名", "type": "text"},                 # duplicate key
        {"key": "blood", "label": "血型", "type": "colour"},                   # unknown type
        {"key": "kind", "label": "类别", "type": "choice", "options": ["甲"]},  # one option only
        {"key": "Bad Key", "label": "编号", "pattern": "[0-9"},                # bad key and regex
    ]
    doc["matters"][3]["form_fields"] = {"key": "x"}                            # not a list
    with pytest.raises(CatalogImportError) as err:
        import_catalog(db, _write(tmp_path, doc))
    msgs = [m for _, m in err.value.report.errors]
    assert "第1个事项：申请表第5个字段“乳名”的 key“baby_name”重复" in msgs
    assert any(m.startswith("第1个事项：申请表第6个字段“血型”的类型“colour”") for m in msgs)
    assert "第1个事项：申请表第7个字段“类别”是选项类型，至少要有两个选项" in msgs
    assert any(m.startswith("第1个事项：申请表第8个字段“编号”的 key“Bad Key”") for m in msgs)
    assert any(m.startswith("第1个事项：申请表第8个字段“编号”的格式规则 pattern 不是有效的正则表达式") for m in msgs)
    assert "第4个事项：申请表字段 form_fields 应为列表" in msgs
    assert count(db, Matter) == 0


def test_sheet_column_syntax_imports_and_exports(db, tmp_path):
    headers = HEADERS + ["申请表字段"]
    rows = [ROWS[0] + ["男方姓名*; 女方姓名*; 登记日期*:date; 联系电话:电话; 男方身份证[groom_id]:id_number"],
            ROWS[1] + ["字号名称:text(30); 经营场所*; 经营范围*:text(500); 资金数额:number; 组成形式*:choice(个人经营|家庭经营)"]]
    report = import_catalog(db, write_xlsx(tmp_path / "forms.xlsx", headers, rows))
    assert report.ok and report.unknown_columns == ["责任处室"]
    marriage = get_guide(db, "330225-SH-0101")
    assert [(f.key, f.type, f.required) for f in marriage.form_fields] == [
        ("nan_fang_xing_ming", "text", True), ("nv_fang_xing_ming", "text", True),
        ("deng_ji_ri_qi", "date", True), ("lian_xi_dian_hua", "phone", False), ("groom_id", "id_number", False)]
    shop = get_guide(db, "330225-SS-0102").form_fields
    assert (shop[0].max_length, shop[2].max_length, shop[3].type) == (30, 500, "number")
    assert shop[4].options == ("个人经营", "家庭经营")
    for ext in ("xlsx", "csv"):  # exported and read back: the same fields
        export_catalog(db, tmp_path / f"out.{ext}")
        import_catalog(db, tmp_path / f"out.{ext}")
        assert get_guide(db, "330225-SH-0101").form_fields == marriage.form_fields


def test_bad_sheet_syntax_is_reported_by_row_and_field(db, tmp_path):
    headers = HEADERS + ["申请表字段"]
    rows = [ROWS[0] + ["男方姓名*; 登记日期:日子"], ROWS[1] + ["经营场所*; 组成形式:choice(个人经营)"]]
    with pytest.raises(CatalogImportError) as err:
        import_catalog(db, write_xlsx(tmp_path / "bad.xlsx", headers, rows))
    msgs = [m for _, m in err.value.report.errors]
    assert any(m.startswith("第2行：申请表第2个字段“登记日期”的类型“日子”应为") for m in msgs)
    assert "第3行：申请表第2个字段“组成形式”是选项类型，至少要有两个选项" in msgs
    assert count(db, Matter) == 0
