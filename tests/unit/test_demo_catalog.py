"""The demo catalog (clerk/data/demo_catalog.json) is complete, consistent and exactly what
tools/make_demo_catalog.py writes: every rule the importer and the clerk rely on is checked on the
shipped file, so a hand edit or a careless generator change fails here."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from clerk.zones import DEFAULT_ZONES

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "clerk" / "data" / "demo_catalog.json"
GENERATOR = ROOT / "tools" / "make_demo_catalog.py"
FORMS = {"original", "copy", "both", "electronic"}
DELIVERY = {"window", "post", "electronic"}
NAMED_BUNDLES = {"出生一件事", "身后一件事", "企业开办一件事", "二手房交易登记一件事"}


@pytest.fixture(scope="module")
def catalog() -> dict[str, Any]:
    return json.loads(CATALOG.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def matters(catalog: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["code"]: m for m in catalog["matters"]}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(GENERATOR), *args], capture_output=True, text=True,
                          encoding="utf-8", cwd=ROOT, check=False)


def test_shipped_file_is_exactly_the_generator_output(tmp_path: Path) -> None:
    out = tmp_path / "demo_catalog.json"
    done = _run("--output", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == CATALOG.read_bytes(), "请运行 python tools/make_demo_catalog.py 重新生成"


def test_check_mode_accepts_the_shipped_file_and_refuses_a_stale_one(tmp_path: Path) -> None:
    assert _run("--check").returncode == 0
    stale = tmp_path / "stale.json"
    stale.write_text(CATALOG.read_text(encoding="utf-8").replace("出生一件事", "出生一件", 1), encoding="utf-8")
    done = _run("--check", "--output", str(stale))
    assert done.returncode == 1
    assert "不是最新" in done.stderr


def test_header_counts_zones_and_codes(catalog: dict[str, Any], matters: dict[str, dict[str, Any]]) -> None:
    assert catalog["format"] == "window-clerk-catalog"
    assert catalog["version"]
    assert len(catalog["matters"]) >= 90
    assert len(matters) == len(catalog["matters"]), "matter codes must be unique"
    assert len({m["name"] for m in catalog["matters"]}) == len(matters), "matter names must be unique"
    assert {m["zone"] for m in catalog["matters"]} == {z.code for z in DEFAULT_ZONES}
    for code in matters:
        assert len(code) <= 40 and re.fullmatch(r"330225-[A-Z]{2}-\d{4}", code), code


def test_every_matter_has_a_complete_guide(catalog: dict[str, Any]) -> None:
    for m in catalog["matters"]:
        where = f"{m['code']} {m['name']}"
        assert m["kind"] in ("immediate", "committed"), where
        assert 0 <= m["promised_days"] <= m["statutory_days"], where
        assert (m["promised_days"] == 0) == (m["kind"] == "immediate"), where
        assert m["visits_required"] in (0, 1), where
        if m["visits_required"] == 0:
            assert m["online"] is True, where
        assert m["delivery_options"] and set(m["delivery_options"]) <= DELIVERY, where
        assert "window" in m["delivery_options"], where
        assert m["target"] in ("person", "enterprise", "both"), where
        assert "象山" in m["department"], where
        for field in ("short_name", "fee", "legal_basis", "conditions", "window_script"):
            assert isinstance(m[field], str) and m[field].strip(), f"{where}: {field}"
        assert "《" in m["legal_basis"], where
        assert len(m["short_name"]) <= 12, where
        assert any(x["core"] for x in m["materials"]), f"{where}: no core material"


def test_immediate_share_is_about_a_third(catalog: dict[str, Any]) -> None:
    kinds = [m["kind"] for m in catalog["matters"]]
    share = kinds.count("immediate") / len(kinds)
    assert 0.25 <= share <= 0.35, share


def test_questions_options_and_when_are_consistent(catalog: dict[str, Any]) -> None:
    for m in catalog["matters"]:
        where = m["code"]
        qkeys = [q["key"] for q in m["questions"]]
        assert len(set(qkeys)) == len(qkeys), where
        options = set()
        for q in m["questions"]:
            assert q["text"] and len(q["options"]) >= 2, f"{where} {q['key']}"
            okeys = [o["key"] for o in q["options"]]
            assert len(set(okeys)) == len(okeys), f"{where} {q['key']}"
            options |= {f"{q['key']}:{k}" for k in okeys}
        used = set()
        for x in m["materials"]:
            assert set(x["when"]) <= options, f"{where} {x['key']}: {x['when']}"
            used |= set(x["when"])
        if "who:proxy" in options:
            proxy = {x["key"] for x in m["materials"] if x["when"] == ["who:proxy"]}
            assert {"proxy_id_card", "power_of_attorney"} <= proxy, where


def test_materials_are_well_formed(catalog: dict[str, Any]) -> None:
    sources: dict[str, set[str]] = defaultdict(set)
    for m in catalog["matters"]:
        keys = [x["key"] for x in m["materials"]]
        assert len(set(keys)) == len(keys), f"{m['code']}: duplicate material key"
        for x in m["materials"]:
            where = f"{m['code']} {x['key']}"
            assert x["form"] in FORMS, where
            assert isinstance(x["count"], int) and x["count"] >= 1, where
            assert not (x["core"] and x["deferrable"]), f"{where}: a core material cannot be deferred"
            assert x["shareable"] == bool(x["share_source"]), where
            assert re.fullmatch(r"[a-z][a-z0-9_]*", x["key"]), where
            if x["shareable"]:
                sources[x["key"]].add(x["share_source"])
    # The same document is fetched from the same system wherever it appears.
    assert {k: v for k, v in sources.items() if len(v) > 1} == {}
    assert sources["id_card"] == {"公安人口信息库"}
    assert sources["household_register"] == {"公安户籍系统"}
    assert sources["business_license"] == {"市场主体登记系统"}
    assert sources["marriage_certificate"] == {"民政婚姻登记系统"}
    assert sources["property_certificate"] == {"不动产登记系统"}
    assert sources["birth_medical_certificate"] == {"卫健出生医学证明电子证照"}


def test_situations_deferral_and_sharing_are_common(catalog: dict[str, Any]) -> None:
    ms = catalog["matters"]
    assert sum(1 for m in ms if m["questions"]) >= 30
    both = [m for m in ms if any(x["deferrable"] for x in m["materials"])
            and any(x["shareable"] for x in m["materials"])]
    assert len(both) >= 10
    materials = [x for m in ms for x in m["materials"]]
    deferrable = sum(x["deferrable"] for x in materials) / len(materials)
    assert 0.08 <= deferrable <= 0.25, deferrable


def test_bundles_reference_real_matters_that_share_materials(
        catalog: dict[str, Any], matters: dict[str, dict[str, Any]]) -> None:
    bundles = catalog["bundles"]
    assert len(bundles) >= 5
    assert NAMED_BUNDLES <= {b["name"] for b in bundles}
    assert len({b["code"] for b in bundles}) == len(bundles)
    zones = {z.code for z in DEFAULT_ZONES}
    for b in bundles:
        codes = b["matters"]
        assert len(codes) >= 3 and len(set(codes)) == len(codes), b["name"]
        assert all(c in matters for c in codes), b["name"]
        assert b["zone"] in zones and b["description"], b["name"]
        # The bundle promise covers its slowest matter.
        assert b["promised_days"] >= max(matters[c]["promised_days"] for c in codes), b["name"]
        seen: dict[str, int] = defaultdict(int)
        for c in codes:
            for key in {x["key"] for x in matters[c]["materials"]} - {"application_form"}:
                seen[key] += 1
        assert any(n >= 2 for n in seen.values()), f"{b['name']}: its matters share no material"


def test_named_bundles_hold_the_expected_matters(catalog: dict[str, Any],
                                                 matters: dict[str, dict[str, Any]]) -> None:
    names = {b["name"]: [matters[c]["name"] for c in b["matters"]] for b in catalog["bundles"]}
    assert "出生登记（新生儿入户）" in names["出生一件事"]
    assert "社会保障卡申领" in names["出生一件事"]
    assert "死亡注销户口" in names["身后一件事"]
    assert "丧葬补助金和抚恤金申领" in names["身后一件事"]
    assert names["企业开办一件事"][0] == "有限责任公司设立登记"
    assert names["二手房交易登记一件事"][:2] == ["存量房交易税费申报",
                                           "国有建设用地使用权及房屋所有权转移登记（存量房买卖）"]


def test_the_importer_takes_the_demo_catalog_without_a_problem(db) -> None:
    from clerk.catalog import import_catalog

    report = import_catalog(db, CATALOG)
    assert report.errors == []
    assert report.matters_created == len(json.loads(CATALOG.read_text(encoding="utf-8"))["matters"])
    assert report.bundles_created >= 5


def test_common_matters_have_an_application_form_and_shared_fields_agree(
        catalog: dict[str, Any], matters: dict[str, dict[str, Any]]) -> None:
    from clerk.forms import check_records

    with_form = {m["name"]: m["form_fields"] for m in catalog["matters"] if m.get("form_fields")}
    assert len(with_form) >= 10
    for name in ("出生登记（新生儿入户）", "个体工商户设立登记", "死亡注销户口"):
        assert any(f["required"] for f in with_form[name]), name
    # 社保卡 is made on the spot (即办): nothing to type, the common acceptance stays ≤ 8 keys
    assert not any(f["required"] for f in with_form["社会保障卡申领"])
    birth = {f["label"]: f for f in with_form["出生登记（新生儿入户）"]}
    assert {"新生儿姓名", "性别", "出生日期", "出生地点", "申报人与新生儿关系"} <= set(birth)
    assert birth["出生日期"]["type"] == "date" and birth["性别"]["options"] == ["男", "女"]
    for name, fields in with_form.items():
        assert check_records(fields) == [], name
    # a key means the same item everywhere: one label and type, so a bundle can ask it once
    seen: dict[str, tuple[str, str]] = {}
    for fields in with_form.values():
        for f in fields:
            assert seen.setdefault(f["key"], (f["label"], f["type"])) == (f["label"], f["type"]), f["key"]
    birth_bundle = next(b for b in catalog["bundles"] if b["name"] == "出生一件事")
    asked = [f["key"] for c in birth_bundle["matters"] for f in matters[c].get("form_fields", [])]
    assert asked.count("contact_phone") >= 2  # asked once on the bundle's form
