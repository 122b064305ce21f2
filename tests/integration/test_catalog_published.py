"""Published matter lists (政务服务事项目录 / 实施清单) as counties export them, on a real database:
title rows above the header, 事项类型 as the power type, 主项/子项, 行政区划代码, "20个工作日" and
"当场办结", 收费/办理地点/咨询电话/设定依据, columns we do not know (kept as guide facts), merged
department and 主项 cells in .xlsx, GBK CSV, rows without materials (材料清单待补充, filled in by a
later import) — and bad files that change nothing. The sample files are made here, shaped like
real lists; none is a copy of one."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from clerk import cases
from clerk.catalog import CatalogFileError, CatalogImportError, get_guide, get_matter, import_catalog, search
from clerk.catalog_io import parse_days
from clerk.db import Database
from clerk.bootstrap import ensure_hall, ensure_users
from clerk.errors import StorageError, ValidationError
from clerk.models import MaterialCheck, MaterialRequirement, Matter
from tests.casefixtures import clerk_user, zhang

TITLE = "某县政务服务事项实施清单（2026年版）"
HEADER = ["序号", "主项名称", "子项名称", "实施编码", "事项类型", "实施主体", "行政区划代码", "办件类型", "法定办结时限",
          "承诺办结时限", "收费", "办理地点", "咨询电话", "设定依据", "申请材料", "通办范围"]
DEPT_A, DEPT_B = "某县民政局", "某县市场监督管理局"
# (主项, 子项, 编码, 事项类型, 办件类型, 法定, 承诺, 收费, 材料); department and 主项 are merged in xlsx
ITEMS = [
    ("结婚登记", "", "3302XX-MZ-001", "行政确认", "即办件", "当场办结", "即办", "不收费",
     "1、居民身份证（原件）1份\n2、户口簿（原件）1份"),
    ("最低生活保障审批", "最低生活保障审批（城市）", "3302XX-MZ-002", "行政给付", "承诺件", "20个工作日", "10个工作日",
     "不收费", ""),
    ("", "最低生活保障审批（农村）", "3302XX-MZ-003", "行政给付", "承诺件", "20个工作日", "10个工作日", "不收费", ""),
    ("", "最低生活保障审批（特殊困难）", "3302XX-MZ-004", "行政给付", "承诺件", "60个工作日（不含公告时间）", "15个工作日",
     "不收费", ""),
    ("社会团体成立登记", "", "3302XX-MZ-005", "行政许可", "承诺件", "60个工作日", "20个工作日", "不收费", ""),
    ("食品经营许可", "食品经营许可（新办）", "3302XX-SJ-001", "行政许可", "承诺件", "20个工作日", "5个工作日", "不收费",
     "食品经营许可申请书（原件）1份；营业执照（复印件）1份"),
    ("", "食品经营许可（延续）", "3302XX-SJ-002", "行政许可", "承诺件", "20个工作日", "5个工作日", "不收费", ""),
    ("计量器具检定", "", "3302XX-SJ-003", "公共服务", "承诺件", "3个月", "10个工作日",
     "按《计量检定收费标准》收取，每台次20元", ""),
]
DEPTS = [DEPT_A] * 5 + [DEPT_B] * 3


def rows_of(items=ITEMS):
    out = []
    for i, (parent, sub, code, power, kind, stat, prom, fee, mats) in enumerate(items, 1):
        out.append([i, parent, sub, code, power, DEPTS[i - 1], "330200000000", kind, stat, prom, fee,
                    f"县行政服务中心{i}号窗口", "0574-12345678", "《某某条例》第十条", mats, "全市通办"])
    return out


def published_xlsx(path: Path, items=ITEMS) -> Path:
    """Title and note above the header; the department written once and merged over its rows, and
    each 主项 merged over its 子项 (the cells under a merge are empty, as Excel stores them)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "实施清单"
    ws.append([TITLE])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    ws.append(["导出时间：2026-11-30"])
    ws.append(HEADER)
    rows = rows_of(items)
    for r in rows:
        ws.append(r)
    first = 4
    dcol = HEADER.index("实施主体") + 1
    for a, b in ((0, 4), (5, 7)):  # 民政局 rows 4–8, 市场监管局 rows 9–11
        for r in range(a + 1, b + 1):
            ws.cell(first + r, dcol).value = None
        ws.merge_cells(start_row=first + a, start_column=dcol, end_row=first + b, end_column=dcol)
    pcol = HEADER.index("主项名称") + 1
    ws.merge_cells(start_row=first + 1, start_column=pcol, end_row=first + 3, end_column=pcol)  # 低保 over 3
    ws.merge_cells(start_row=first + 5, start_column=pcol, end_row=first + 6, end_column=pcol)  # 食品 over 2
    wb.save(path)
    return path


def published_csv(path: Path, encoding: str = "gbk") -> Path:
    rows = rows_of()
    for r in rows:  # CSV has no merged cells: every value written, the 主项 repeated
        if not r[1]:
            r[1] = {"3302XX-MZ-003": "最低生活保障审批", "3302XX-MZ-004": "最低生活保障审批",
                    "3302XX-SJ-002": "食品经营许可"}[r[3]]
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow([TITLE])
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def count(db, model) -> int:
    with db.uow() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_published_xlsx_imports_every_row_with_its_department(any_db, tmp_path):
    report = import_catalog(any_db, published_xlsx(tmp_path / "清单.xlsx"))
    assert report.ok and report.matters_created == 8 and report.file_format == "xlsx"
    assert report.unknown_columns == ["通办范围"]
    assert report.materials_pending == 6
    with any_db.uow() as s:
        depts = dict(s.execute(select(Matter.code, Matter.department)).all())
    assert [depts[it[2]] for it in ITEMS] == DEPTS  # the merged cell belongs to every row it spans
    rural = get_matter(any_db, "3302XX-MZ-003")
    assert (rural.name, rural.parent_name, rural.power_type, rural.kind) == (
        "最低生活保障审批（农村）", "最低生活保障审批", "行政给付", "committed")
    assert (rural.statutory_days, rural.promised_days, rural.division) == (20, 10, "330200000000")
    assert (rural.place, rural.phone, rural.legal_basis) == ("县行政服务中心3号窗口", "0574-12345678", "《某某条例》第十条")
    assert ("通办范围", "全市通办") in rural.extra
    assert rural.materials == () and rural.materials_pending
    marriage = get_matter(any_db, "3302XX-MZ-001")
    assert (marriage.parent_name, marriage.kind, marriage.power_type, marriage.statutory_days) == (
        "", "immediate", "行政确认", 0)
    assert [m.key for m in marriage.materials] == ["id_card", "household_register"] and not marriage.materials_pending
    special = get_matter(any_db, "3302XX-MZ-004")
    assert special.statutory_days == 60 and ("法定办结时限", "60个工作日（不含公告时间）") in special.extra
    meter = get_matter(any_db, "3302XX-SJ-003")
    assert meter.statutory_days == 66 and meter.fee.startswith("按《计量检定收费标准》")
    assert ("法定办结时限", "3个月") in meter.extra  # the words as published stay readable


def test_gbk_and_utf8_bom_csv_with_a_title_row(db, tmp_path):
    report = import_catalog(db, published_csv(tmp_path / "清单.csv", "gbk"))
    assert report.ok and report.matters_created == 8 and report.file_format == "csv"
    food = get_matter(db, "3302XX-SJ-002")
    assert (food.name, food.parent_name, food.department, food.power_type) == (
        "食品经营许可（延续）", "食品经营许可", DEPT_B, "行政许可")
    report = import_catalog(db, published_csv(tmp_path / "清单2.csv", "utf-8-sig"))
    assert report.ok and report.matters_updated == 8 and report.matters_created == 0


def test_the_openpyxl_reader_fills_merged_cells_too(db, tmp_path, monkeypatch):
    """Without calamine installed the importer reads through openpyxl and finds the merged
    ranges in the sheet XML itself."""
    monkeypatch.setitem(sys.modules, "python_calamine", None)  # import python_calamine → ImportError
    report = import_catalog(db, published_xlsx(tmp_path / "清单.xlsx"))
    assert report.ok and report.matters_created == 8
    with db.uow() as s:
        assert set(s.scalars(select(Matter.department))) == {DEPT_A, DEPT_B}
    assert get_matter(db, "3302XX-SJ-002").parent_name == "食品经营许可"


def test_power_type_and_parent_are_searchable(db, tmp_path):
    import_catalog(db, published_xlsx(tmp_path / "清单.xlsx"))
    hits = search(db, "行政给付")
    assert {h.code for h in hits} == {"3302XX-MZ-002", "3302XX-MZ-003", "3302XX-MZ-004"}
    assert all(h.matched == "事项类型" and h.power_type == "行政给付" for h in hits)
    hits = search(db, "食品经营")
    assert {h.code for h in hits} == {"3302XX-SJ-001", "3302XX-SJ-002"}
    assert {h.parent for h in hits} == {"食品经营许可"}
    assert [h.code for h in search(db, "特殊困难")] == ["3302XX-MZ-004"]
    assert {h.code for h in search(db, "zdshbz")} == {"3302XX-MZ-002", "3302XX-MZ-003", "3302XX-MZ-004"}


def test_a_later_import_fills_in_materials_and_keeps_what_it_does_not_name(db, tmp_path):
    import_catalog(db, published_xlsx(tmp_path / "清单.xlsx"))
    assert get_guide(db, "3302XX-MZ-003").materials_pending
    supplement = tmp_path / "材料.csv"
    with supplement.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([["事项名称", "实施编码", "申请材料"],
                                  ["最低生活保障审批（农村）", "3302XX-MZ-003", "居民身份证（原件）1份\n户口簿（复印件）1份"]])
    report = import_catalog(db, supplement)
    assert report.ok and report.matters_updated == 1 and report.materials_pending == 0
    rural = get_matter(db, "3302XX-MZ-003")
    assert [m.key for m in rural.materials] == ["id_card", "household_register"] and not rural.materials_pending
    # the supplement has no 实施主体 or 事项类型 column: those stay as the published list had them
    assert (rural.department, rural.power_type, rural.parent_name) == (DEPT_A, "行政给付", "最低生活保障审批")
    with db.uow() as s:
        ids = set(s.scalars(select(MaterialRequirement.id).join(Matter).where(Matter.code == "3302XX-MZ-003")))
    report = import_catalog(db, published_xlsx(tmp_path / "清单.xlsx"))  # the list again, still without them
    assert report.ok and report.materials_pending == 5
    assert [m.key for m in get_matter(db, "3302XX-MZ-003").materials] == ["id_card", "household_register"]
    with db.uow() as s:
        assert set(s.scalars(select(MaterialRequirement.id).join(Matter).where(Matter.code == "3302XX-MZ-003"))) == ids


def test_intake_records_what_was_presented_for_a_matter_without_materials(db, tmp_path):
    import_catalog(db, published_xlsx(tmp_path / "清单.xlsx"))
    with db.uow() as s:
        ensure_users(s, ensure_hall(s))
    clerk = clerk_user(db)
    info = cases.start_case(db, clerk, zhang(), matter_code="3302XX-MZ-002")
    assert info.checks == ()
    info = cases.record_extra_material(db, clerk, info.id, "  居民身份证 ")
    info = cases.record_extra_material(db, clerk, info.id, "低保申请书")
    assert [(c.name, c.status, c.count, c.form) for c in info.checks] == [
        ("居民身份证", "presented", 1, "original"), ("低保申请书", "presented", 1, "original")]
    with pytest.raises(ValidationError):
        cases.record_extra_material(db, clerk, info.id, "居民身份证")  # already listed
    key = info.checks[1].key
    assert key.startswith("extra_")
    info = cases.check_material(db, clerk, info.id, key, "presented", count=2, form="copy")
    assert (info.checks[1].count, info.checks[1].form) == (2, "copy")
    info = cases.check_material(db, clerk, info.id, info.checks[0].key, "missing")  # taken off again
    assert [c.name for c in info.checks] == ["低保申请书"]
    info = cases.accept_case(db, clerk, info.id)
    assert info.state == "accepted" and info.number
    with db.uow() as s:
        assert s.scalar(select(MaterialCheck.material_id).where(MaterialCheck.case_id == info.id)) is None


def test_a_cell_over_the_csv_field_limit_is_a_chinese_error(db, tmp_path):
    path = tmp_path / "坏.csv"
    huge = "x" * (csv.field_size_limit() + 10)
    path.write_text(f"事项名称,实施编码\n甲,A-1\n\"{huge}\",A-2\n", encoding="utf-8")
    with pytest.raises(CatalogFileError) as err:
        import_catalog(db, path)
    assert "超过" in err.value.message and "未导入任何内容" in err.value.message and "第3行" in err.value.message
    assert count(db, Matter) == 0


def test_nul_bytes_are_refused_not_stored(db, tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes("事项名称,实施编码\n户籍\x00登记,A-1\n".encode("utf-8"))
    with pytest.raises(CatalogFileError) as err:
        import_catalog(db, path)
    assert "空字符" in err.value.message and "第2行" in err.value.message
    doc = {"format": "window-clerk-catalog", "version": "v1",
           "matters": [{"code": "A-1", "name": "户籍\u0000登记"}, {"code": "A-2", "name": "好事项"}]}
    (tmp_path / "nul.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CatalogImportError) as err:
        import_catalog(db, tmp_path / "nul.json")
    assert [m for _r, m in err.value.report.errors] == ["第1个事项：事项名称含有空字符（NUL），文件可能已损坏"]
    assert count(db, Matter) == 0


def test_an_unknown_database_driver_is_a_chinese_error(tmp_path):
    for url, word in (("mysql+pymysql://u:secret@h/d", "pymysql"), ("nosuchdb://x", "无法识别")):
        with pytest.raises(StorageError) as err:
            Database(url)
        assert word in err.value.message and "secret" not in err.value.message
    data = tmp_path / "data"
    data.mkdir()
    (data / "config.json").write_text(json.dumps({"database_url": "postgresql+psycopg2://u@h/d"}), encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "clerk.cli", "--data-dir", str(data), "catalog", "search", "x"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "psycopg2" in r.stderr and "未安装" in r.stderr and "Traceback" not in r.stderr


def test_bad_rows_in_a_published_list_change_nothing(db, tmp_path):
    import_catalog(db, published_xlsx(tmp_path / "清单.xlsx"))
    items = list(ITEMS)
    items[2] = items[2][:6] + ("二十个工作日",) + items[2][7:]
    items[4] = items[4][:4] + ("急件",) + items[4][5:]
    with pytest.raises(CatalogImportError) as err:
        import_catalog(db, published_xlsx(tmp_path / "坏.xlsx", items))
    assert [r for r, _m in err.value.report.errors] == [6, 8]  # sheet rows, counted as Excel shows them
    assert get_matter(db, "3302XX-MZ-003").statutory_days == 20


def test_cli_prints_progress_and_the_published_fields(tmp_path):
    env = {"CLERK_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin",
           "CLERK_USER": "manager", "CLERK_PASSWORD": "manager123", "CLERK_DEMO": "1"}
    path = published_xlsx(tmp_path / "清单.xlsx")
    r = subprocess.run([sys.executable, "-m", "clerk.cli", "catalog", "import", str(path)], capture_output=True,
                       text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "读取文件" in r.stderr and "写入数据库 8/8（100%）" in r.stderr
    assert "已导入 8 个事项" in r.stdout and "6 个事项未列申请材料" in r.stdout and "通办范围" in r.stdout
    r = subprocess.run([sys.executable, "-m", "clerk.cli", "catalog", "show", "3302XX-SJ-002"], capture_output=True,
                       text=True, env=env, timeout=120)
    assert r.returncode == 0
    assert "主项：食品经营许可" in r.stdout and "事项类型：行政许可" in r.stdout and "材料清单待补充" in r.stdout


@pytest.mark.parametrize("text,days", [("20个工作日", 20), ("20", 20), (20.0, 20), ("即办", 0), ("当场办结", 0),
                                       ("即办件", 0), ("60个工作日（不含公告时间）", 60), ("3个月", 66), ("7个自然日", 5),
                                       ("承诺时限：5个工作日", 5), ("二十天", None), ("20个", None),
                                       ("20个工作日或30天", None)])
def test_time_limits_as_published(text, days):
    assert parse_days(text) == days


def _many(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["事项名称", "实施编码", "实施主体", "事项类型"])
        w.writerows([f"事项{i}", f"N-{i:03d}", "某县某局", "公共服务"] for i in range(n))
    return path


def test_counter_writes_get_in_between_the_import_batches(db, tmp_path, monkeypatch):
    """On SQLite the import commits every WRITE_BATCH matters. A counter writing while the import
    is in its write stage (here: from the progress callback, on its own connection) succeeds; with
    the whole import in one transaction it would wait for the lock until its busy timeout."""
    from clerk import catalog
    from clerk.models import Setting

    monkeypatch.setattr(catalog, "WRITE_BATCH", 4)
    counter = Database(db.url)
    written = []

    def progress(stage, done, total):
        if stage == "write" and 0 < done < total:
            with counter.uow() as s:
                s.merge(Setting(key="counter_probe", value=str(done)))
            written.append(done)
            with db.uow() as s:  # what the counter sees in between: the batches so far
                assert s.scalar(select(func.count()).select_from(Matter)) == done

    try:
        report = import_catalog(db, _many(tmp_path / "many.csv", 10), progress=progress)
    finally:
        counter.dispose()
    assert report.matters_created == 10 and written == [4, 8]


def test_a_database_failure_half_way_says_what_was_written_and_a_second_import_completes(db, tmp_path,
                                                                                         monkeypatch):
    from sqlalchemy import text

    from clerk import catalog

    monkeypatch.setattr(catalog, "WRITE_BATCH", 4)
    with db.engine.begin() as conn:  # the database refuses one row, as a full disk would refuse a page
        conn.execute(text("CREATE TRIGGER refuse BEFORE INSERT ON matter WHEN NEW.code = 'N-006' "
                          "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"))
    path = _many(tmp_path / "many.csv", 10)
    with pytest.raises(StorageError) as err:
        import_catalog(db, path)
    assert "前 4 个事项已写入" in err.value.message and "再次导入同一文件" in err.value.message
    assert count(db, Matter) == 4
    with db.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER refuse"))
    report = import_catalog(db, path)
    assert (report.matters_created, report.matters_updated) == (6, 4) and count(db, Matter) == 10


def test_a_two_row_header_and_excel_unicode_text(db, tmp_path):
    """"办结时限" merged over "法定办结时限 | 承诺办结时限" (a two-row header) in .xlsx; Excel's
    "Unicode text" export (UTF-16, tab-separated) as .csv."""
    wb = Workbook()
    ws = wb.active
    ws.append(["事项名称", "实施编码", "办结时限", None, "事项类型"])
    ws.append([None, None, "法定办结时限", "承诺办结时限", None])
    ws.merge_cells("C1:D1")
    ws.merge_cells("A1:A2")
    ws.merge_cells("B1:B2")
    ws.merge_cells("E1:E2")
    ws.append(["档案查询", "T-1", "5个工作日", "即办", "公共服务"])
    wb.save(tmp_path / "two.xlsx")
    report = import_catalog(db, tmp_path / "two.xlsx")
    assert report.ok and report.unknown_columns == []
    g = get_matter(db, "T-1")
    assert (g.statutory_days, g.promised_days, g.kind, g.power_type) == (5, 0, "immediate", "公共服务")
    (tmp_path / "u16.csv").write_bytes("事项名称\t实施编码\t实施主体\n户籍证明\tT-2\t某县公安局\n".encode("utf-16"))
    assert import_catalog(db, tmp_path / "u16.csv").matters_created == 1
    assert get_matter(db, "T-2").department == "某县公安局"
