"""Search over the catalog: Chinese substrings, pinyin, initials, codes, departments; ranking by
match kind then by use count; bundles among the hits; the index follows catalog changes."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

from clerk.catalog import import_catalog, record_use, search
from clerk.catalog_io import material_key, parse_days, parse_materials
from clerk.errors import NotFound
from clerk.search import SearchIndex, initials_variants, make_search_text

SMALL = Path(__file__).parents[1] / "fixtures" / "catalog_small.json"


@pytest.fixture
def cat(db):
    import_catalog(db, SMALL)
    return db


def codes(hits):
    return [h.code for h in hits]


def test_chinese_substring_finds_by_name(cat):
    hits = search(cat, "户籍")
    assert codes(hits) == ["330225-GA-0001"]
    assert hits[0].matched == "名称" and hits[0].department == "象山县公安局" and hits[0].zone == "GA"


def test_initials_and_full_pinyin(cat):
    assert codes(search(cat, "hjdj")) == ["330225-GA-0001"]
    assert search(cat, "hjdj")[0].matched == "首字母"
    assert codes(search(cat, "hujidengji")) == ["330225-GA-0001"]
    assert codes(search(cat, "hu ji deng ji")) == ["330225-GA-0001"]
    assert search(cat, "HuJiDengJi")[0].matched == "拼音"
    assert codes(search(cat, "sbk")) == ["330225-YB-0003"]  # 社保卡, the short name


def test_polyphone_initials_accept_either_reading(cat):
    """行政 is xingzheng; a clerk typing the 'hang' reading still finds it."""
    assert codes(search(cat, "xzsy")) == ["330225-ZH-0006"]
    assert codes(search(cat, "hzsy")) == ["330225-ZH-0006"]
    assert codes(search(cat, "xingzheng")) == ["330225-ZH-0006"]


def test_code_prefix_and_substring(cat):
    assert codes(search(cat, "330225-GA-0001")) == ["330225-GA-0001"]
    assert search(cat, "330225-GA-0001")[0].matched == "编码"
    assert set(codes(search(cat, "330225-yb"))) == {"330225-YB-0002", "330225-YB-0003"}
    assert codes(search(cat, "bdc-0005")) == ["330225-BDC-0005"]


def test_department(cat):
    hits = search(cat, "医疗保障局")
    assert codes(hits) == ["330225-YB-0002"] and hits[0].matched == "部门"


def test_bundles_appear_and_kinds_filter(cat):
    hits = search(cat, "出生")
    assert ("bundle", "BUNDLE-BIRTH") in [(h.kind, h.code) for h in hits]
    assert hits[0].code == "BUNDLE-BIRTH"  # name prefix beats the matter whose short name matches
    assert all(h.kind == "matter" for h in search(cat, "出生", kinds=("matter",)))
    assert codes(search(cat, "csyjs")) == ["BUNDLE-BIRTH"]


def test_name_match_ranks_above_department_match(cat):
    """'保障' is in the name 社会保障卡申领 and only in the department of 医保参保登记."""
    hits = search(cat, "保障")
    assert [(h.code, h.matched) for h in hits] == [("330225-YB-0003", "名称"), ("330225-YB-0002", "部门")]
    assert hits[0].score > hits[1].score
    assert all(h.matched == "名称" for h in search(cat, "登记"))


def test_use_count_breaks_ties_without_rebuild(cat):
    before = search(cat, "330225-yb")
    assert codes(before) == ["330225-YB-0003", "330225-YB-0002"]  # equal score: shorter name first
    for _ in range(3):
        record_use(cat, "330225-YB-0002")
    assert codes(search(cat, "330225-yb")) == ["330225-YB-0002", "330225-YB-0003"]


def test_record_use_of_unknown_code_is_refused(cat):
    with pytest.raises(NotFound) as err:
        record_use(cat, "NOPE")
    assert "不存在" in err.value.message


def test_multi_word_chinese_query_needs_every_word(cat):
    assert codes(search(cat, "公安 户籍")) == ["330225-GA-0001"]
    assert search(cat, "公安 社保卡") == []


def test_empty_and_unmatched_queries(cat):
    assert search(cat, "") == [] and search(cat, "   ") == []
    assert search(cat, "zzzzqqq") == []
    assert len(search(cat, "登记", limit=2)) == 2


def test_search_follows_a_reimport(cat, tmp_path):
    doc = SMALL.read_text(encoding="utf-8").replace("社会保障卡申领", "社会保障卡补领").replace(
        '"test-small-1"', '"test-small-2"')
    assert codes(search(cat, "申领")) == ["330225-YB-0003"]
    (tmp_path / "v2.json").write_text(doc, encoding="utf-8")
    import_catalog(cat, tmp_path / "v2.json")
    assert search(cat, "申领") == []
    assert codes(search(cat, "补领")) == ["330225-YB-0003"]


def test_concurrent_searches_agree(cat):
    results: list[list[str]] = []

    def worker() -> None:
        for q in ("hjdj", "户籍", "330225", "sbk"):
            results.append(codes(search(cat, q)))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 32
    assert results.count(["330225-GA-0001"]) == 16


def test_index_without_database():
    rows = [("matter", "A1", "户籍登记", "县公安局", "GA", make_search_text("户籍登记", "", "A1", "县公安局"), 0),
            ("matter", "A2", "户籍迁移登记", "县公安局", "GA", "", 5)]  # no search_text: computed
    idx = SearchIndex(rows)
    assert len(idx) == 2
    assert codes(idx.search("户籍")) == ["A2", "A1"]  # both name prefixes; A2 used more
    assert idx.search("户籍登记")[0].code == "A1"    # exact name first
    assert codes(idx.search("hjqy")) == ["A2"]


def test_initials_variants_put_the_phrase_reading_first():
    assert initials_variants("户籍登记") == ["hjdj"]
    assert initials_variants("银行")[0] == "yh"
    assert "yx" in initials_variants("银行")


def test_material_keys_and_cell_parsing():
    assert material_key("申请人居民身份证") == "id_card"
    assert material_key("户口本") == "household_register"
    assert material_key("代理人身份证") == "proxy_id_card"
    assert material_key("营业执照副本") == "business_license"
    assert material_key("出生登记申请表") == "chu_sheng_deng_ji_shen_qing_biao"
    mats = parse_materials("1、居民身份证（原件）1份\n2.户口簿（原件及复印件）2份；结婚证(复印件)；"
                           "近期免冠照片（容缺）;身份证（复印件）")
    assert [(m["key"], m["name"], m["form"], m["count"]) for m in mats] == [
        ("id_card", "居民身份证", "original", 1), ("household_register", "户口簿", "both", 2),
        ("marriage_certificate", "结婚证", "copy", 1), ("photo", "近期免冠照片", "original", 1),
        ("id_card_2", "身份证", "copy", 1)]
    assert mats[3]["deferrable"] and not mats[3]["core"]


@pytest.mark.parametrize("text,days", [("20个工作日", 20), ("20", 20), (20.0, 20), ("即办", 0), ("", 0),
                                       ("5天", 5), ("二十天", None), ("约20日", None), (-1, None)])
def test_parse_days(text, days):
    assert parse_days(text) == days


def test_another_workstations_import_is_seen(cat, tmp_path, monkeypatch):
    """Same database, second engine (another workstation): its import re-stamps the catalog and
    our cached index rebuilds at the next check, even though the version string is unchanged."""
    import clerk.search
    from clerk.db import Database

    monkeypatch.setattr(clerk.search, "RECHECK_SECONDS", 0.0)
    assert codes(search(cat, "申领")) == ["330225-YB-0003"]
    other = Database(cat.url)
    try:
        (tmp_path / "edited.json").write_text(
            SMALL.read_text(encoding="utf-8").replace("社会保障卡申领", "社会保障卡补领"), encoding="utf-8")
        import_catalog(other, tmp_path / "edited.json")
    finally:
        other.dispose()
    assert search(cat, "申领") == []
    assert codes(search(cat, "补领")) == ["330225-YB-0003"]


def test_search_in_memory_answers_without_sql_and_says_when_the_stamp_must_be_checked(cat):
    """The intake box's keystroke path: no index yet → nothing (the worker builds it); a fresh
    index → the same hits as ``search`` with no SQL; an index not checked lately → its hits,
    flagged stale, and a catalog changed meanwhile is seen by the worker's ``search``."""
    from sqlalchemy import event

    from clerk import search as search_mod
    from clerk.catalog import search_in_memory

    search_mod.invalidate(cat.engine)
    assert search_in_memory(cat, "户籍") == (None, False)
    expected = codes(search(cat, "户籍"))
    statements: list[str] = []
    event.listen(cat.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    hits, fresh = search_in_memory(cat, "户籍")
    assert fresh and codes(hits) == expected == ["330225-GA-0001"] and statements == []
    search_mod._cache_for(cat.engine).checked -= search_mod.RECHECK_SECONDS + 1  # time passes
    hits, fresh = search_in_memory(cat, "户籍")
    assert not fresh and codes(hits) == expected and statements == []


def test_the_search_reads_the_catalog_while_another_process_writes(cat):
    """A search that must (re)build the index reads without SQLite's write lock: a writer
    holding it (another window's transaction) does not make the search wait or fail."""
    import sqlite3

    from clerk import search as search_mod
    from clerk.db import sqlite_path

    search_mod.invalidate(cat.engine)
    other = sqlite3.connect(sqlite_path(cat.url), timeout=0.1, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE setting SET value = value WHERE key = 'nothing'")
        assert codes(search(cat, "户籍")) == ["330225-GA-0001"]
    finally:
        other.execute("ROLLBACK")
        other.close()
