"""A large synthetic catalog (``window-clerk-catalog`` JSON) for benchmarks: realistic Chinese
matter names built from department subjects × actions × qualifiers, with a fixed seed so every
run measures the same data. ``python bench/gen_catalog.py OUT.json [N]`` writes one."""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

SEED = 20261123

# (department, zone, subjects)
DEPARTMENTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("象山县公安局", "GA", ("居民身份证", "户口迁移", "出生户籍", "居住证", "临时身份证明", "机动车驾驶证",
                        "往来港澳通行证", "犬只登记", "剧毒化学品购买许可", "烟花爆竹运输许可")),
    ("象山县市场监督管理局", "SS", ("个体工商户", "有限责任公司", "食品经营许可证", "食品生产许可证", "药品零售许可",
                              "特种设备使用登记", "农民专业合作社", "计量器具检定", "广告发布登记", "股权出质")),
    ("象山县自然资源和规划局", "BDC", ("不动产首次登记", "不动产转移登记", "抵押权", "国有建设用地使用权",
                                 "建设工程规划许可证", "乡村建设规划许可证", "宅基地使用权", "林权", "测绘资质")),
    ("象山县发展和改革局", "TZ", ("企业投资项目", "固定资产投资项目节能审查", "政府投资项目建议书", "可行性研究报告",
                             "价格认定", "粮食收购资格")),
    ("象山县民政局", "SH", ("结婚登记", "离婚登记", "最低生活保障", "特困人员供养", "临时救助", "社会团体",
                         "民办非企业单位", "殡葬设施", "残疾人两项补贴", "高龄津贴")),
    ("象山县医疗保障局", "YB", ("城乡居民医保参保", "职工医保参保", "异地就医备案", "医疗费用零星报销",
                             "门诊慢特病待遇", "生育保险待遇", "医保关系转移接续")),
    ("象山县人力资源和社会保障局", "YB", ("社会保障卡", "养老保险关系转移", "失业保险金", "工伤认定",
                                    "职业技能等级证书", "就业创业证", "人力资源服务许可", "退休审批")),
    ("象山县交通运输局", "ZH", ("道路运输经营许可", "网络预约出租汽车驾驶员证", "船舶营业运输证", "公路超限运输许可")),
    ("象山县卫生健康委员会", "SH", ("医疗机构执业许可", "医师执业注册", "公共场所卫生许可", "出生医学证明",
                               "母婴保健技术服务", "放射诊疗许可")),
    ("象山县住房和城乡建设局", "TZ", ("建筑工程施工许可", "商品房预售许可", "建设工程竣工验收备案",
                                 "城镇污水排入排水管网许可", "燃气经营许可", "住房公积金提取")),
    ("象山县农业农村局", "ZH", ("农药经营许可", "兽药经营许可", "渔业捕捞许可", "农作物种子生产经营许可",
                             "动物防疫条件合格证", "农村宅基地审批")),
    ("象山县教育局", "SH", ("民办学校设立", "教师资格认定", "校外培训机构", "学生资助")),
)
ACTIONS = ("核发", "变更", "延续", "注销", "补办", "换领", "登记", "备案", "审批", "申领", "设立", "确认", "年检",
           "遗失补领", "信息查询", "证明开具")
QUALIFIERS = ("", "", "", "（首次申请）", "（迁入）", "（迁出）", "（跨省通办）", "（县级权限）", "（镇街受理）",
              "（个人）", "（单位）", "（容缺受理）", "（告知承诺制）")
MATERIALS = (
    ("id_card", "申请人居民身份证"), ("household_register", "户口簿"), ("business_license", "营业执照"),
    ("power_of_attorney", "授权委托书"), ("proxy_id_card", "代理人居民身份证"), ("photo", "近期免冠照片"),
    ("marriage_certificate", "结婚证"), ("property_certificate", "不动产权证书"), ("site_proof", "经营场所证明"),
    ("contract", "相关合同或协议"), ("drawing", "平面布置图"), ("report", "可行性研究报告"),
)
FORMS = ("original", "copy", "both", "electronic")


def _matter(rng: random.Random, i: int) -> dict[str, Any]:
    dept, zone, subjects = rng.choice(DEPARTMENTS)
    name = f"{rng.choice(subjects)}{rng.choice(ACTIONS)}{rng.choice(QUALIFIERS)}"
    immediate = rng.random() < 0.3
    statutory = 0 if immediate else rng.choice((5, 10, 15, 20, 30, 60))
    keys = rng.sample(range(len(MATERIALS)), rng.randint(2, 6))
    proxy = rng.random() < 0.4
    materials = []
    for k in keys:
        key, mname = MATERIALS[k]
        if key in ("power_of_attorney", "proxy_id_card") and not proxy:
            continue
        materials.append({"key": key, "name": mname, "form": rng.choice(FORMS), "count": rng.randint(1, 3),
                          "required": True, "core": key != "photo", "deferrable": key == "photo",
                          "shareable": key in ("id_card", "household_register", "business_license"),
                          "share_source": "省公共数据平台" if key in ("id_card", "household_register") else "",
                          "sample": "", "notes": "",
                          "when": ["who:proxy"] if proxy and key in ("power_of_attorney", "proxy_id_card") else []})
    questions = [{"key": "who", "text": "由谁办理？", "multiple": False,
                  "options": [{"key": "self", "text": "本人办理"}, {"key": "proxy", "text": "委托他人办理"}]}] if proxy else []
    return {
        "code": f"330225-{zone}-{i:05d}", "name": name, "short_name": "", "department": dept, "zone": zone,
        "kind": "immediate" if immediate else "committed", "statutory_days": statutory,
        "promised_days": 0 if immediate else max(1, statutory // rng.choice((2, 3, 4))), "fee": "不收费",
        "visits_required": rng.choice((0, 1, 1, 1)), "online": rng.random() < 0.7,
        "delivery_options": ["window", "post"] if rng.random() < 0.5 else ["window"],
        "target": rng.choice(("person", "enterprise", "both")), "legal_basis": "", "conditions": "",
        "window_script": "", "questions": questions, "materials": materials,
    }


def generate(n: int = 10_000, seed: int = SEED, bundles: int = 60) -> dict[str, Any]:
    rng = random.Random(seed)
    matters = [_matter(rng, i) for i in range(1, n + 1)]
    topics = ("出生", "入学", "就业", "开办餐饮店", "退休", "身后", "二手房交易", "企业开办", "结婚", "参军入伍")
    out_bundles = []
    for b in range(bundles):
        picks = rng.sample(range(n), rng.randint(2, 5))
        out_bundles.append({"code": f"BUNDLE-{b:03d}", "name": f"{topics[b % len(topics)]}一件事（{b // len(topics) + 1}）",
                            "description": "", "zone": "ZH", "promised_days": rng.choice((1, 2, 3, 5)),
                            "matters": [matters[p]["code"] for p in picks]})
    return {"format": "window-clerk-catalog", "version": f"bench-{n}-{seed}", "matters": matters,
            "bundles": out_bundles}


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python bench/gen_catalog.py OUT.json [N]", file=sys.stderr)
        return 2
    doc = generate(int(argv[1]) if len(argv) > 1 else 10_000)
    Path(argv[0]).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    print(f"wrote {len(doc['matters'])} matters, {len(doc['bundles'])} bundles to {argv[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
