"""Catalog import/export against a real database: JSON round trip (SQLite and PostgreSQL),
province sheets with Chinese headers (xlsx and GB18030 CSV), all-or-nothing on bad rows or a
broken file, upsert that keeps ids for cases, guides and bundle guides, and the CLI."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from clerk.catalog import (CatalogFileError, CatalogImportError, export_catalog, get_bundle_guide, get_guide,
                           get_matter, import_catalog, list_bundles)
from clerk.errors import NotFound, ValidationError
from clerk.models import Bundle, Case, MaterialCheck, MaterialRequirement, Matter, Setting

SMALL = Path(__file__).parents[1] / "fixtures" / "catalog_small.json"

HEADERS = ["序号", "事项名称", "实施编码", "实施机构", "所属分区", "办件类型", "法定时限", "承诺办结时限",
           "是否收费", "跑动次数", "是否网办", "设定依据", "申请材料", "责任处室"]
ROWS = [
    [1, "婚姻登记（结婚登记）", "330225-SH-0101", "象山县民政局", "社会事务", "即办件", "即办", "即办", "否", "1次",
     "否", "《婚姻登记条例》", "1、居民身份证（原件）2份\n2、户口簿（原件）；近期免冠照片（原件）3份", "婚登处"],
    [2, "企业设立登记", "330225-SS-0102", "象山县市场监督管理局", "商事登记", "承诺件", "15个工作日", "3",
     "不收费", 0, "是", "《市场主体登记管理条例》", "授权委托书（原件）1份;经办人身份证（复印件）1份", "登记科"],
]


def count(db, model) -> int:
    with db.uow() as s:
        return s.scalar(select(func.count()).select_from(model))


def write_xlsx(path: Path, headers: list, rows: list, title: str | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])  # provinces often put the list title above the header
    ws.append(headers)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_json_round_trip_is_exact(any_db, tmp_path):
    report = import_catalog(any_db, SMALL)
    assert (report.matters_created, report.bundles_created, report.version) == (6, 1, "test-small-1")
    export_catalog(any_db, tmp_path / "out.json")
    assert json.loads((tmp_path / "out.json").read_text(encoding="utf-8")) == json.loads(
        SMALL.read_text(encoding="utf-8"))
    with any_db.uow() as s:
        assert s.get(Setting, "catalog_version").value == "test-small-1"
        assert set(s.scalars(select(Matter.catalog_version))) == {"test-small-1"}
        assert "hjdj" in s.scalar(select(Matter.search_text).where(Matter.code == "330225-GA-0001"))


def test_xlsx_with_chinese_headers_aliases_and_title_row(db, tmp_path):
    path = write_xlsx(tmp_path / "省目录.xlsx", HEADERS, ROWS, title="象山县政务服务事项目录（2026版）")
    report = import_catalog(db, path)
    assert report.ok and report.matters_created == 2 and report.file_format == "xlsx"
    assert report.unknown_columns == ["责任处室"]  # 序号 is known noise, not reported
    assert report.version.startswith("sha-")
    marriage = get_matter(db, "330225-SH-0101")
    assert (marriage.department, marriage.zone, marriage.kind, marriage.promised_days) == (
        "象山县民政局", "SH", "immediate", 0)
    assert (marriage.fee, marriage.visits_required, marriage.online) == ("不收费", 1, False)
    assert [(m.key, m.form, m.count) for m in marriage.materials] == [
        ("id_card", "original", 2), ("household_register", "original", 1), ("photo", "original", 3)]
    company = get_matter(db, "330225-SS-0102")
    assert (company.statutory_days, company.promised_days, company.online, company.visits_required) == (15, 3, True, 0)
    assert [m.key for m in company.materials] == ["power_of_attorney", "agent_id_card"]


def test_bad_rows_are_all_listed_and_nothing_is_imported(db, tmp_path):
    import_catalog(db, SMALL)
    before = count(db, Matter), count(db, MaterialRequirement)
    rows = [ROWS[0], [3, "", "330225-X-1", "县民政局", "", "", "", "", "", "", "", "", "", ""],
            [4, "低保申请", "330225-X-2", "县民政局", "", "承诺件", "二十天", "5", "", "", "", "", "", ""],
            [5, "临时救助", "330225-X-3", "县民政局", "不存在的区", "急件", "20", "30", "", "", "", "", "", ""]]
    path = write_xlsx(tmp_path / "bad.xlsx", HEADERS, rows)
    with pytest.raises(CatalogImportError) as err:
        import_catalog(db, path)
    report = err.value.report
    assert not report.ok
    assert [row for row, _ in report.errors] == [3, 4, 5, 5]
    text = "\n".join(m for _, m in report.errors)
    assert "第3行：缺少事项名称" in text
    assert "第4行：法定办结时限“二十天”不是天数" in text
    assert "第5行：分区“不存在的区”不存在" in text and "第5行：办件类型“急件”" in text
    assert "未导入任何内容" in err.value.message
    assert (count(db, Matter), count(db, MaterialRequirement)) == before
    with pytest.raises(NotFound):
        get_matter(db, "330225-SH-0101")  # the good row went nowhere either


def test_json_rule_breaks_are_reported_with_position(db, tmp_path):
    doc = json.loads(SMALL.read_text(encoding="utf-8"))
    doc["matters"][1]["promised_days"] = "两天"
    doc["matters"][2]["code"] = doc["matters"][0]["code"]
    doc["matters"][3]["materials"][2]["when"] = ["who:nobody"]
    doc["matters"][0]["colour"] = "red"
    doc["bundles"][0]["matters"].append("NO-SUCH")
    (tmp_path / "bad.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CatalogImportError) as err:
        import_catalog(db, tmp_path / "bad.json")
    msgs = [m for _, m in err.value.report.errors]
    assert any(m.startswith("第2个事项：承诺办结时限“两天”") for m in msgs)
    assert any(m.startswith("第3个事项：编码“330225-GA-0001”与第1个事项重复") for m in msgs)
    assert any("“who:nobody”不是本事项的情形选项" in m for m in msgs)
    assert any("“NO-SUCH”不存在" in m for m in msgs)
    assert err.value.report.unknown_columns == ["colour"]
    assert count(db, Matter) == 0


def test_truncated_json_and_corrupt_xlsx_give_chinese_errors(db, tmp_path):
    data = SMALL.read_bytes()
    (tmp_path / "half.json").write_bytes(data[: len(data) // 2])
    with pytest.raises(CatalogFileError) as err:
        import_catalog(db, tmp_path / "half.json")
    assert "不完整" in err.value.message and "未导入" in err.value.message
    good = write_xlsx(tmp_path / "good.xlsx", HEADERS, ROWS).read_bytes()
    (tmp_path / "cut.xlsx").write_bytes(good[: len(good) // 2])
    with pytest.raises(CatalogFileError) as err:
        import_catalog(db, tmp_path / "cut.xlsx")
    assert "已损坏或不完整" in err.value.message
    (tmp_path / "x.txt").write_text("x")
    with pytest.raises(CatalogFileError):
        import_catalog(db, tmp_path / "x.txt")
    assert count(db, Matter) == 0


def test_gb18030_csv_imports(db, tmp_path):
    path = tmp_path / "目录.csv"
    with path.open("w", encoding="gb18030", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["事项", "事项编码", "部门", "分区", "承诺时限", "申请材料"])
        w.writerow(["居民身份证换领", "330225-GA-0201", "象山县公安局", "公安", "20个工作日", "户口簿（原件）1份"])
    report = import_catalog(db, path)
    assert report.ok and report.file_format == "csv"
    g = get_matter(db, "330225-GA-0201")
    assert (g.name, g.zone, g.promised_days, g.kind) == ("居民身份证换领", "GA", 20, "committed")


def test_reimport_keeps_ids_and_cases_stay_valid(db, tmp_path):
    import_catalog(db, SMALL)
    with db.uow() as s:
        m = s.scalar(select(Matter).where(Matter.code == "330225-YB-0002"))
        photo_id = {x.key: x.id for x in m.materials}["household_register"]
        case = Case(matter_id=m.id, department=m.department)
        case.checks.append(MaterialCheck(material_id=photo_id, material_key="household_register", name="户口簿"))
        s.add(case)
        s.flush()
        ids = (m.id, case.id, {x.key: x.id for x in m.materials})
    doc = json.loads(SMALL.read_text(encoding="utf-8"))
    doc["version"] = "test-small-2"
    doc["matters"][1]["name"] = "城乡居民基本医疗保险参保登记"
    doc["matters"][1]["materials"] = [doc["matters"][1]["materials"][0]]  # 户口簿 no longer asked
    (tmp_path / "v2.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    report = import_catalog(db, tmp_path / "v2.json")
    assert (report.matters_created, report.matters_updated, report.bundles_updated) == (0, 6, 1)
    with db.uow() as s:
        m = s.scalar(select(Matter).where(Matter.code == "330225-YB-0002"))
        case = s.get(Case, ids[1])
        assert m.id == ids[0] and case.matter_id == m.id
        assert m.name == "城乡居民基本医疗保险参保登记" and m.catalog_version == "test-small-2"
        assert [(x.key, x.id) for x in m.materials] == [("id_card", ids[2]["id_card"])]
        check = case.checks[0]
        assert (check.material_id, check.material_key, check.name) == (None, "household_register", "户口簿")


def test_replace_removes_unused_and_deactivates_used(db, tmp_path):
    import_catalog(db, SMALL)
    with db.uow() as s:
        s.add(Case(matter_id=s.scalar(select(Matter.id).where(Matter.code == "330225-BDC-0005"))))
    doc = json.loads(SMALL.read_text(encoding="utf-8"))
    doc["matters"] = [m for m in doc["matters"] if m["code"] in ("330225-GA-0001", "330225-YB-0002",
                                                                   "330225-YB-0003")]
    (tmp_path / "v3.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    report = import_catalog(db, tmp_path / "v3.json", replace=True)
    assert (report.matters_removed, report.matters_deactivated) == (2, 1)
    with db.uow() as s:
        assert s.scalar(select(Matter.active).where(Matter.code == "330225-BDC-0005")) is False
        assert s.scalar(select(func.count()).select_from(Matter)) == 4
    export_catalog(db, tmp_path / "after.json")
    exported = json.loads((tmp_path / "after.json").read_text(encoding="utf-8"))
    assert [m["code"] for m in exported["matters"]] == ["330225-GA-0001", "330225-YB-0002", "330225-YB-0003"]


def test_sheet_export_round_trips_the_guide_fields(db, tmp_path):
    import_catalog(db, SMALL)
    for ext in ("xlsx", "csv"):
        export_catalog(db, tmp_path / f"out.{ext}")
    before = get_matter(db, "330225-YB-0002")
    report = import_catalog(db, tmp_path / "out.xlsx")
    assert report.ok and report.matters_updated == 6 and report.bundles_updated == 1
    after = get_matter(db, "330225-YB-0002")
    for f in ("name", "short_name", "department", "zone", "kind", "statutory_days", "promised_days", "fee",
              "visits_required", "online", "delivery_options", "target"):
        assert getattr(after, f) == getattr(before, f), f
    assert [(m.key, m.form, m.count, m.deferrable) for m in after.materials] == [
        (m.key, m.form, m.count, m.deferrable) for m in before.materials]
    assert import_catalog(db, tmp_path / "out.csv").ok


def test_guide_with_answers_picks_proxy_materials(db):
    import_catalog(db, SMALL)
    open_guide = get_guide(db, "330225-GA-0001")
    assert [m.key for m in open_guide.materials] == ["id_card", "birth_certificate", "household_register"]
    assert open_guide.open_questions == ("who",)
    proxy = get_guide(db, "330225-GA-0001", {"who": ["proxy"]})
    assert [m.key for m in proxy.materials][-2:] == ["power_of_attorney", "proxy_id_card"]
    assert proxy.open_questions == () and proxy.questions[0].chosen == ("proxy",)
    assert get_guide(db, "330225-GA-0001", {"who": ["self"]}).materials == open_guide.materials
    with pytest.raises(ValidationError) as err:
        get_guide(db, "330225-GA-0001", {"who": ["robot"]})
    assert "没有选项" in err.value.message


def test_bundle_guide_dedups_shared_materials(db):
    import_catalog(db, SMALL)
    g = get_bundle_guide(db, "BUNDLE-BIRTH")
    assert [m.code for m in g.matters] == ["330225-GA-0001", "330225-YB-0002", "330225-YB-0003"]
    assert g.promised_days == 2
    by_key = {m.key: m for m in g.materials}
    assert list(by_key).count("id_card") == 1
    assert by_key["id_card"].matters == ("330225-GA-0001", "330225-YB-0002", "330225-YB-0003")
    hr = by_key["household_register"]
    assert (hr.matters, hr.form, hr.count, hr.deferrable) == (("330225-GA-0001", "330225-YB-0002"), "both", 2, False)
    assert g.open_questions == (("330225-GA-0001", "who"),)
    answered = get_bundle_guide(db, "BUNDLE-BIRTH", {"330225-GA-0001": {"who": ["proxy"]}})
    assert "power_of_attorney" in {m.key for m in answered.materials} and answered.open_questions == ()
    assert [b.code for b in list_bundles(db)] == ["BUNDLE-BIRTH"]


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"CLERK_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin",
           "CLERK_USER": "manager", "CLERK_PASSWORD": "manager123", "CLERK_DEMO": "1"}
    return subprocess.run([sys.executable, "-m", "clerk.cli", "catalog", *args], capture_output=True,
                          text=True, env=env, timeout=120)


def test_cli_import_search_show_and_bad_file(tmp_path):
    bad = write_xlsx(tmp_path / "bad.xlsx", HEADERS, [ROWS[0], [2, "", "X-1"] + [""] * 11])
    r = _cli(tmp_path, "import", str(bad))
    assert r.returncode == 1 and "第3行：缺少事项名称" in r.stderr
    r = _cli(tmp_path, "import", str(SMALL))
    assert r.returncode == 0 and "已导入 6 个事项" in r.stdout
    r = _cli(tmp_path, "search", "hjdj", "--json")
    hits = json.loads(r.stdout)
    assert r.returncode == 0 and hits[0]["code"] == "330225-GA-0001" and hits[0]["kind"] == "matter"
    assert set(hits[0]) >= {"code", "name", "kind", "department", "zone", "score"}
    r = _cli(tmp_path, "show", "330225-GA-0001")
    assert r.returncode == 0 and "授权委托书（原件）1份（委托他人办理时提交）" in r.stdout
    r = _cli(tmp_path, "show", "NOPE")
    assert r.returncode == 1 and "不存在" in r.stderr
    r = _cli(tmp_path, "export", str(tmp_path / "o.json"))
    assert r.returncode == 0
    assert json.loads((tmp_path / "o.json").read_text(encoding="utf-8"))["version"] == "test-small-1"


def test_replace_from_a_sheet_keeps_bundles(db, tmp_path):
    """A CSV has no 一件事 section: replacing matters from it must not drop the bundle, and the
    bundle's matters that the sheet no longer lists stay (inactive) so the bundle stays whole."""
    import_catalog(db, SMALL)
    path = tmp_path / "only_one.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([["事项名称", "实施编码", "承诺时限"], ["户籍登记（出生登记）", "330225-GA-0001", "3"]])
    report = import_catalog(db, path, replace=True)
    assert (report.bundles_removed, report.matters_removed, report.matters_deactivated) == (0, 3, 2)
    assert count(db, Bundle) == 1
    assert [m.code for m in get_bundle_guide(db, "BUNDLE-BIRTH").matters] == [
        "330225-GA-0001", "330225-YB-0002", "330225-YB-0003"]
