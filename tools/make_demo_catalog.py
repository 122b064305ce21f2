"""Generate ``clerk/data/demo_catalog.json``: the demo catalog of 象山县行政服务中心.

The matters and bundles live here as Python data, grouped by department; the JSON file is only
ever written by this script (``python tools/make_demo_catalog.py``) and a unit test checks the two
agree. One rule: a matter's code never changes once given — add a matter with a new number.

Material keys name the same document in every matter (``id_card``, ``household_register``,
``application_form``, ``business_license`` …) so a bundle (一件事) asks for it once.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

FORMAT = "window-clerk-catalog"
VERSION = "2026.11-demo"
DIVISION = "330225"  # 象山县 administrative division code: prefix of every matter code
OUT = Path(__file__).resolve().parents[1] / "clerk" / "data" / "demo_catalog.json"

# Where a shareable material is fetched from instead of asking the applicant (数据共享).
S_POP = "公安人口信息库"
S_HH = "公安户籍系统"
S_MKT = "市场主体登记系统"
S_MAR = "民政婚姻登记系统"
S_BDC = "不动产登记系统"
S_BIRTH = "卫健出生医学证明电子证照"
S_DEATH = "卫健死亡医学证明电子证照"
S_FUNERAL = "民政殡葬管理信息系统"
S_DIS = "全国残疾人人口基础数据库"
S_SI = "人社社会保险信息系统"
S_MI = "医保信息平台"
S_TAX = "税务征管系统"
S_CONTRACT = "房屋网签备案系统"
S_PROJ = "投资项目在线审批监管平台"
S_TRAFFIC = "公安交通管理信息系统"
S_HOSP = "医疗机构体检信息联网系统"
S_EDU = "学信网学历电子证照"

# 不动产登记费: 住宅 80 元/件, 非住宅 550 元/件, 一本证书免工本费 (发改价格规〔2016〕2559号 口径).
FEE_BDC = "住宅类不动产登记费80元/件，非住宅类550元/件（均含第一本证书工本费，每增发一本加收10元）；小微企业免收"
FEE_TAX = "依法计征税款，不收取其他费用"

Material = dict[str, Any]
Question = dict[str, Any]


# ----------------------------------------------------------------------------- builders

def _when(when: str | Iterable[str]) -> list[str]:
    return [when] if isinstance(when, str) else list(when)


def mat(key: str, name: str, form: str = "original", count: int = 1, *, optional: bool = False,
        core: bool = False, defer: bool = False, share: str = "", when: str | Iterable[str] = (),
        notes: str = "", sample: str = "") -> Material:
    """One 申请材料. ``defer`` marks it 可容缺 (never for core materials); ``share`` names the
    system it can be fetched from (可共享获取)."""
    if core and defer:
        raise ValueError(f"核心材料不能容缺: {key} {name}")
    return {"key": key, "name": name, "form": form, "count": count, "required": not optional,
            "core": core, "deferrable": defer, "shareable": bool(share), "share_source": share,
            "sample": sample, "notes": notes, "when": _when(when)}


def id_card(name: str = "申请人居民身份证", **kw: Any) -> Material:
    return mat("id_card", name, **{"core": True, "share": S_POP, **kw})


def household(name: str = "申请人户口簿", **kw: Any) -> Material:
    return mat("household_register", name, **{"core": True, "share": S_HH, **kw})


def form(name: str, **kw: Any) -> Material:
    """Each application form is its own document: two matters share a form only when the form
    is the same one (same name), so a bundle never merges different forms into one line."""
    from pypinyin import Style, lazy_pinyin

    letters = "".join(s[0] for s in lazy_pinyin(name.split("（")[0], style=Style.FIRST_LETTER) if s and s[0].isalpha())
    return mat(f"form_{letters[:40]}", name, **{"core": True, **kw})


def license_(name: str = "营业执照", **kw: Any) -> Material:
    return mat("business_license", name, **{"core": True, "share": S_MKT, **kw})


def marriage(name: str = "结婚证", **kw: Any) -> Material:
    return mat("marriage_certificate", name, **{"share": S_MAR, **kw})


def property_cert(name: str = "不动产权证书（或房屋所有权证、国有土地使用证）", **kw: Any) -> Material:
    return mat("property_certificate", name, **{"core": True, "share": S_BDC, **kw})


def birth_cert(name: str = "《出生医学证明》", **kw: Any) -> Material:
    return mat("birth_medical_certificate", name, **{"core": True, "share": S_BIRTH, **kw})


def death_cert(name: str = "《居民死亡医学证明（推断）书》", **kw: Any) -> Material:
    return mat("death_certificate", name, **{"core": True, "share": S_DEATH, **kw})


def bank_card(name: str = "本人社会保障卡或银行卡（用于发放待遇）", **kw: Any) -> Material:
    # 银行账户只用于发放待遇, 受理时可容缺, 发放前补齐即可.
    return mat("bank_card", name, **{"defer": True, **kw})


def q(key: str, text: str, *options: str, multiple: bool = False) -> Question:
    """A situation question; each option is written ``"key:text"``."""
    opts = [dict(zip(("key", "text"), o.split(":", 1), strict=True)) for o in options]
    return {"key": key, "text": text, "multiple": multiple, "options": opts}


WHO_PERSON = q("who", "由谁办理？", "self:本人办理", "proxy:委托代理人办理")
WHO_ENTERPRISE = q("who", "由谁办理？", "legal:法定代表人（负责人、经营者）本人办理", "proxy:委托代理人办理")
PROXY_MATERIALS = (
    mat("proxy_id_card", "代理人居民身份证", core=True, share=S_POP, when="who:proxy"),
    mat("power_of_attorney", "授权委托书（委托人签字或盖章）", core=True, when="who:proxy"),
)


def _delivery(post: bool, online: bool) -> list[str]:
    # Matters handled online also hand over an electronic result (电子证照、电子证明).
    return ["window"] + (["post"] if post else []) + (["electronic"] if online else [])


class Dept:
    """Makes the matters of one department: code ``330225-{tag}-{no:04d}``, default zone."""

    def __init__(self, tag: str, name: str, zone: str) -> None:
        self.tag, self.name, self.zone = tag, name, zone

    def __call__(self, no: int, name: str, short: str, *, days: tuple[int, int], basis: str,
                 cond: str, script: str, materials: Iterable[Material], fee: str = "不收费",
                 visits: int = 1, online: bool = False, post: bool | None = None,
                 target: str = "person", zone: str | None = None, proxy: bool = False,
                 questions: Iterable[Question] = ()) -> dict[str, Any]:
        statutory, promised = days
        kind = "immediate" if promised == 0 else "committed"
        # An immediate matter is handed over on the spot; a committed one may also go by post.
        post = kind == "committed" if post is None else post
        qs, mats = list(questions), list(materials)
        if proxy:
            qs.insert(0, WHO_ENTERPRISE if target == "enterprise" else WHO_PERSON)
            mats += PROXY_MATERIALS
        return {
            "code": f"{DIVISION}-{self.tag}-{no:04d}", "name": name, "short_name": short,
            "department": self.name, "zone": zone or self.zone, "kind": kind,
            "statutory_days": statutory, "promised_days": promised, "fee": fee,
            "visits_required": visits, "online": online or visits == 0,
            "delivery_options": _delivery(post, online or visits == 0), "target": target,
            "legal_basis": basis, "conditions": cond, "window_script": script,
            "questions": qs, "materials": mats,
        }


GA = Dept("GA", "象山县公安局", "GA")
JJ = Dept("JJ", "象山县公安局交通警察大队", "GA")
SJ = Dept("SJ", "象山县市场监督管理局", "SS")
ZR = Dept("ZR", "象山县自然资源和规划局", "BDC")
SW = Dept("SW", "国家税务总局象山县税务局", "ZH")
FG = Dept("FG", "象山县发展和改革局", "TZ")
ZJ = Dept("ZJ", "象山县住房和城乡建设局", "TZ")
HB = Dept("HB", "宁波市生态环境局象山分局", "TZ")
SL = Dept("SL", "象山县水利局", "TZ")
MZ = Dept("MZ", "象山县民政局", "SH")
WJ = Dept("WJ", "象山县卫生健康局", "SH")
JY = Dept("JY", "象山县教育局", "SH")
TY = Dept("TY", "象山县退役军人事务局", "SH")
CL = Dept("CL", "象山县残疾人联合会", "SH")
SF = Dept("SF", "象山县司法局", "ZH")
YB = Dept("YB", "象山县医疗保障局", "YB")
RS = Dept("RS", "象山县人力资源和社会保障局", "YB")
GJ = Dept("GJ", "宁波市住房公积金管理中心象山分中心", "ZH")
YC = Dept("YC", "象山县烟草专卖局", "ZH")
JT = Dept("JT", "象山县交通运输局", "ZH")
GS = Dept("GS", "象山县自来水有限公司", "ZH")
GD = Dept("GD", "国网浙江象山县供电有限公司", "ZH")
RQ = Dept("RQ", "象山县燃气有限公司", "ZH")
YH = Dept("YH", "象山县行政服务中心（驻厅银行）", "ZH")


# ----------------------------------------------------------------------------- 公安 (户籍、身份证、出入境、交警)

HUKOU_LAW = "《中华人民共和国户口登记条例》"
ID_LAW = "《中华人民共和国居民身份证法》"

PUBLIC_SECURITY = [
    GA(1, "出生登记（新生儿入户）", "出生入户", days=(20, 0),
       basis=f"{HUKOU_LAW}第七条", proxy=True,
       cond="婴儿出生后一个月内，由户主、亲属、抚养人或者邻居向婴儿常住地户口登记机关申报出生登记；随父或随母落户。",
       script="请带好宝宝的《出生医学证明》、父母双方身份证、落户方户口簿；结婚证系统能查到就不用带。"
              "材料齐全当场办好，户口簿新增页当场给您。",
       questions=[q("parents", "父母婚姻状况？", "married:父母已登记结婚", "unmarried:非婚生育"),
                  q("follow", "随父还是随母落户？", "father:随父落户", "mother:随母落户")],
       materials=[form("出生登记申报表（现场填写）"),
                  birth_cert(),
                  id_card("父母双方居民身份证"),
                  household("落户方户口簿"),
                  marriage("父母结婚证", when="parents:married"),
                  mat("unmarried_statement", "非婚生育情况说明（父母双方签字）", when="parents:unmarried"),
                  mat("paternity_proof", "亲子鉴定证明", when="parents:unmarried", optional=True,
                      notes="随父落户且父母未登记结婚时提供")]),
    GA(2, "死亡注销户口", "死亡销户", days=(20, 0),
       basis=f"{HUKOU_LAW}第八条",
       cond="公民死亡后，由户主、亲属、抚养人或者邻居向户口登记机关申报死亡登记，注销户口。",
       script="请带逝者的户口簿、身份证和《居民死亡医学证明（推断）书》，再带上您本人的身份证。"
              "当场注销，户口簿盖章后退回。社保、医保、公积金这些身后事可以在这一个窗口一起办。",
       questions=[q("place", "死亡情形？", "natural:正常死亡（医院或家中）", "unnatural:非正常死亡")],
       materials=[form("死亡注销户口申报表（现场填写）"),
                  id_card("经办亲属居民身份证"),
                  death_cert(when="place:natural"),
                  mat("police_death_proof", "公安机关出具的非正常死亡证明", core=True, when="place:unnatural"),
                  mat("deceased_household_register", "逝者户口簿", core=True, share=S_HH),
                  mat("deceased_id_card", "逝者居民身份证（交回注销）", defer=True,
                      notes="遗失的可现场书面说明")]),
    GA(3, "户口迁入登记（投靠、婚迁、购房落户）", "户口迁入", days=(20, 5),
       basis=f"{HUKOU_LAW}；《浙江省人民政府关于进一步推进户籍制度改革的实施意见》", proxy=True,
       cond="符合本县落户政策的夫妻投靠、子女投靠父母、父母投靠子女或在城镇购买合法稳定住所的人员。",
       script="请带迁移人的身份证、户口簿和被投靠人的户口簿，再按投靠类型带结婚证、亲属关系证明或房产证。"
              "省内迁入一站式办理，跨省迁入全程网上流转，5个工作日内办好，您不用回原籍开迁移证。",
       questions=[q("reason", "迁入类型？", "spouse:夫妻投靠", "child:子女投靠父母",
                    "parent:父母投靠子女", "house:购房落户"),
                  q("origin", "迁出地？", "province:省内迁入", "other:省外迁入（跨省通办）")],
       materials=[form("户口迁移申请表"),
                  id_card("迁移人居民身份证"),
                  household("迁移人户口簿"),
                  mat("host_household_register", "被投靠人户口簿", core=True, share=S_HH,
                      when=["reason:spouse", "reason:child", "reason:parent"]),
                  marriage(when="reason:spouse"),
                  mat("relationship_proof", "亲属关系证明（出生医学证明或户籍证明）", share=S_HH,
                      when=["reason:child", "reason:parent"]),
                  property_cert("落户住所不动产权证书", when="reason:house"),
                  mat("owner_consent", "房屋产权人同意落户的书面意见", defer=True,
                      when=["reason:spouse", "reason:child", "reason:parent"],
                      notes="落户地址非本人或被投靠人产权时提供")]),
    GA(4, "户口登记项目变更更正（姓名、出生日期、民族）", "户口项目变更", days=(30, 10),
       basis=f"{HUKOU_LAW}第十七条、第十八条", proxy=True,
       cond="常住人口登记表、户口簿登记项目与事实不符，或依法需要变更姓名、民族成份的。",
       script="请带本人身份证、户口簿和能证明真实情况的原始依据，比如出生医学证明、早期档案。"
              "我们调查核实后10个工作日内办结，结果当面或邮寄给您。",
       questions=[q("item", "变更更正哪一项？", "name:姓名", "birth:出生日期", "nation:民族成份")],
       materials=[form("户口登记项目变更更正申请表"),
                  id_card(),
                  household(),
                  mat("change_evidence", "变更更正依据（出生医学证明、入学档案、招工招干档案等）", "both",
                      when=["item:name", "item:birth"]),
                  mat("nation_proof", "父母双方民族成份证明", share=S_HH, when="item:nation"),
                  mat("photo", "近期一寸免冠彩色照片", count=2, defer=True)]),
    GA(5, "居民身份证申领（首次）", "身份证首领", days=(60, 15), fee="工本费20元",
       basis=ID_LAW,
       cond="居住在中华人民共和国境内的中国公民；未满16周岁的可以申领，由监护人代为申请。",
       script="请带户口簿，本人到场，我们现场拍照、采集指纹，不用自己带照片。"
              "15个工作日内制好，可以来窗口领，也可以邮寄到家。",
       questions=[q("age", "申领人年龄？", "adult:年满16周岁", "minor:未满16周岁")],
       materials=[form("居民身份证申领登记表（现场采集打印）"),
                  household(),
                  mat("guardian_id_card", "监护人居民身份证", core=True, share=S_POP, when="age:minor")]),
    GA(6, "居民身份证换领（有效期满、证件损坏）", "身份证换领", days=(60, 15),
       fee="有效期满换领工本费20元；损坏换领40元",
       basis=f"{ID_LAW}第十一条",
       cond="居民身份证有效期满、登记项目变更或者严重损坏不能辨认的，应当换领新证。",
       script="请本人带原身份证到场，现场拍照采集指纹。外地户籍在象山也能办，跨省通办。"
              "15个工作日内制好，可以窗口领或邮寄。",
       questions=[q("reason", "换领原因？", "expired:有效期满", "damaged:证件损坏", "changed:登记项目变更")],
       materials=[form("居民身份证申领登记表（现场采集打印）"),
                  id_card("原居民身份证（交回）"),
                  household(when="reason:changed", notes="登记项目变更后换领时提供")]),
    GA(7, "居民身份证补领", "身份证补领", days=(60, 15), fee="工本费40元",
       basis=f"{ID_LAW}第十一条",
       cond="居民身份证丢失的，应当申请补领；补领后原证自动作废。",
       script="身份证丢了请本人到场，带户口簿更好，没带也能通过系统核验身份。"
              "现场拍照采集指纹，15个工作日内制好；急用的可以同时办一张临时身份证。",
       materials=[form("居民身份证申领登记表（现场采集打印）"),
                  household(optional=True, notes="未带的由民警通过人口信息系统核验身份")]),
    GA(8, "临时居民身份证申领", "临时身份证", days=(3, 0), fee="工本费10元",
       basis="《中华人民共和国临时居民身份证管理办法》",
       cond="正在申领、换领、补领居民身份证期间，急需使用居民身份证的。",
       script="请本人带户口簿来，现场拍照。当场发证，有效期三个月。",
       materials=[form("临时居民身份证申领登记表"),
                  household(),
                  mat("photo", "近期一寸免冠彩色照片", notes="窗口可现场拍摄")]),
    GA(9, "居住证申领", "居住证", days=(15, 5), fee="首次申领不收费",
       basis="《居住证暂行条例》；《浙江省流动人口居住登记条例》",
       cond="在本县居住半年以上，有合法稳定就业、合法稳定住所、连续就读条件之一的非本县户籍人员。",
       script="请带身份证，再按情况带劳动合同或营业执照、租房合同或房产证、学生证明其中一样。"
              "现场拍照，5个工作日内制好，可以邮寄。",
       questions=[q("basis", "申领依据？", "work:合法稳定就业", "house:合法稳定住所", "study:连续就读")],
       materials=[form("居住证申领登记表"),
                  id_card(),
                  mat("labor_contract", "劳动合同或营业执照", "copy", when="basis:work", share=S_SI,
                      notes="已在本县参保的可共享社保缴纳记录"),
                  mat("residence_proof", "房屋租赁合同或不动产权证书", "copy", when="basis:house", defer=True),
                  mat("school_proof", "在读学校出具的就读证明", when="basis:study")]),
    GA(10, "无犯罪记录证明开具", "无犯罪记录证明", days=(3, 1), visits=0, post=False,
       basis="《公安机关办理犯罪记录查询工作规定》", proxy=True,
       cond="个人因就业、出国等需要查询本人有无犯罪记录的。",
       script="可以在“浙里办”上直接申请，电子证明当场生成。窗口办理请带身份证，代办的带委托书和代理人身份证，1个工作日内出具。",
       materials=[form("无犯罪记录证明申请表"),
                  id_card()]),
    GA(11, "往来港澳通行证及签注（首次申领）", "港澳通行证", days=(7, 5),
       fee="证件工本费60元；个人旅游签注一次有效15元、二次有效30元",
       basis="《中华人民共和国出境入境管理法》；《中国公民因私事往来香港地区或者澳门地区的暂行管理办法》",
       cond="中国内地居民因私事前往香港或者澳门的；未满16周岁的由监护人陪同申请。",
       script="请本人带身份证到场，现场拍照，不用带照片。16周岁以下的由监护人陪同，带户口簿和监护人身份证。"
              "5个工作日制好，可以邮寄。",
       questions=[q("age", "申请人年龄？", "adult:年满16周岁", "minor:未满16周岁"),
                  q("visa", "签注种类？", "tour:个人旅游", "family:探亲", "business:商务")],
       materials=[form("中国公民出入境证件申请表（现场打印）"),
                  id_card(),
                  household(when="age:minor"),
                  mat("guardian_id_card", "监护人居民身份证", core=True, share=S_POP, when="age:minor"),
                  mat("relationship_proof", "与港澳亲属的关系证明", when="visa:family", defer=True),
                  mat("hk_relative_id", "港澳亲属身份证复印件", "copy", when="visa:family", defer=True),
                  mat("business_proof", "所在单位营业执照及派遣证明", when="visa:business", share=S_MKT)]),
    GA(12, "往来港澳通行证再次签注", "港澳再签注", days=(7, 0),
       fee="个人旅游签注一次有效15元、二次有效30元",
       basis="《中华人民共和国出境入境管理法》",
       cond="持有效电子往来港澳通行证，需要再次前往香港或者澳门的。",
       script="带上港澳通行证，在大厅自助签注机上就能办，当场签好；需要帮忙的到窗口来。",
       materials=[mat("hk_pass", "往来港澳通行证", core=True),
                  id_card(optional=True, notes="自助签注机刷证即可，不需另交")]),
    GA(13, "普通护照签发", "护照", days=(15, 7), fee="工本费120元",
       basis="《中华人民共和国护照法》",
       cond="中国公民因前往外国定居、探亲、学习、就业、旅行、从事商务活动等非公务原因出国的。",
       script="请本人带身份证到场，现场拍照采集指纹。换发的带旧护照，7个工作日制好，可以邮寄。",
       questions=[q("type", "申请类型？", "first:首次申请", "renew:换发", "lost:遗失补发")],
       materials=[form("中国公民出入境证件申请表（现场打印）"),
                  id_card(),
                  mat("old_passport", "原护照", core=True, when="type:renew"),
                  mat("loss_statement", "护照遗失情况说明", when="type:lost")]),
    JJ(1, "机动车驾驶证期满换证", "驾驶证换证", days=(1, 0), fee="工本费10元",
       basis="《机动车驾驶证申领和使用规定》", proxy=True,
       cond="机动车驾驶证有效期满前九十日内申请换证。",
       script="请带身份证和驾驶证；体检在县里定点医院做，结果网上传过来，照片也用体检时拍的。当场换证。",
       materials=[form("机动车驾驶证申请表"),
                  id_card(),
                  mat("driving_license", "机动车驾驶证", core=True, share=S_TRAFFIC),
                  mat("health_certificate", "机动车驾驶人身体条件证明", "electronic", share=S_HOSP)]),
    JJ(2, "机动车驾驶证遗失补证", "驾驶证补证", days=(1, 0), fee="工本费10元", visits=0,
       basis="《机动车驾驶证申领和使用规定》",
       cond="机动车驾驶证遗失的，可以向驾驶证核发地或者核发地以外的车辆管理所申请补领。",
       script="可以在“交管12123”上申请，补好的证邮寄到家。窗口办理请带身份证，当场补领。",
       materials=[form("机动车驾驶证申请表"),
                  id_card()]),
    JJ(3, "机动车行驶证补领", "行驶证补领", days=(1, 0), fee="工本费10元",
       basis="《机动车登记规定》", proxy=True,
       cond="机动车行驶证灭失、丢失、损毁的，机动车所有人可以申请补领。",
       script="请带车主身份证，单位车辆带营业执照；当场补发。",
       questions=[q("owner", "车辆所有人？", "person:个人", "unit:单位")],
       materials=[form("机动车行驶证补领申请表"),
                  id_card("机动车所有人居民身份证", when="owner:person"),
                  license_("机动车所有人营业执照", when="owner:unit")]),
    JJ(4, "机动车检验合格标志核发", "年检标志", days=(1, 0), visits=0,
       basis="《中华人民共和国道路交通安全法》；《机动车登记规定》",
       cond="符合免予上线检验条件的非营运小微型载客汽车、摩托车，或者已检验合格的机动车。",
       script="6年内免检的车在“交管12123”上就能领电子标志，不用跑。窗口办理请带行驶证，交强险信息系统能查到，当场发。",
       materials=[mat("vehicle_license", "机动车行驶证", core=True, share=S_TRAFFIC),
                  mat("compulsory_insurance", "机动车交通事故责任强制保险凭证", "electronic",
                      share="车险信息平台")]),
    GA(14, "印章刻制备案", "刻章备案", days=(1, 0), zone="SS", visits=0, target="enterprise",
       basis="《印铸刻字业暂行管理规则》；《国务院关于国家行政机关和企业事业单位社会团体印章管理的规定》",
       proxy=True,
       cond="新设立或需要重新刻制印章的企业、个体工商户等市场主体。",
       script="企业开办时一并申请，营业执照信息系统里有，不用另交；公章当天刻好，免费送第一套。",
       materials=[form("印章刻制申请表"),
                  license_(),
                  id_card("法定代表人（负责人）居民身份证")]),
]


# ----------------------------------------------------------------------------- 市场监管 (商事登记、许可)

REG_LAW = "《中华人民共和国市场主体登记管理条例》；《中华人民共和国市场主体登记管理条例实施细则》"
FOOD_LAW = "《中华人民共和国食品安全法》；《食品经营许可和备案管理办法》"
FOOD_CATEGORY = q("category", "经营项目？", "catering:餐饮服务", "selling:食品销售", "canteen:单位食堂")

MARKET = [
    SJ(1, "个体工商户设立登记", "个体户开业", days=(3, 0), visits=0, post=True,
       basis=f"{REG_LAW}；《促进个体工商户发展条例》", proxy=True,
       cond="有经营能力的自然人或家庭，经营场所符合规划和安全要求，名称和经营范围符合规定。",
       script="请带经营者身份证和经营场所证明，没有房产证的签一份住所申报承诺书就行。"
              "当场发照；也可以在“浙里办”上全程网办，执照邮寄到家。",
       questions=[q("form", "组成形式？", "person:个人经营", "family:家庭经营")],
       materials=[form("个体工商户登记（备案）申请书"),
                  id_card("经营者居民身份证"),
                  household("家庭成员户口簿", when="form:family", notes="用于证明家庭成员关系"),
                  mat("premises_proof", "经营场所使用证明（租赁合同或产权证明），或住所申报承诺书", "copy",
                      defer=True)]),
    SJ(2, "个体工商户变更登记", "个体户变更", days=(3, 0), visits=0, post=True,
       basis=f"{REG_LAW}；《促进个体工商户发展条例》", proxy=True,
       cond="个体工商户名称、经营者、经营场所、经营范围等登记事项发生变化的。",
       script="请带营业执照正副本和经营者身份证；换经营场所的带新场所证明。当场换发新执照。",
       questions=[q("item", "变更事项？", "name:名称", "operator:经营者", "premises:经营场所",
                    "scope:经营范围", multiple=True)],
       materials=[form("个体工商户变更登记申请书"),
                  license_("营业执照正、副本"),
                  id_card("经营者居民身份证"),
                  mat("new_operator_id", "新经营者居民身份证", core=True, share=S_POP, when="item:operator"),
                  mat("premises_proof", "新经营场所使用证明或住所申报承诺书", "copy", when="item:premises",
                      defer=True)]),
    SJ(3, "个体工商户注销登记", "个体户注销", days=(3, 0), visits=0,
       basis=f"{REG_LAW}", proxy=True,
       cond="个体工商户不再从事经营活动的；有未结清税款或被列入经营异常名录的须先处理。",
       script="请带营业执照正副本和经营者身份证；税务信息系统会自动核对清税情况。当场注销。",
       materials=[form("个体工商户注销登记申请书"),
                  license_("营业执照正、副本（交回）"),
                  id_card("经营者居民身份证")]),
    SJ(4, "有限责任公司设立登记", "公司设立", days=(3, 1), visits=0, target="enterprise",
       basis=f"《中华人民共和国公司法》；{REG_LAW}", proxy=True,
       cond="股东符合法定人数，有符合规定的公司名称、住所、章程和组织机构，出资已按章程认缴。",
       script="名称先在网上自主申报；请带申请书、章程、股东身份证明、董监高任职文件和住所证明。"
              "1个工作日内发照，刻章、税务、社保、公积金、银行预约一起办，执照可以邮寄。",
       questions=[q("shareholders", "股东构成？", "persons:全部为自然人股东", "corporate:含法人股东")],
       materials=[form("公司登记（备案）申请书"),
                  mat("articles", "公司章程（全体股东签署）", core=True),
                  id_card("法定代表人居民身份证"),
                  mat("shareholder_ids", "自然人股东居民身份证", core=True, share=S_POP),
                  mat("shareholder_license", "法人股东营业执照", core=True, share=S_MKT,
                      when="shareholders:corporate"),
                  mat("officer_appointment", "法定代表人、董事、监事、经理的任职文件", defer=True),
                  mat("premises_proof", "住所使用证明或住所申报承诺书", "copy", defer=True)]),
    SJ(5, "有限责任公司变更登记", "公司变更", days=(3, 1), visits=0, target="enterprise",
       basis=f"《中华人民共和国公司法》；{REG_LAW}", proxy=True,
       cond="公司登记事项或备案事项发生变更的，应当自作出变更决议之日起30日内申请。",
       script="请带变更申请书、股东会决议和营业执照；改章程的带章程修正案。1个工作日内换发执照。",
       questions=[q("item", "变更事项？", "legal:法定代表人", "address:住所", "capital:注册资本",
                    "equity:股权转让", "scope:经营范围", multiple=True)],
       materials=[form("公司登记（备案）申请书"),
                  license_(),
                  mat("resolution", "股东会决议（或股东决定）", core=True),
                  mat("articles_amendment", "公司章程修正案", when=["item:address", "item:capital",
                                                                    "item:equity", "item:scope"]),
                  mat("new_legal_id", "新任法定代表人居民身份证及任免文件", core=True, share=S_POP,
                      when="item:legal"),
                  mat("premises_proof", "新住所使用证明或住所申报承诺书", "copy", when="item:address",
                      defer=True),
                  mat("equity_agreement", "股权转让协议", when="item:equity")]),
    SJ(6, "有限责任公司注销登记", "公司注销", days=(3, 1), visits=0, target="enterprise",
       basis=f"《中华人民共和国公司法》；{REG_LAW}", proxy=True,
       cond="公司解散并清算完毕；未发生债权债务或已将债权债务清偿完结的可以选择简易注销。",
       script="简易注销带全体投资人承诺书，公示20天期满后办结；普通注销带清算报告和股东会决议。"
              "清税信息我们直接从税务系统取，1个工作日内核准。",
       questions=[q("method", "注销方式？", "simple:简易注销", "general:普通注销")],
       materials=[form("公司注销登记申请书"),
                  license_("营业执照正、副本（交回）"),
                  mat("investor_pledge", "全体投资人承诺书", core=True, when="method:simple"),
                  mat("resolution", "股东会决议", core=True, when="method:general"),
                  mat("liquidation_report", "经确认的清算报告", when="method:general"),
                  mat("tax_clearance", "清税证明", "electronic", share=S_TAX)]),
    SJ(7, "营业执照遗失补领、损坏换发", "执照补换", days=(3, 0), target="both",
       basis=REG_LAW, proxy=True,
       cond="营业执照遗失或者毁损的，市场主体应当通过国家企业信用信息公示系统声明作废后申请补领。",
       script="先在国家企业信用信息公示系统上做遗失声明，不用登报；带申请书和法定代表人身份证，当场补发。",
       questions=[q("reason", "补换原因？", "lost:遗失补领", "damaged:损坏换发")],
       materials=[form("营业执照补领（换发）申请书"),
                  id_card("法定代表人（负责人、经营者）居民身份证"),
                  mat("loss_notice", "国家企业信用信息公示系统遗失声明截图", "electronic", when="reason:lost"),
                  license_("损坏的营业执照（交回）", when="reason:damaged")]),
    SJ(8, "食品经营许可（新办）", "食品经营许可", days=(10, 3), target="both",
       basis=FOOD_LAW, proxy=True,
       cond="已取得营业执照等主体资格，有与经营品种和数量相适应的场所、设备设施、食品安全管理人员和管理制度。",
       script="请带申请书、营业执照、法定代表人身份证、设备布局图和操作流程；管理制度可以先容缺后补。"
              "我们现场核查后3个工作日内发证，可以邮寄。",
       questions=[FOOD_CATEGORY],
       materials=[form("食品经营许可申请书"),
                  license_(),
                  id_card("法定代表人（负责人、经营者）居民身份证"),
                  mat("equipment_layout", "主要设备设施布局、操作流程等文件",
                      when=["category:catering", "category:canteen"]),
                  mat("food_safety_rules", "食品安全自查、从业人员健康管理、进货查验记录等管理制度",
                      defer=True),
                  mat("food_safety_manager", "食品安全管理人员名单及培训考核合格证明", defer=True,
                      when=["category:catering", "category:canteen"])]),
    SJ(9, "食品经营许可变更", "食品许可变更", days=(10, 3), target="both",
       basis=FOOD_LAW, proxy=True,
       cond="食品经营许可证载明的许可事项发生变化的，应当在变化后10个工作日内申请变更。",
       script="请带变更申请书、许可证正副本和营业执照；改经营项目的带新的设备布局图。3个工作日内换证。",
       questions=[q("item", "变更事项？", "name:名称或法定代表人", "project:经营项目", "layout:设备布局和工艺流程")],
       materials=[form("食品经营许可变更申请书"),
                  mat("food_license", "食品经营许可证正、副本", core=True),
                  license_(),
                  mat("equipment_layout", "变更后的设备设施布局、操作流程等文件",
                      when=["item:project", "item:layout"])]),
    SJ(10, "仅销售预包装食品备案", "预包装食品备案", days=(1, 0), visits=0, target="both",
       basis=FOOD_LAW,
       cond="仅销售预包装食品的市场主体，在办理营业执照后或开展经营活动前备案。",
       script="在“浙里办”填一张备案信息表就行，当场完成备案，不用跑。",
       materials=[form("仅销售预包装食品备案信息采集表"),
                  license_()]),
    SJ(11, "小餐饮店登记", "小餐饮登记", days=(15, 5),
       basis="《浙江省食品小作坊小餐饮店小食杂店和食品摊贩管理规定》", proxy=True,
       cond="有固定经营场所、从业人员少、条件简单，从事餐饮服务的小餐饮店。",
       script="请带营业执照、经营者身份证和健康证明，我们上门看一下场地，5个工作日内发登记证。",
       materials=[form("小餐饮店登记申请表"),
                  license_(),
                  id_card("经营者居民身份证"),
                  mat("health_cert", "从业人员健康证明", "copy", defer=True),
                  mat("equipment_layout", "经营场所平面布局图", defer=True)]),
    SJ(12, "药品经营许可证核发（零售）", "药店许可", days=(30, 10), target="enterprise",
       basis="《中华人民共和国药品管理法》；《药品经营和使用质量监督管理办法》", proxy=True,
       cond="有依法经过资格认定的药师或者其他药学技术人员，有与所经营药品相适应的营业场所、设备、仓储设施和质量管理制度。",
       script="请带申请书、营业执照、执业药师注册证和场所证明；质量管理文件可以容缺后补。我们现场检查后10个工作日内发证。",
       materials=[form("药品经营许可证申请表"),
                  license_(),
                  mat("pharmacist_cert", "执业药师注册证", "copy"),
                  mat("premises_proof", "营业场所使用证明及平面布局图", "copy", defer=True),
                  mat("quality_rules", "药品质量管理制度文件目录", defer=True)]),
    SJ(13, "第二类医疗器械经营备案", "二类器械备案", days=(1, 0), visits=0, target="enterprise",
       basis="《医疗器械监督管理条例》；《医疗器械经营监督管理办法》",
       cond="从事第二类医疗器械经营的企业，有与经营规模和范围相适应的经营场所和贮存条件。",
       script="在网上提交备案表和场所、质量管理人员资料，当场备案，打印备案凭证。",
       materials=[form("第二类医疗器械经营备案表"),
                  license_(),
                  mat("premises_proof", "经营场所和库房地址证明", "copy", defer=True),
                  mat("quality_manager", "质量管理人员身份证和学历证明", "copy", share=S_EDU)]),
    SJ(14, "特种设备使用登记", "特种设备登记", days=(15, 5), target="enterprise",
       basis="《中华人民共和国特种设备安全法》；《特种设备使用管理规则》", proxy=True,
       cond="锅炉、压力容器、电梯、起重机械等特种设备投入使用前或投入使用后30日内。",
       script="请带使用登记表、产品合格证和监督检验证明；5个工作日内发使用登记证。",
       questions=[q("type", "设备类别？", "elevator:电梯", "boiler:锅炉", "vessel:压力容器", "crane:起重机械")],
       materials=[form("特种设备使用登记表（一式两份）", count=2),
                  license_("使用单位营业执照"),
                  mat("product_certificate", "产品合格证（含产品数据表）", "copy"),
                  mat("inspection_cert", "监督检验证明", "copy"),
                  mat("maintenance_contract", "电梯维护保养合同", "copy", when="type:elevator", defer=True)]),
    WJ(1, "公共场所卫生许可", "公共场所卫生许可", days=(20, 5), zone="SS", target="enterprise",
       basis="《公共场所卫生管理条例》；《公共场所卫生管理条例实施细则》", proxy=True,
       cond="宾馆、沐浴、美容美发、游泳场所等公共场所经营者，在开业前取得卫生许可。",
       script="请带申请表、营业执照、卫生管理制度和检测报告；我们现场审查后5个工作日内发证。",
       materials=[form("公共场所卫生许可申请表"),
                  license_(),
                  mat("hygiene_rules", "卫生管理制度及从业人员健康证明", defer=True),
                  mat("hygiene_test", "公共场所卫生检测或评价报告", defer=True),
                  mat("equipment_layout", "场所平面布局图", defer=True)]),
    SJ(15, "食品经营许可延续", "食品许可延续", days=(10, 3), target="both",
       basis=FOOD_LAW, proxy=True,
       cond="食品经营许可证有效期届满需要继续经营的，在有效期届满前90个工作日至15个工作日期间申请延续。",
       script="请带延续申请书、原许可证和营业执照；条件没有变化的签承诺书，3个工作日内换发新证，可以邮寄。",
       questions=[q("changed", "经营条件是否变化？", "no:未发生变化", "yes:已发生变化")],
       materials=[form("食品经营许可延续申请书"),
                  mat("food_license", "原食品经营许可证正、副本", core=True),
                  license_(),
                  mat("unchanged_pledge", "经营条件未发生变化的承诺书", when="changed:no"),
                  mat("equipment_layout", "变化后的设备设施布局、操作流程等文件", when="changed:yes", defer=True)]),
]


# ----------------------------------------------------------------------------- 不动产登记 (自然资源和规划局、税务局)

BDC_LAW = "《中华人民共和国民法典》；《不动产登记暂行条例》；《不动产登记暂行条例实施细则》"
MORTGAGE_Q = q("mortgage", "房屋是否有抵押？", "none:无抵押", "carry:有抵押，带押过户")
MARRIED_Q = q("marriage", "买受人婚姻状况？", "single:未婚、离异或丧偶", "married:已婚")

REAL_ESTATE = [
    ZR(1, "国有建设用地使用权及房屋所有权转移登记（存量房买卖）", "二手房过户", days=(30, 1), fee=FEE_BDC,
       basis=BDC_LAW, proxy=True,
       cond="存量房买卖合同已网签备案，相关税费已缴清；房屋有抵押的须抵押权人同意转让或办理带押过户。",
       script="买卖双方请带身份证、户口簿、不动产权证书和网签合同，已婚的带结婚证；税费在隔壁税务窗口一起申报。"
              "1个工作日内出新证，可以当场领电子证照，纸质证书可以邮寄。",
       questions=[MORTGAGE_Q, MARRIED_Q],
       materials=[form("不动产登记申请书"),
                  id_card("买卖双方居民身份证"),
                  property_cert(),
                  mat("sale_contract", "存量房买卖合同（网签备案）", share=S_CONTRACT),
                  mat("tax_receipt", "契税、增值税、个人所得税完税或减免税凭证", "electronic", share=S_TAX),
                  household("买受人户口簿", core=False, defer=True, notes="用于核定家庭住房情况"),
                  marriage("买受人结婚证", when="marriage:married"),
                  mat("mortgagee_consent", "抵押权人同意转让的书面意见（带押过户协议）", when="mortgage:carry")]),
    ZR(2, "国有建设用地使用权及房屋所有权转移登记（新建商品房）", "新房办证", days=(30, 3), fee=FEE_BDC,
       basis=BDC_LAW, proxy=True,
       cond="新建商品房已办理首次登记，买卖合同已网签备案，契税已缴纳。",
       script="请带身份证、购房发票和网签合同，已婚的带结婚证；契税完税信息系统里能查到。"
              "3个工作日内出证，“交房即交证”项目当天领证。",
       questions=[MARRIED_Q],
       materials=[form("不动产登记申请书"),
                  id_card("买受人居民身份证"),
                  mat("sale_contract", "商品房买卖合同（网签备案）", share=S_CONTRACT),
                  mat("purchase_invoice", "销售不动产统一发票", "electronic", share=S_TAX),
                  mat("tax_receipt", "契税完税或减免税凭证", "electronic", share=S_TAX),
                  marriage("买受人结婚证", when="marriage:married")]),
    ZR(3, "国有建设用地使用权首次登记", "土地首次登记", days=(30, 5), fee=FEE_BDC, target="enterprise",
       basis=BDC_LAW, proxy=True,
       cond="以出让或划拨方式取得国有建设用地使用权，已缴清土地出让价款和相关税费。",
       script="请带申请书、营业执照、出让合同、价款缴清凭证和权籍调查成果；契税信息共享获取。5个工作日内发证。",
       materials=[form("不动产登记申请书"),
                  license_(),
                  mat("land_grant_contract", "国有建设用地使用权出让合同或划拨决定书", core=True),
                  mat("land_payment", "土地出让价款缴清凭证", "electronic", share="财政非税收入收缴系统"),
                  mat("tax_receipt", "契税完税凭证", "electronic", share=S_TAX),
                  mat("cadastral_survey", "不动产权籍调查成果", defer=True)]),
    ZR(4, "国有建设用地使用权及房屋所有权首次登记", "房屋首次登记", days=(30, 5), fee=FEE_BDC,
       target="enterprise", basis=BDC_LAW, proxy=True,
       cond="房屋已竣工验收并完成规划核实，建设用地使用权已登记。",
       script="请带申请书、营业执照、土地不动产权证书、竣工验收备案和房屋测绘报告；规划核实结果系统共享。5个工作日内办结。",
       materials=[form("不动产登记申请书"),
                  license_(),
                  property_cert("国有建设用地使用权不动产权证书"),
                  mat("completion_record", "建设工程竣工验收备案证明及规划核实意见", "electronic",
                      share="工程建设项目审批管理系统"),
                  mat("housing_survey", "房屋测绘报告"),
                  mat("cadastral_survey", "不动产权籍调查成果", defer=True)]),
    ZR(5, "抵押权首次登记", "抵押登记", days=(30, 1), fee=FEE_BDC, visits=0, target="both",
       basis=BDC_LAW, proxy=True,
       cond="以不动产设定抵押，抵押合同已签订；抵押人和抵押权人共同申请。",
       script="在合作银行网点就能一起办，不用跑登记中心。窗口办理请带双方身份证明、不动产权证书和抵押合同，1个工作日内出登记证明。",
       questions=[q("type", "抵押类型？", "general:一般抵押", "maximum:最高额抵押")],
       materials=[form("不动产登记申请书"),
                  id_card("抵押人居民身份证"),
                  license_("抵押权人营业执照（金融许可证）"),
                  property_cert(),
                  mat("mortgage_contract", "抵押合同及主债权合同", core=True),
                  mat("max_amount_confirm", "最高额抵押担保的债权确定材料", when="type:maximum", defer=True)]),
    ZR(6, "抵押权注销登记", "抵押注销", days=(30, 0), visits=0, target="both",
       basis=BDC_LAW,
       cond="主债权消灭、抵押权已经实现或者抵押权人放弃抵押权的。",
       script="贷款还清后银行会在线申请注销，不用跑；您自己来办请带不动产登记证明和银行出具的注销证明，当场办结。",
       questions=[q("applicant", "由谁申请？", "bank:抵押权人（银行）申请", "owner:抵押人凭结清证明申请")],
       materials=[form("不动产登记申请书"),
                  mat("mortgage_cert", "不动产登记证明（抵押权）", share=S_BDC),
                  license_("抵押权人营业执照（金融许可证）", when="applicant:bank"),
                  id_card("抵押人居民身份证", when="applicant:owner"),
                  mat("release_proof", "抵押权人同意注销证明或贷款结清证明", core=True)]),
    ZR(7, "不动产权证书补证、换证", "证书补换", days=(30, 20), fee="证书工本费10元/本",
       basis=BDC_LAW, proxy=True,
       cond="不动产权证书或者不动产登记证明遗失、灭失或者污损、破损的；遗失的须在门户网站公告15个工作日。",
       script="证书丢了的要在网站公告15个工作日，期满后补发；污损的带原证当场收回，办结后换发新证，可以邮寄。",
       questions=[q("reason", "补换原因？", "lost:遗失、灭失补证", "damaged:污损、破损换证")],
       materials=[form("不动产登记申请书"),
                  id_card("权利人居民身份证"),
                  property_cert("污损、破损的不动产权证书（交回）", when="reason:damaged"),
                  mat("loss_statement", "不动产权证书遗失（灭失）声明", when="reason:lost")]),
    ZR(8, "不动产继承转移登记", "继承过户", days=(30, 10), fee=FEE_BDC,
       basis=BDC_LAW, proxy=True,
       cond="被继承人死亡，继承人依法继承其不动产；继承人之间无争议。",
       script="请带全部继承人身份证、被继承人的死亡证明、不动产权证书和亲属关系证明；有继承公证书的带公证书。"
              "继承人不全到场的，放弃继承的人要写放弃声明。10个工作日内办结，可以邮寄。",
       questions=[q("method", "继承方式？", "notarized:已办理继承权公证", "onsite:全部继承人到场查验")],
       materials=[form("不动产登记申请书"),
                  id_card("继承人居民身份证"),
                  property_cert("被继承人的不动产权证书"),
                  death_cert("被继承人死亡证明（死亡医学证明或户口注销证明）"),
                  mat("relationship_proof", "继承人与被继承人的亲属关系证明", share=S_HH),
                  mat("inheritance_notary", "继承权公证书", core=True, when="method:notarized"),
                  mat("renounce_statement", "放弃继承声明（放弃人签字并现场核验身份）", when="method:onsite")]),
    ZR(9, "不动产查封登记", "查封登记", days=(1, 0), target="both", post=False,
       basis=f"{BDC_LAW}；《中华人民共和国民事诉讼法》",
       cond="人民法院、人民检察院、公安机关等国家有权机关依法嘱托查封不动产的。",
       script="执行人员请出示工作证和执行公务证，带协助执行通知书和裁定书，当天办结并出具回执。",
       materials=[mat("assist_notice", "协助执行通知书", core=True),
                  mat("ruling", "查封裁定书或决定书", core=True),
                  mat("officer_ids", "执行人员工作证和执行公务证", "both", count=2, core=True)]),
    ZR(10, "不动产解除查封登记", "解封登记", days=(1, 0), target="both",
       basis=f"{BDC_LAW}；《中华人民共和国民事诉讼法》",
       cond="原查封机关依法解除查封的。",
       script="请执行人员带解除查封裁定书、协助执行通知书和证件，当天办结。",
       materials=[mat("assist_notice", "协助执行通知书", core=True),
                  mat("ruling", "解除查封裁定书或决定书", core=True),
                  mat("officer_ids", "执行人员工作证和执行公务证", "both", count=2, core=True)]),
    ZR(11, "不动产登记资料查询", "产权查询", days=(1, 0), visits=0, target="both",
       basis="《不动产登记资料查询暂行办法》",
       cond="权利人查询本人名下不动产登记资料，利害关系人或受委托律师依法查询相关登记资料。",
       script="本人查自己名下房产，在“浙里办”或自助机刷身份证就能打印。利害关系人、律师来窗口带证明材料，当场出结果。",
       questions=[q("asker", "查询人？", "owner:权利人本人", "interested:利害关系人", "lawyer:受委托律师")],
       materials=[form("不动产登记资料查询申请书"),
                  id_card("查询人居民身份证"),
                  mat("interest_proof", "存在利害关系的证明材料", when="asker:interested"),
                  mat("lawyer_proof", "律师执业证和律师事务所证明", when="asker:lawyer")]),
    ZR(12, "预告登记（预购商品房）", "预告登记", days=(30, 1), fee=FEE_BDC, visits=0,
       basis=BDC_LAW,
       cond="商品房买卖合同已网签备案，买卖双方约定办理预告登记的。",
       script="一般由开发企业在网上代为申请，不用跑；您自己来办请带身份证和网签合同，1个工作日内办结。",
       materials=[form("不动产登记申请书"),
                  id_card("预购人居民身份证"),
                  mat("sale_contract", "商品房买卖合同（网签备案）", share=S_CONTRACT)]),
    SW(1, "存量房交易税费申报", "二手房税费", days=(1, 0), zone="BDC", fee=FEE_TAX,
       basis="《中华人民共和国契税法》；《中华人民共和国个人所得税法》；《中华人民共和国税收征收管理法》",
       proxy=True,
       cond="存量房买卖合同已网签，买卖双方依法申报缴纳契税、增值税、个人所得税等税费。",
       script="买卖双方带身份证、户口簿和网签合同，不动产权证书系统能查到。"
              "当场算税、当场缴清，完税信息直接推给不动产登记，您接着办过户就行。",
       questions=[q("seller", "卖方房屋是否满五年且为家庭唯一住房？", "yes:满五年唯一", "no:不满五年或非唯一"),
                  q("buyer", "买方家庭住房套数？", "first:家庭首套", "second:家庭第二套及以上")],
       materials=[form("存量房交易税费申报表"),
                  id_card("买卖双方居民身份证"),
                  property_cert(core=False),
                  mat("sale_contract", "存量房买卖合同（网签备案）", share=S_CONTRACT),
                  household("买卖双方户口簿", core=False, defer=True, notes="用于核定家庭住房及唯一住房"),
                  mat("only_house_pledge", "家庭唯一生活用房承诺书", when="seller:yes"),
                  mat("house_status", "家庭住房情况查询结果", "electronic", share=S_BDC, when="buyer:first")]),
    SW(2, "契税申报（新建商品房）", "新房契税", days=(1, 0), zone="BDC", fee=FEE_TAX, visits=0,
       basis="《中华人民共和国契税法》",
       cond="取得新建商品房权属，在办理不动产登记前申报缴纳契税。",
       script="在“浙江省电子税务局”或“浙里办”上就能申报缴税；窗口办理请带身份证和网签合同，发票系统能查到，当场完税。",
       materials=[form("契税纳税申报表"),
                  id_card("买受人居民身份证"),
                  mat("sale_contract", "商品房买卖合同（网签备案）", share=S_CONTRACT),
                  mat("purchase_invoice", "销售不动产统一发票", "electronic", share=S_TAX)]),
    ZR(13, "不动产更正登记", "更正登记", days=(30, 5), fee="不收费",
       basis=BDC_LAW, proxy=True,
       cond="权利人、利害关系人认为不动产登记簿记载的事项有错误，或登记机构发现登记簿记载有误的。",
       script="请带身份证、不动产权证书和证明登记错误的材料，比如户籍证明、测绘成果；5个工作日内更正并换发证书。",
       questions=[q("item", "更正什么？", "person:权利人身份信息", "area:面积、界址等自然状况")],
       materials=[form("不动产登记申请书"),
                  id_card("权利人居民身份证"),
                  property_cert(),
                  mat("identity_change_proof", "身份信息变更证明（户籍证明等）", share=S_HH, when="item:person"),
                  mat("resurvey_report", "重新测绘或权籍调查成果", when="item:area", defer=True)]),
]


# ----------------------------------------------------------------------------- 投资项目 (发改、规划、住建、环保、水利)

PLAN_LAW = "《中华人民共和国城乡规划法》；《浙江省城乡规划条例》"
FIRE_LAW = "《中华人民共和国消防法》；《建设工程消防设计审查验收管理暂行规定》"
PROJECT_CODE = mat("project_code", "投资项目代码（在线平台赋码）", "electronic", share=S_PROJ)

INVESTMENT = [
    FG(1, "企业投资项目备案", "项目备案", days=(3, 0), visits=0, target="enterprise",
       basis="《企业投资项目核准和备案管理条例》",
       cond="不属于《政府核准的投资项目目录》的企业投资项目，在开工建设前通过在线平台备案。",
       script="在投资项目在线审批监管平台填报项目信息就能备案，当场赋码，全程不用跑。需要帮忙填报的到窗口来。",
       materials=[form("企业投资项目备案信息表（在线填报）", form="electronic"),
                  license_()]),
    FG(2, "企业投资项目核准", "项目核准", days=(20, 5), target="enterprise",
       basis="《企业投资项目核准和备案管理条例》；《政府核准的投资项目目录》", proxy=True,
       cond="属于《政府核准的投资项目目录》且由县级核准的企业投资项目。",
       script="请带项目申请报告和用地预审与选址意见；项目代码和前置意见系统共享。5个工作日内出核准文件。",
       materials=[form("项目核准申请书"),
                  license_(),
                  PROJECT_CODE,
                  mat("project_report", "项目申请报告", core=True),
                  mat("site_opinion", "用地预审与选址意见书", "electronic", share=S_PROJ, defer=True)]),
    FG(3, "固定资产投资项目节能审查", "节能审查", days=(20, 5), target="enterprise",
       basis="《中华人民共和国节约能源法》；《固定资产投资项目节能审查办法》", proxy=True,
       cond="年综合能源消费量达到规定标准、需要单独进行节能审查的固定资产投资项目。",
       script="请带节能报告和申请文件，项目代码系统共享；5个工作日内出审查意见。",
       materials=[form("节能审查申请文件"),
                  license_(),
                  PROJECT_CODE,
                  mat("energy_report", "固定资产投资项目节能报告", core=True)]),
    ZR(101, "建设项目用地预审与选址意见书核发", "用地预审选址", days=(20, 7), zone="TZ", target="enterprise",
       basis=f"《中华人民共和国土地管理法》；{PLAN_LAW}", proxy=True,
       cond="需要办理用地预审或以划拨方式提供国有土地使用权的建设项目，在审批、核准、备案阶段申请。",
       script="请带申请表、项目代码和建设项目用地情况说明及勘测定界图；7个工作日内出意见书。",
       materials=[form("建设项目用地预审与选址申请表"),
                  license_(),
                  PROJECT_CODE,
                  mat("land_use_plan", "建设项目用地情况说明及勘测定界图"),
                  mat("site_plan", "拟选址位置图和总平面示意图", defer=True)]),
    ZR(102, "建设用地规划许可证核发", "用地规划许可", days=(20, 5), zone="TZ", target="enterprise",
       basis=PLAN_LAW, proxy=True,
       cond="以出让方式取得国有土地使用权的建设项目已签订出让合同，或划拨项目已取得选址意见书。",
       script="请带出让合同或划拨决定书、项目代码和用地红线图，5个工作日内发证。",
       materials=[form("建设用地规划许可申请表"),
                  license_(),
                  PROJECT_CODE,
                  mat("land_grant_contract", "国有建设用地使用权出让合同或划拨决定书", core=True),
                  mat("red_line_map", "建设用地红线图")]),
    ZR(103, "建设工程规划许可证核发", "工程规划许可", days=(20, 5), zone="TZ", target="enterprise",
       basis=PLAN_LAW, proxy=True,
       cond="在城镇规划区内进行建筑物、构筑物、道路、管线和其他工程建设，已取得用地手续和设计方案。",
       script="请带申请表、土地权属证明和建设工程设计方案总平面图；方案审查和许可合并办理，5个工作日内发证。",
       materials=[form("建设工程规划许可申请表"),
                  license_(),
                  property_cert("国有建设用地使用权不动产权证书"),
                  mat("design_scheme", "建设工程设计方案（含总平面图）", core=True),
                  mat("design_drawings", "建筑施工图或市政工程设计图（电子文件）", "electronic", defer=True)]),
    ZJ(1, "建筑工程施工许可证核发", "施工许可", days=(7, 2), target="enterprise",
       basis="《中华人民共和国建筑法》；《建筑工程施工许可管理办法》", proxy=True,
       cond="已办理用地和工程规划许可，已确定施工企业，有满足施工需要的资金安排和施工图纸、质量安全措施。",
       script="规划许可、施工合同、中标信息都能从系统里取，您主要带申请表和资金到位承诺书；2个工作日内发证，可以邮寄。",
       materials=[form("建筑工程施工许可证申请表"),
                  license_(),
                  mat("planning_permit", "建设工程规划许可证", "electronic", share=S_PROJ),
                  mat("construction_contract", "施工合同（中标通知书）", "electronic", share="公共资源交易平台"),
                  mat("funding_pledge", "建设资金已落实承诺书", core=True),
                  mat("safety_measures", "质量安全监督手续和安全施工措施资料", defer=True)]),
    ZJ(2, "特殊建设工程消防设计审查", "消防设计审查", days=(15, 5), target="enterprise",
       basis=FIRE_LAW, proxy=True,
       cond="属于特殊建设工程的，建设单位在施工前申请消防设计审查。",
       script="请带消防设计审查申请表和消防设计文件，特殊消防设计的另带专家评审意见；5个工作日内出审查意见。",
       questions=[q("special", "是否采用特殊消防设计？", "no:否", "yes:是")],
       materials=[form("特殊建设工程消防设计审查申请表"),
                  license_(),
                  mat("fire_design", "消防设计文件（含设计说明和图纸）", "electronic", core=True),
                  mat("special_fire_review", "特殊消防设计技术资料及专家评审意见", when="special:yes")]),
    ZJ(3, "特殊建设工程消防验收", "消防验收", days=(15, 5), target="enterprise",
       basis=FIRE_LAW, proxy=True,
       cond="特殊建设工程竣工，建设单位组织竣工验收合格后申请消防验收。",
       script="请带消防验收申请表、工程竣工验收报告和消防设施检测报告；我们现场评定后5个工作日内出意见。",
       materials=[form("特殊建设工程消防验收申请表"),
                  license_(),
                  mat("completion_report", "工程竣工验收报告"),
                  mat("fire_test_report", "消防设施检测报告", defer=True)]),
    ZJ(4, "其他建设工程消防验收备案", "消防验收备案", days=(5, 0), visits=0, target="enterprise",
       basis=FIRE_LAW,
       cond="特殊建设工程以外的其他建设工程，竣工验收合格之日起5个工作日内备案。",
       script="在线提交备案表和竣工验收报告，当场完成备案；被抽中检查的我们另行通知。",
       materials=[form("建设工程消防验收备案表"),
                  license_(),
                  mat("completion_report", "工程竣工验收报告")]),
    ZJ(5, "城镇污水排入排水管网许可", "排水许可", days=(20, 5), target="both",
       basis="《城镇排水与污水处理条例》；《城镇污水排入排水管网许可管理办法》", proxy=True,
       cond="从事工业、建筑、餐饮、医疗等活动的排水户向城镇排水设施排放污水的。",
       script="请带申请表、营业执照和排水口、预处理设施的平面图；餐饮店要有隔油设施。我们现场核查后5个工作日内发证。",
       materials=[form("城镇污水排入排水管网许可申请表"),
                  license_(),
                  mat("drainage_plan", "排水户内部排水管网、专用检测井、排放口位置平面图", defer=True),
                  mat("pretreatment", "预处理设施（隔油池等）说明", defer=True)]),
    ZJ(6, "商品房预售许可", "预售许可", days=(10, 5), target="enterprise",
       basis="《中华人民共和国城市房地产管理法》；《城市商品房预售管理办法》", proxy=True,
       cond="已交付全部土地使用权出让金并取得用地、规划、施工许可，投入开发建设资金达到规定比例，已确定施工进度和竣工交付日期。",
       script="请带预售申请表、资金监管协议和形象进度证明，前置许可系统共享；5个工作日内发证。",
       materials=[form("商品房预售许可申请表"),
                  license_(),
                  mat("planning_permit", "建设工程规划许可证和施工许可证", "electronic", share=S_PROJ),
                  mat("escrow_agreement", "预售资金监管协议", core=True),
                  mat("progress_proof", "工程形象进度证明及预售方案")]),
    HB(1, "建设项目环境影响报告表审批", "环评审批", days=(30, 10), target="enterprise",
       basis="《中华人民共和国环境影响评价法》；《建设项目环境保护管理条例》", proxy=True,
       cond="依法应当编制环境影响报告表的建设项目，在开工建设前报批。",
       script="请带报批申请和环境影响报告表（全本及删除涉密内容的公示本），10个工作日内出批复。",
       materials=[form("建设项目环境影响报告表报批申请书"),
                  license_(),
                  PROJECT_CODE,
                  mat("eia_report", "建设项目环境影响报告表", core=True),
                  mat("eia_public", "报告表公开版本（删除涉密内容）", "electronic", defer=True)]),
    SL(1, "生产建设项目水土保持方案审批", "水保方案", days=(20, 5), target="enterprise",
       basis="《中华人民共和国水土保持法》；《浙江省水土保持条例》", proxy=True,
       cond="在山区、丘陵区、容易发生水土流失的其他区域开办可能造成水土流失的生产建设项目。",
       script="请带申请文件和水土保持方案报告书（报告表），5个工作日内出批复。",
       materials=[form("水土保持方案审批申请文件"),
                  license_(),
                  mat("soil_plan", "水土保持方案报告书（报告表）", core=True)]),
    ZR(104, "乡村建设规划许可证核发", "乡村规划许可", days=(20, 5), zone="TZ",
       basis=f"{PLAN_LAW}；《浙江省土地管理条例》", proxy=True,
       cond="在乡、村庄规划区内进行农村村民住宅、乡镇企业、乡村公共设施和公益事业建设的。",
       script="农村建房请带身份证、户口簿、宅基地批准文件和建房设计图，村里已经公示过的带公示材料。5个工作日内发证。",
       questions=[q("type", "建设类型？", "house:农村村民住宅", "public:乡村公共设施、公益事业")],
       materials=[form("乡村建设规划许可申请表"),
                  id_card("建房户主居民身份证"),
                  household("建房户户口簿", when="type:house"),
                  mat("homestead_approval", "宅基地（用地）批准文件", core=True),
                  mat("house_design", "建房设计图或通用图集选用说明"),
                  mat("village_publicity", "村民会议（村委会）意见及公示材料", defer=True, when="type:house")]),
    ZR(105, "建设工程规划核实", "规划核实", days=(20, 5), zone="TZ", target="enterprise",
       basis=PLAN_LAW, proxy=True,
       cond="建设工程竣工后，建设单位在组织竣工验收前申请规划条件核实。",
       script="请带申请表、规划许可证和竣工测绘成果，我们现场核实后5个工作日内出合格证明，结果共享给不动产登记。",
       materials=[form("建设工程规划核实申请表"),
                  license_(),
                  mat("planning_permit", "建设工程规划许可证", "electronic", share=S_PROJ),
                  mat("completion_survey", "建设工程竣工规划测绘成果报告"),
                  mat("site_photos", "工程竣工现场照片", "electronic", defer=True)]),
]


# ----------------------------------------------------------------------------- 社会事务 (民政、卫健、教育、退役军人、残联、住建)

AID_LAW = "《社会救助暂行办法》；《浙江省社会救助条例》"
FAMILY_CHECK = mat("family_check_consent", "家庭经济状况核对授权书（共同生活家庭成员签字）", core=True)

SOCIAL = [
    MZ(1, "最低生活保障审核确认", "低保", days=(30, 15), basis=AID_LAW, proxy=True,
       cond="共同生活的家庭成员人均收入低于本县最低生活保障标准，且家庭财产状况符合规定的本县户籍居民。",
       script="请带全家户口簿、身份证，家庭成员都要在核对授权书上签字；有残疾、重病的带残疾人证或诊断证明。"
              "收入和财产我们通过大数据核对，入户调查、公示后15个工作日内出结果。",
       questions=[q("special", "家庭是否有重病、残疾成员？", "none:无", "illness:有重病成员",
                    "disabled:有残疾成员", multiple=True)],
       materials=[form("社会救助申请书"),
                  id_card("申请人及共同生活家庭成员居民身份证"),
                  household("家庭户口簿"),
                  FAMILY_CHECK,
                  mat("illness_proof", "二级以上医院诊断证明及近期医疗费用票据", when="special:illness", defer=True),
                  mat("disability_card", "中华人民共和国残疾人证", share=S_DIS, when="special:disabled"),
                  bank_card("申请人银行卡或社会保障卡", optional=True)]),
    MZ(2, "特困人员认定", "特困供养", days=(30, 15), basis=f"{AID_LAW}；《特困人员认定办法》", proxy=True,
       cond="无劳动能力、无生活来源，且无法定赡养、抚养、扶养义务人或者其义务人无履行义务能力的老年人、残疾人以及未满18周岁的未成年人。",
       script="请带身份证、户口簿和核对授权书；残疾的带残疾人证。入户调查和公示后15个工作日内出结果，可以选择分散或集中供养。",
       questions=[q("care", "供养方式？", "home:分散供养", "institution:集中供养（敬老院）")],
       materials=[form("特困人员救助供养申请书"),
                  id_card(),
                  household(),
                  FAMILY_CHECK,
                  mat("disability_card", "中华人民共和国残疾人证", share=S_DIS, optional=True),
                  mat("care_ability", "生活自理能力评估结果", when="care:institution", defer=True)]),
    MZ(3, "临时救助", "临时救助", days=(20, 10), basis=AID_LAW, proxy=True,
       cond="因火灾、交通事故等意外事件或家庭成员突发重大疾病等原因导致基本生活暂时出现严重困难的家庭或个人。",
       script="请带身份证、户口簿和困难原因的证明，比如医疗票据、事故证明。情况紧急的可以先行救助，10个工作日内发放到银行卡。",
       questions=[q("type", "救助类型？", "urgent:急难型（突发意外）", "expense:支出型（医疗、教育等刚性支出）")],
       materials=[form("临时救助申请书"),
                  id_card(),
                  household(),
                  mat("hardship_proof", "事故、火灾等意外事件证明", when="type:urgent", defer=True),
                  mat("expense_receipts", "医疗、教育等刚性支出票据", "both", when="type:expense"),
                  bank_card("申请人银行卡或社会保障卡")]),
    MZ(4, "高龄津贴申领", "高龄津贴", days=(20, 5), visits=0,
       basis="《中华人民共和国老年人权益保障法》；《浙江省老年人权益保障条例》", proxy=True,
       cond="具有本县户籍、年满80周岁的老年人。",
       script="年满80周岁的老人请带身份证、户口簿和社保卡，子女代办带委托书和本人身份证。5个工作日内核定，下月起按月发到社保卡。",
       materials=[form("高龄津贴申请表"),
                  id_card("老年人居民身份证"),
                  household("老年人户口簿"),
                  bank_card("老年人社会保障卡（银行账户）")]),
    MZ(5, "基本殡葬服务费用减免", "殡葬费减免", days=(20, 5), basis="《殡葬管理条例》；《浙江省殡葬管理条例》",
       cond="本县户籍居民死亡后在本县殡仪馆火化的，减免遗体接运、存放、火化和骨灰寄存等基本殡葬服务费用。",
       script="请带经办亲属身份证、逝者死亡证明和火化证明，逝者户口注销信息系统可查。5个工作日内办结，减免款退到经办人银行卡。",
       materials=[form("基本殡葬服务费用减免申请表"),
                  id_card("经办亲属居民身份证"),
                  death_cert(),
                  mat("deceased_id_card", "逝者居民身份证", defer=True, notes="已交回注销的免交"),
                  mat("cremation_certificate", "火化证明", share=S_FUNERAL),
                  bank_card("经办亲属银行卡")]),
    MZ(6, "生态安葬奖补申领", "生态安葬奖补", days=(20, 10), basis="《殡葬管理条例》；《浙江省殡葬管理条例》",
       cond="逝者骨灰采取海葬、树葬、花坛葬、草坪葬等节地生态方式安葬的，由其亲属申领奖补。",
       script="请带经办亲属身份证、火化证明和生态安葬证明；10个工作日内把奖补发到银行卡。",
       questions=[q("way", "安葬方式？", "sea:海葬（骨灰撒海）", "tree:树葬、花坛葬、草坪葬")],
       materials=[form("生态安葬奖补申请表"),
                  id_card("经办亲属居民身份证"),
                  mat("cremation_certificate", "火化证明", share=S_FUNERAL),
                  mat("eco_burial_proof", "海葬（生态安葬）证明", share=S_FUNERAL),
                  mat("relationship_proof", "经办人与逝者的亲属关系证明", share=S_HH, defer=True),
                  bank_card("经办亲属银行卡")]),
    MZ(7, "困难残疾人生活补贴和重度残疾人护理补贴", "残疾人两项补贴", days=(20, 10), visits=0,
       basis="《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》", proxy=True,
       cond="低保家庭中的残疾人可申领生活补贴；残疾等级为一、二级且需要长期照护的重度残疾人可申领护理补贴。",
       script="请带残疾人证、身份证和社保卡；残疾人证、低保信息系统里能查到的不用交。10个工作日内审核，按月发放。",
       questions=[q("subsidy", "申领哪项补贴？", "living:困难残疾人生活补贴", "care:重度残疾人护理补贴",
                    multiple=True)],
       materials=[form("残疾人两项补贴申请审批表"),
                  id_card("残疾人居民身份证"),
                  mat("disability_card", "中华人民共和国残疾人证", core=True, share=S_DIS),
                  bank_card("残疾人社会保障卡（银行账户）")]),
    MZ(8, "养老机构备案", "养老机构备案", days=(5, 0), target="enterprise",
       basis="《中华人民共和国老年人权益保障法》；《养老机构管理办法》", proxy=True,
       cond="已依法办理法人登记的养老机构，在收住老年人后10个工作日内备案。",
       script="请带备案书、登记证书、服务场所和消防安全的证明材料；当场备案，出具回执。",
       materials=[form("养老机构备案书"),
                  license_("营业执照或事业单位、民办非企业单位登记证书"),
                  mat("premises_proof", "服务场所自有产权证明或租赁合同", "copy", defer=True),
                  mat("safety_pledge", "符合消防、卫生、食品安全要求的承诺书", defer=True)]),
    WJ(2, "预防接种证办理", "接种证", days=(1, 0),
       basis="《中华人民共和国疫苗管理法》",
       cond="儿童出生后一个月内，其监护人为其办理预防接种证。",
       script="请带宝宝的《出生医学证明》和监护人身份证，出生一件事联办的信息已经推送到接种门诊。当场发证。",
       materials=[form("儿童预防接种信息登记表"),
                  id_card("监护人居民身份证"),
                  birth_cert()]),
    WJ(3, "生育登记", "生育登记", days=(1, 0), visits=0,
       basis="《中华人民共和国人口与计划生育法》；《浙江省人口与计划生育条例》",
       cond="生育子女的夫妻，在孕期或子女出生后办理生育登记，不论孩次。",
       script="在“浙里办”上登记就行，当场完成，不用跑。来窗口的请带夫妻双方身份证，结婚证系统能查到。",
       materials=[form("生育登记表"),
                  id_card("夫妻双方居民身份证"),
                  marriage(optional=True, notes="已婚的通过婚姻登记系统共享核验")]),
    WJ(4, "医师执业注册", "医师注册", days=(20, 5), visits=0,
       basis="《中华人民共和国医师法》；《医师执业注册管理办法》",
       cond="取得医师资格，经拟执业的医疗机构同意，在本县医疗机构执业的。",
       script="在“电子化注册系统”提交就行，医师资格证书系统共享；5个工作日内发电子执业证。",
       materials=[form("医师执业注册申请审核表"),
                  id_card(),
                  mat("physician_qualification", "医师资格证书", "electronic", share="医师电子化注册系统"),
                  mat("employer_consent", "拟执业医疗机构聘用证明"),
                  mat("health_exam", "6个月内的健康体检证明", defer=True)]),
    WJ(5, "计划生育家庭特别扶助金申请", "计生特扶", days=(30, 20), basis="《中华人民共和国人口与计划生育法》",
       proxy=True,
       cond="独生子女死亡或伤残且未再生育或收养子女，女方年满49周岁的本县户籍夫妻。",
       script="请带夫妻双方身份证、户口簿和独生子女死亡或伤残的证明，20个工作日内审核，按月发到银行卡。",
       questions=[q("case", "扶助情形？", "death:独生子女死亡", "disabled:独生子女伤残")],
       materials=[form("计划生育家庭特别扶助申请表"),
                  id_card("夫妻双方居民身份证"),
                  household(),
                  death_cert("独生子女死亡证明或户口注销证明", when="case:death"),
                  mat("disability_card", "独生子女残疾人证（三级以上）", share=S_DIS, when="case:disabled"),
                  bank_card()]),
    JY(1, "教师资格认定", "教师资格认定", days=(30, 20),
       basis="《中华人民共和国教师法》；《教师资格条例》",
       cond="具备规定学历、通过国家教师资格考试（或免试认定改革范围内的毕业生），体检合格的中国公民。",
       script="网上报名后请带身份证、学历证书和体检表来现场确认，学历和考试合格信息系统共享。20个工作日内发证，可以邮寄。",
       materials=[form("教师资格认定申请表"),
                  id_card(),
                  mat("diploma", "学历证书", share=S_EDU),
                  mat("exam_certificate", "中小学教师资格考试合格证明", "electronic", share="中小学教师资格考试网"),
                  mat("teacher_health_exam", "教师资格认定体检表", defer=True),
                  mat("photo", "近期一寸免冠彩色照片", defer=True)]),
    TY(1, "退役军人、其他优抚对象优待证申领", "优待证", days=(30, 20),
       basis="《中华人民共和国退役军人保障法》；《退役军人、其他优抚对象优待证管理办法（试行）》", proxy=True,
       cond="已完成信息采集的退役军人、烈士遗属、因公牺牲军人遗属、病故军人遗属等优抚对象。",
       script="请带身份证和退役证件，信息采集过的系统里有；统一制证，20个工作日内通知您来领或邮寄。",
       materials=[form("优待证申领表"),
                  id_card(),
                  mat("discharge_cert", "退出现役证明（退伍证等）", "both"),
                  mat("photo", "近期二寸免冠彩色照片（白底）", defer=True)]),
    TY(2, "退役军人及其他优抚对象信息采集", "退役军人信息采集", days=(5, 2), post=False,
       basis="《中华人民共和国退役军人保障法》", proxy=True,
       cond="户籍在本县的退役军人和其他优抚对象。",
       script="请带身份证、户口簿和退役证件，当场采集，核对档案后2个工作日内录入完成，短信通知您。",
       materials=[form("退役军人和其他优抚对象信息采集表"),
                  id_card(),
                  household(),
                  mat("discharge_cert", "退出现役证明（退伍证等）", "both")]),
    CL(1, "残疾人证新办", "残疾人证", days=(30, 15), basis="《中华人民共和国残疾人保障法》；《中华人民共和国残疾人证管理办法》",
       proxy=True,
       cond="本县户籍，肢体、视力、听力、言语、智力、精神等方面存在长期功能障碍的人员。",
       script="请带身份证、户口簿和两张照片，先到指定医院做残疾评定，评定结果网上回传。15个工作日内发证，可以邮寄。",
       materials=[form("中华人民共和国残疾人证申请表"),
                  id_card(),
                  household(),
                  mat("photo", "近期二寸免冠彩色照片", count=2),
                  mat("disability_assessment", "残疾评定表（指定医疗机构出具）", "electronic", share=S_DIS)]),
    CL(2, "残疾人证换领", "残疾人证换领", days=(30, 10), basis="《中华人民共和国残疾人证管理办法》", proxy=True,
       cond="残疾人证有效期满、残疾类别或等级变化、证件损毁的。",
       script="请带原残疾人证和身份证，有效期满需要重新评定的先做评定。10个工作日内换发。",
       materials=[form("中华人民共和国残疾人证申请表"),
                  id_card(),
                  mat("disability_card", "原残疾人证（交回）", core=True, share=S_DIS),
                  mat("photo", "近期二寸免冠彩色照片", count=2, defer=True)]),
    CL(3, "残疾人证注销", "残疾人证注销", days=(5, 0), basis="《中华人民共和国残疾人证管理办法》",
       cond="持证人死亡、户口迁出本县或残疾状况消失的，应当注销残疾人证。",
       script="持证人去世的，亲属带身份证和残疾人证来，死亡信息系统能查到；当场注销，相关补贴同步停发。",
       questions=[q("reason", "注销原因？", "death:持证人死亡", "other:户口迁出或残疾消失")],
       materials=[form("残疾人证注销申请表"),
                  id_card("经办人居民身份证"),
                  mat("disability_card", "残疾人证（交回）", share=S_DIS, defer=True),
                  death_cert(when="reason:death")]),
    CL(4, "残疾人辅助器具适配补贴", "辅具补贴", days=(20, 10), basis="《中华人民共和国残疾人保障法》",
       proxy=True,
       cond="持有本县残疾人证，经评估需要适配辅助器具的残疾人。",
       script="请带残疾人证和身份证，适配评估后10个工作日内审核，补贴直接抵扣或发到社保卡。",
       materials=[form("残疾人辅助器具适配申请表"),
                  id_card("残疾人居民身份证"),
                  mat("disability_card", "中华人民共和国残疾人证", core=True, share=S_DIS),
                  mat("fitting_invoice", "辅助器具购买发票", defer=True),
                  bank_card("残疾人社会保障卡（银行账户）")]),
    ZJ(7, "公共租赁住房申请", "公租房", days=(30, 20), zone="SH",
       basis="《公共租赁住房管理办法》", proxy=True,
       cond="在本县城区无住房或人均住房面积低于规定标准，家庭收入和财产符合规定的城镇中等偏下收入家庭、新就业无房职工和外来务工人员。",
       script="请带全家身份证、户口簿、婚姻证明和收入证明；住房和社保情况我们联网核查。审核公示后20个工作日内出结果。",
       questions=[q("household", "申请人类型？", "local:本县户籍家庭", "migrant:外来务工人员、新就业职工"),
                  q("marital", "婚姻状况？", "married:已婚", "single:未婚、离异或丧偶")],
       materials=[form("公共租赁住房申请表"),
                  id_card("申请人及家庭成员居民身份证"),
                  household("家庭户口簿", when="household:local"),
                  mat("residence_permit", "浙江省居住证", share=S_POP, when="household:migrant"),
                  marriage(when="marital:married"),
                  mat("income_proof", "家庭成员收入证明", defer=True),
                  FAMILY_CHECK]),
    ZJ(8, "住房租赁合同网签备案", "租赁备案", days=(3, 0), zone="SH", visits=0,
       basis="《商品房屋租赁管理办法》；《住房租赁条例》",
       cond="出租人和承租人签订住房租赁合同后30日内办理备案。",
       script="在“浙里办”住房租赁平台双方签字就完成备案，不用跑；窗口办理请带双方身份证、合同和房产证，当场出备案证明。",
       materials=[form("住房租赁合同备案登记表"),
                  id_card("出租人、承租人居民身份证"),
                  mat("lease_contract", "住房租赁合同"),
                  property_cert(core=False)]),
    SF(1, "法律援助申请", "法律援助", days=(7, 3), zone="SH",
       basis="《中华人民共和国法律援助法》；《浙江省法律援助条例》", proxy=True,
       cond="因经济困难没有委托代理人，就请求支付劳动报酬、给予社会保险待遇、请求给付赡养费等事项申请法律援助的公民。",
       script="请带身份证、经济困难情况说明和案件材料；低保、特困人员免于核查经济状况。3个工作日内决定是否给予援助。",
       questions=[q("income", "经济状况？", "aided:低保、特困等救助对象", "statement:其他（个人诚信承诺）")],
       materials=[form("法律援助申请表"),
                  id_card(),
                  mat("hardship_pledge", "经济困难状况个人诚信承诺书", when="income:statement"),
                  mat("case_materials", "与所申请法律援助事项有关的案件材料", "copy", defer=True)]),
    MZ(9, "社会团体成立登记", "社团成立", days=(60, 20), target="enterprise",
       basis="《社会团体登记管理条例》", proxy=True,
       cond="有50个以上的个人会员或者30个以上的单位会员，有规范的名称、组织机构、固定住所、专职工作人员和合法资产，已经业务主管单位同意。",
       script="请带登记申请书、业务主管单位批准文件、章程草案、验资报告和住所证明，负责人身份证系统核验。20个工作日内发登记证书。",
       materials=[form("社会团体成立登记申请书"),
                  id_card("拟任法定代表人居民身份证"),
                  mat("sponsor_approval", "业务主管单位批准文件", core=True),
                  mat("articles", "社会团体章程草案（会员大会通过）", core=True),
                  mat("capital_report", "验资报告或资金来源证明"),
                  mat("premises_proof", "住所使用证明", "copy", defer=True),
                  mat("member_list", "会员名册", defer=True)]),
    WJ(6, "护士执业注册", "护士注册", days=(20, 5), visits=0,
       basis="《护士条例》；《护士执业注册管理办法》",
       cond="通过护士执业资格考试，在医疗卫生机构执业的；在教学、综合医院完成8个月以上护理临床实习。",
       script="在护士电子化注册系统提交，考试成绩和学历系统共享；5个工作日内发电子注册证书。",
       materials=[form("护士执业注册申请审核表"),
                  id_card(),
                  mat("nurse_exam", "护士执业资格考试成绩合格证明", "electronic", share="全国护士电子注册系统"),
                  mat("diploma", "学历证书", share=S_EDU),
                  mat("employer_consent", "拟执业医疗卫生机构接收证明"),
                  mat("health_exam", "6个月内的健康体检证明", defer=True)]),
]


# ----------------------------------------------------------------------------- 医保社保 (医保局、人社局)

SI_LAW = "《中华人民共和国社会保险法》"
MI_LAW = f"{SI_LAW}；《医疗保障基金使用监督管理条例》"
RESIDENT_PENSION = f"{SI_LAW}；《国务院关于建立统一的城乡居民基本养老保险制度的意见》"
NEWBORN_Q = q("insured", "参保人是谁？", "newborn:新生儿", "other:其他城乡居民")

HEALTH_INSURANCE = [
    YB(1, "城乡居民基本医疗保险参保登记", "居民医保参保", days=(1, 0), visits=0, basis=MI_LAW, proxy=True,
       cond="未参加职工基本医疗保险的本县户籍居民，以及持本县居住证的非本县户籍居民；新生儿出生后即可参保。",
       script="新生儿凭户口簿就能参保，出生当年参保缴费的从出生之日起享受待遇。当场办好，也可以在“浙里办”上自己办。",
       questions=[NEWBORN_Q, q("hukou", "户籍所在地？", "local:本县户籍", "other:非本县户籍（持居住证）")],
       materials=[form("城乡居民基本医疗保险参保登记表"),
                  id_card("参保人（或监护人）居民身份证"),
                  household("参保人户口簿"),
                  birth_cert(core=False, when="insured:newborn", notes="新生儿尚未落户时凭出生医学证明先行参保"),
                  mat("residence_permit", "浙江省居住证", share=S_POP, when="hukou:other")]),
    YB(2, "基本医疗保险跨省异地就医备案", "异地就医备案", days=(1, 0), visits=0, basis=MI_LAW, proxy=True,
       cond="参加本县基本医疗保险，需要在省外异地长期居住、工作或转诊就医的参保人员。",
       script="在“浙里办”或国家医保服务平台上自己备案最快，当场生效；窗口办理带身份证或社保卡，长期居住的签个承诺书就行。",
       questions=[q("type", "备案类型？", "reside:异地长期居住", "work:常驻异地工作", "refer:异地转诊就医",
                    "temporary:临时外出就医")],
       materials=[form("基本医疗保险跨省异地就医备案表"),
                  id_card("参保人居民身份证或社会保障卡"),
                  mat("reside_pledge", "异地长期居住或常驻工作个人承诺书", when=["type:reside", "type:work"]),
                  mat("referral_proof", "本县定点医疗机构出具的转诊转院证明", "electronic",
                      share=S_MI, when="type:refer")]),
    YB(3, "医疗费用手工（零星）报销", "医疗费报销", days=(30, 15), basis=MI_LAW, proxy=True,
       cond="参保人员因急诊、异地未直接结算等原因，在定点医疗机构发生的医疗费用由本人垫付的。",
       script="请带身份证或社保卡、医疗费发票原件、费用明细清单，住院的加出院小结；病历可以容缺后补。"
              "15个工作日内审核，钱打到您的社保卡。",
       questions=[q("visit", "就医类型？", "inpatient:住院", "outpatient:门诊（急诊）")],
       materials=[form("医疗费用零星报销申请表"),
                  id_card("参保人居民身份证或社会保障卡"),
                  mat("medical_invoices", "医疗费用发票原件", core=True),
                  mat("cost_list", "费用明细清单", defer=True),
                  mat("discharge_summary", "出院小结（出院记录）", when="visit:inpatient", defer=True),
                  mat("medical_record", "门（急）诊病历", when="visit:outpatient", defer=True),
                  bank_card()]),
    YB(4, "基本医疗保险关系转移接续", "医保转移", days=(45, 15), visits=0, basis=MI_LAW,
       cond="参保人员跨统筹地区就业或户籍迁移，需要转移基本医疗保险关系的。",
       script="在国家医保服务平台或“浙里办”上申请，转出地审核后自动转入，15个工作日内办结，不用跑。窗口办理带身份证。",
       materials=[form("基本医疗保险关系转移接续申请表"),
                  id_card(),
                  mat("insurance_record", "原参保地参保凭证", "electronic", share=S_MI)]),
    YB(5, "门诊慢特病待遇认定", "慢特病认定", days=(15, 5), basis=MI_LAW, proxy=True,
       cond="参保人员患有高血压、糖尿病、恶性肿瘤门诊治疗等规定病种，符合诊断标准的。",
       script="定点医院医生可以直接在系统里帮您申报；窗口办理请带社保卡和诊断证明、病历资料，5个工作日内认定。",
       materials=[form("门诊慢特病待遇认定申请表"),
                  id_card("参保人居民身份证或社会保障卡"),
                  mat("diagnosis_proof", "二级以上定点医疗机构诊断证明及相关检查报告"),
                  mat("medical_record", "近期门诊或住院病历", defer=True)]),
    YB(6, "职工医保个人账户余额继承", "医保账户继承", days=(20, 5), basis=MI_LAW,
       cond="职工基本医疗保险参保人员死亡后，其个人账户余额可以依法继承。",
       script="请带经办亲属身份证、逝者死亡证明和亲属关系证明；户口注销信息系统可查。5个工作日内转到继承人银行卡，医保同时停保。",
       materials=[form("职工医保个人账户余额继承申请表"),
                  id_card("继承人居民身份证"),
                  death_cert(),
                  mat("deceased_id_card", "逝者居民身份证或社会保障卡", defer=True),
                  mat("relationship_proof", "继承人与逝者的亲属关系证明", share=S_HH),
                  bank_card("继承人银行卡")]),
    YB(7, "医疗救助申请", "医疗救助", days=(20, 10), basis=f"{AID_LAW}；《浙江省医疗保障条例》", proxy=True,
       cond="低保、特困、低边等困难群众，以及因病致贫的大病患者，经基本医保、大病保险报销后自付费用较高的。",
       script="困难群众在定点医院看病时一站式结算就行；需要来窗口的，请带身份证、发票和结算单，10个工作日内审核发放。",
       materials=[form("医疗救助申请表"),
                  id_card(),
                  mat("medical_invoices", "医疗费用发票及医保结算单", core=True),
                  mat("aid_status", "救助对象身份认定结果", "electronic", share="浙江省大救助信息系统"),
                  bank_card()]),
    YB(8, "生育医疗费用和生育津贴申领", "生育津贴", days=(20, 10), basis=MI_LAW,
       cond="参加职工基本医疗保险（生育保险）的女职工生育或实施计划生育手术的。",
       script="生育津贴一般由单位在网上申报，发到单位账户；灵活就业人员请带身份证、出生医学证明和社保卡，10个工作日内发放。",
       questions=[q("employ", "就业状态？", "employee:在职职工（单位申报）", "flexible:灵活就业人员")],
       materials=[form("生育保险待遇申请表"),
                  id_card("生育女职工居民身份证"),
                  birth_cert(core=False),
                  mat("unit_letter", "单位申报材料（加盖公章）", when="employ:employee"),
                  bank_card(when="employ:flexible")]),
    YB(9, "职工医保退休人员待遇核定", "退休医保核定", days=(20, 5), basis=MI_LAW,
       cond="达到法定退休年龄，职工医保累计缴费年限达到规定年限的参保人员。",
       script="退休审批通过后我们自动核定，不满年限的可以一次性补缴。一般不用另交材料，5个工作日内办结。",
       questions=[q("years", "职工医保缴费是否满规定年限？", "enough:已满", "short:未满需补缴")],
       materials=[form("职工医保退休人员待遇核定表"),
                  id_card(),
                  mat("retirement_approval", "退休审批结果", "electronic", share=S_SI),
                  mat("top_up_pledge", "一次性补缴医保费承诺书", when="years:short")]),
    SW(3, "城乡居民基本医疗保险费缴纳", "居民医保缴费", days=(1, 0), zone="YB", visits=0,
       fee="按本年度城乡居民医保个人缴费标准缴纳；困难群众个人缴费部分由医疗救助资助",
       basis=f"{SI_LAW}；《社会保险费征缴暂行条例》",
       cond="已办理城乡居民基本医疗保险参保登记的人员；新生儿在出生当年参保登记后缴费。",
       script="参保登记后用“浙里办”“支付宝”或银行就能缴，当场到账；窗口缴费请带参保人身份证或户口簿。",
       materials=[id_card("参保人（或监护人）居民身份证"),
                  household("参保人户口簿", core=False, optional=True, notes="新生儿缴费时提供")]),
]

SOCIAL_SECURITY = [
    RS(1, "社会保障卡申领", "社保卡申领", days=(1, 0), basis=SI_LAW, proxy=True,
       cond="参加社会保险的人员和本县户籍居民，未持有社会保障卡的；新生儿可由监护人代为申领。",
       script="请带身份证，16周岁以下的带户口簿和监护人身份证；现场拍照，即时制卡，当场拿卡。也可以在“浙里办”申领电子社保卡。",
       questions=[q("age", "申领人年龄？", "adult:年满16周岁", "minor:未满16周岁（含新生儿）")],
       materials=[form("社会保障卡申领登记表"),
                  id_card("申领人居民身份证", when="age:adult"),
                  household("申领人户口簿", when="age:minor"),
                  mat("guardian_id_card", "监护人居民身份证", core=True, share=S_POP, when="age:minor"),
                  mat("photo", "近期一寸免冠彩色照片", optional=True, notes="窗口可现场拍摄")]),
    RS(2, "社会保障卡补换", "社保卡补换", days=(1, 0), basis=SI_LAW, proxy=True,
       cond="社会保障卡遗失、损坏或需要换领第三代社会保障卡的。",
       script="请带身份证，损坏的把旧卡带来；先挂失再补卡，即时制卡，当场拿卡，金融账户随卡迁移。",
       questions=[q("reason", "补换原因？", "lost:遗失补卡", "damaged:损坏或换代换卡")],
       materials=[form("社会保障卡补换申请表"),
                  id_card(),
                  mat("old_si_card", "原社会保障卡（交回）", when="reason:damaged")]),
    RS(3, "城乡居民基本养老保险参保登记", "居民养老参保", days=(1, 0), visits=0, basis=RESIDENT_PENSION,
       proxy=True,
       cond="年满16周岁（不含在校学生），不属于职工基本养老保险覆盖范围的本县户籍居民。",
       script="请带身份证和户口簿，当场参保，选好缴费档次后用“浙里办”或银行缴费。",
       materials=[form("城乡居民基本养老保险参保登记表"),
                  id_card(),
                  household()]),
    RS(4, "城乡居民基本养老保险待遇申领", "居民养老待遇", days=(20, 5), basis=RESIDENT_PENSION, proxy=True,
       cond="年满60周岁，累计缴费满15年，未领取国家规定的基本养老保障待遇的参保人。",
       script="请带身份证、户口簿和社保卡；5个工作日内核定，次月起按月发到社保卡。",
       materials=[form("城乡居民基本养老保险待遇领取申请表"),
                  id_card(),
                  household(),
                  bank_card("本人社会保障卡（银行账户）")]),
    RS(5, "企业职工基本养老保险待遇申领（退休）", "职工退休", days=(20, 5), basis=SI_LAW, proxy=True,
       cond="达到法定退休年龄（含弹性退休），基本养老保险累计缴费满规定年限的参保人员。",
       script="单位或本人在网上申请，请带身份证和社保卡，档案中有特殊工种的带审批材料。"
              "5个工作日内核定养老金，医保、公积金同时联办。",
       questions=[q("employ", "申请人身份？", "unit:企业在职职工（单位申报）", "flexible:灵活就业人员"),
                  q("special", "是否申请特殊工种提前退休？", "no:否", "yes:是")],
       materials=[form("基本养老保险待遇申领表"),
                  id_card(),
                  mat("personnel_file", "本人人事档案", when="employ:unit", defer=True,
                      notes="档案由存档机构转递，可容缺后补"),
                  mat("special_job_proof", "特殊工种岗位工作经历审核材料", when="special:yes"),
                  bank_card("本人社会保障卡（银行账户）")]),
    RS(6, "养老保险待遇领取资格认证", "待遇资格认证", days=(1, 0), visits=0, basis=SI_LAW, proxy=True,
       cond="正在领取养老保险待遇的人员，每年至少完成一次资格认证。",
       script="在“浙里办”或“掌上12333”刷脸就能认证；行动不便的我们可以上门。窗口认证带身份证，当场完成。",
       materials=[id_card("待遇领取人居民身份证")]),
    RS(7, "失业保险金申领", "失业金", days=(15, 3), visits=0, basis="《失业保险条例》；《浙江省失业保险条例》",
       cond="失业前用人单位和本人已缴纳失业保险费满1年，非因本人意愿中断就业，已办理失业登记并有求职要求的。",
       script="在“浙里办”上就能申领，单位的解除劳动合同信息系统共享；窗口办理带身份证和社保卡，3个工作日内核定，按月发放。",
       materials=[form("失业保险金申领登记表"),
                  id_card(),
                  mat("termination_proof", "解除或终止劳动合同证明", "electronic", share=S_SI, defer=True),
                  bank_card("本人社会保障卡（银行账户）")]),
    RS(8, "丧葬补助金和抚恤金申领", "丧葬抚恤金", days=(20, 5), basis=f"{SI_LAW}第十七条",
       cond="参加基本养老保险的个人因病或者非因工死亡的，其遗属可以领取丧葬补助金和抚恤金。",
       script="请带经办遗属身份证、逝者死亡证明和亲属关系证明，社保卡有余额的一并处理。"
              "5个工作日内核定，发到遗属银行卡，养老金同时停发。",
       questions=[q("scheme", "逝者参加的养老保险？", "employee:企业职工基本养老保险", "resident:城乡居民基本养老保险"),
                  q("pension", "逝者是否已领取养老金？", "retired:已领取（退休人员）", "working:未领取（在职或缴费中）")],
       materials=[form("丧葬补助金、抚恤金申领表"),
                  id_card("经办遗属居民身份证"),
                  death_cert(),
                  mat("deceased_id_card", "逝者居民身份证或社会保障卡", defer=True),
                  mat("relationship_proof", "遗属与逝者的亲属关系证明", share=S_HH),
                  mat("overpaid_refund", "死亡后多领养老金的退还凭证", when="pension:retired", defer=True),
                  bank_card("经办遗属银行卡")]),
    RS(9, "城乡居民基本养老保险注销登记", "居民养老注销", days=(20, 5), basis=RESIDENT_PENSION,
       cond="参保人死亡、出国（境）定居或已享受其他基本养老保障待遇的，注销城乡居民养老保险关系，个人账户余额依法继承或退还。",
       script="参保人去世的，请带经办亲属身份证、死亡证明和亲属关系证明；5个工作日内注销，个人账户余额退到继承人银行卡。",
       questions=[q("reason", "注销原因？", "death:参保人死亡", "other:出国定居或转入职工养老保险")],
       materials=[form("城乡居民基本养老保险注销登记表"),
                  id_card("经办人居民身份证"),
                  death_cert(when="reason:death"),
                  mat("relationship_proof", "继承人与参保人的亲属关系证明", share=S_HH, when="reason:death"),
                  mat("emigration_proof", "出国定居证明或职工养老保险参保证明", when="reason:other"),
                  bank_card("继承人（或本人）银行卡")]),
    RS(10, "就业创业证申领", "就业创业证", days=(1, 0), visits=0, basis="《就业服务与就业管理规定》", proxy=True,
       cond="法定劳动年龄内、有劳动能力和就业要求的城乡劳动者，以及高校毕业生等需要享受就业创业扶持政策的人员。",
       script="在“浙里办”上就能领电子就业创业证；窗口办理带身份证，当场办好。",
       materials=[form("就业创业证申领登记表"),
                  id_card(),
                  mat("diploma", "毕业证书", share=S_EDU, optional=True, notes="高校毕业生申领时提供")]),
    RS(11, "灵活就业人员参保登记", "灵活就业参保", days=(1, 0), visits=0, basis=SI_LAW,
       cond="无雇工的个体工商户、未在用人单位参加社会保险的非全日制从业人员及其他灵活就业人员。",
       script="请带身份证，当场登记，养老和医保一起办；缴费在“浙里办”上按月或按年缴。",
       materials=[form("灵活就业人员参保登记表"),
                  id_card()]),
    RS(12, "单位社会保险登记", "单位参保登记", days=(1, 0), visits=0, target="enterprise", zone="SS",
       basis=f"{SI_LAW}；《社会保险费征缴暂行条例》",
       cond="新设立的用人单位，自成立之日起30日内办理社会保险登记。",
       script="企业开办时勾选就一并办好，营业执照信息系统共享，不用另交材料；员工参保在网上增员。",
       materials=[form("社会保险登记表（企业开办联办时自动生成）", form="electronic"),
                  license_(),
                  id_card("法定代表人居民身份证")]),
    RS(13, "创业担保贷款申请", "创业担保贷款", days=(20, 10), basis="《中华人民共和国就业促进法》；《就业服务与就业管理规定》",
       proxy=True,
       cond="符合条件的城镇登记失业人员、高校毕业生、退役军人、返乡创业农民工等创业人员及小微企业。",
       script="请带身份证、营业执照和创业计划书，我们和担保机构、银行一起审核，10个工作日内给结果。",
       questions=[q("borrower", "借款人？", "person:个人创业者", "company:小微企业")],
       materials=[form("创业担保贷款申请审批表"),
                  id_card("借款人（法定代表人）居民身份证"),
                  license_(),
                  mat("business_plan", "创业计划书", when="borrower:person", defer=True),
                  mat("hiring_proof", "吸纳就业人员名单及劳动合同", "copy", when="borrower:company"),
                  marriage(when="borrower:person", optional=True, notes="已婚的需配偶共同签字")]),
    RS(14, "企业职工基本养老保险关系转移接续", "养老保险转移", days=(45, 15), visits=0, basis=SI_LAW,
       cond="参保人员跨省、跨统筹地区流动就业，需要转移基本养老保险关系的。",
       script="在“浙里办”或国家社会保险公共服务平台上申请，转出地和转入地网上流转，不用两头跑；15个工作日内办结。",
       materials=[form("基本养老保险关系转移接续申请表"),
                  id_card(),
                  mat("insurance_voucher", "原参保地参保缴费凭证", "electronic", share=S_SI)]),
    RS(15, "工伤认定申请", "工伤认定", days=(60, 20), target="both",
       basis="《工伤保险条例》；《工伤认定办法》", proxy=True,
       cond="职工发生事故伤害或被诊断为职业病，所在单位在30日内、职工或近亲属在1年内提出工伤认定申请。",
       script="请带工伤认定申请表、劳动关系证明和医疗诊断证明；事故经过证明可以容缺后补。20个工作日内作出认定决定，可以邮寄。",
       questions=[q("applicant", "由谁申请？", "unit:用人单位", "worker:职工或其近亲属")],
       materials=[form("工伤认定申请表"),
                  id_card("受伤职工居民身份证"),
                  mat("labor_relation", "劳动合同或其他劳动关系证明", "copy", share=S_SI),
                  mat("diagnosis_proof", "医疗机构出具的受伤后诊断证明书或职业病诊断证明书"),
                  mat("accident_proof", "事故经过证明或证人证言", defer=True),
                  license_("用人单位营业执照", when="applicant:unit")]),
]


# ----------------------------------------------------------------------------- 综合 (税务、公积金、烟草、交通、水电气、银行)

TAX_LAW = "《中华人民共和国税收征收管理法》；《中华人民共和国发票管理办法》"
FUND_LAW = "《住房公积金管理条例》"

GENERAL = [
    SW(4, "新办纳税人涉税事项（“套餐式”服务）", "新办涉税", days=(1, 0), visits=0, target="enterprise",
       basis=TAX_LAW, proxy=True,
       cond="新设立的企业和个体工商户，领取营业执照后办理涉税信息确认、税费种认定和发票票种核定。",
       script="企业开办时一并确认，登记信息自动带入税务系统，不用另交材料；数电发票开票额度当场确定。",
       materials=[form("新办纳税人涉税事项综合申请表", form="electronic"),
                  license_(),
                  id_card("法定代表人（财务负责人）居民身份证")]),
    SW(5, "发票领用", "发票领用", days=(1, 0), visits=0, target="both", basis=TAX_LAW, proxy=True,
       cond="已办理税务信息确认的纳税人，需要领用纸质发票或调整数电发票开票额度的。",
       script="数电发票在电子税务局就能开，额度不够的在网上申请调整；要领纸质发票的请带经办人身份证，当场发售。",
       questions=[q("type", "发票类型？", "digital:数电发票额度调整", "paper:纸质发票领用")],
       materials=[form("发票领用（额度调整）申请表"),
                  license_(),
                  id_card("经办人居民身份证"),
                  mat("invoice_stamp", "发票专用章", when="type:paper")]),
    SW(6, "代开增值税发票（自然人）", "代开发票", days=(1, 0), visits=0, basis=f"{TAX_LAW}；《中华人民共和国增值税法》",
       fee=FEE_TAX, proxy=True,
       cond="自然人销售货物、提供劳务、出租不动产等发生应税行为，需要开具发票的。",
       script="在“个人所得税”App或电子税务局就能申请代开；窗口办理请带身份证和合同协议，当场缴税开票。",
       materials=[form("代开增值税发票缴纳税款申报单"),
                  id_card(),
                  mat("deal_contract", "购销、劳务或租赁合同协议", "copy")]),
    SW(7, "清税注销（税务注销）", "税务注销", days=(20, 3), visits=0, target="enterprise",
       basis=TAX_LAW, proxy=True,
       cond="纳税人依法终止纳税义务，结清应纳税款、滞纳金、罚款，缴销发票后申请注销税务登记。",
       script="未领发票、无欠税的可以即时出清税证明；有未结事项的签承诺书容缺办理。3个工作日内出清税证明，共享给市场监管。",
       questions=[q("state", "纳税状况？", "clean:未领用发票、无欠税", "pending:有未结清事项（承诺制）")],
       materials=[form("清税申报表"),
                  license_(),
                  id_card("经办人居民身份证"),
                  mat("tax_pledge", "税务注销承诺书", when="state:pending")]),
    GJ(1, "住房公积金单位缴存登记", "公积金开户", days=(3, 0), visits=0, target="enterprise", zone="SS",
       basis=FUND_LAW,
       cond="新设立的单位，自设立之日起30日内办理住房公积金缴存登记。",
       script="企业开办时勾选即一并开户，营业执照信息共享，不用另交材料；员工开户在网上办。",
       materials=[form("住房公积金单位缴存登记表", form="electronic"),
                  license_(),
                  id_card("法定代表人居民身份证")]),
    GJ(2, "住房公积金提取", "公积金提取", days=(3, 1), post=False, basis=FUND_LAW, proxy=True,
       cond="购买、建造、翻建、大修自住住房，偿还住房贷款，租房，离休、退休，死亡或者被宣告死亡等情形。",
       script="购房、租房提取大多在“浙里办”上就能办；窗口办理带身份证，按提取原因带购房合同、退休证明或死亡证明，1个工作日内转到您的银行卡。",
       questions=[q("reason", "提取原因？", "buy:购买自住住房", "rent:租赁住房", "retire:离休、退休",
                    "death:职工死亡（继承人提取）")],
       materials=[form("住房公积金提取申请书"),
                  id_card("申请人居民身份证"),
                  mat("sale_contract", "购房合同（网签备案）", share=S_CONTRACT, when="reason:buy"),
                  property_cert(core=False, when="reason:buy", optional=True, notes="已办证的提供"),
                  mat("lease_contract", "住房租赁合同", when="reason:rent", defer=True),
                  mat("retirement_approval", "退休审批结果", "electronic", share=S_SI, when="reason:retire"),
                  death_cert(when="reason:death"),
                  mat("relationship_proof", "继承人与职工的亲属关系证明", share=S_HH, when="reason:death"),
                  bank_card("申请人本人银行卡")]),
    GJ(3, "住房公积金个人住房贷款", "公积金贷款", days=(15, 5), basis=FUND_LAW, proxy=True,
       cond="连续足额缴存住房公积金满规定期限，购买、建造、翻建、大修自住住房，且无未还清公积金贷款的缴存职工。",
       script="请带夫妻双方身份证、户口簿、婚姻证明和购房合同；缴存和征信我们联网查询。5个工作日内审批，抵押登记在银行一并办理。",
       questions=[q("marital", "借款人婚姻状况？", "married:已婚", "single:未婚、离异或丧偶"),
                  q("house", "所购住房？", "new:新建商品房", "resale:二手房")],
       materials=[form("住房公积金个人住房贷款申请表"),
                  id_card("借款人及配偶居民身份证"),
                  household("借款人户口簿", core=False),
                  marriage(when="marital:married"),
                  mat("single_pledge", "婚姻状况声明", when="marital:single"),
                  mat("sale_contract", "购房合同（网签备案）", share=S_CONTRACT),
                  mat("down_payment", "首付款发票或收据", "copy", defer=True),
                  property_cert("所购二手房不动产权证书", when="house:resale", core=False)]),
    YC(1, "烟草专卖零售许可证新办", "烟草零售许可", days=(20, 10), target="both",
       basis="《中华人民共和国烟草专卖法》；《中华人民共和国烟草专卖法实施条例》；《烟草专卖许可证管理办法》",
       proxy=True,
       cond="有与经营烟草制品零售业务相适应的资金和固定经营场所，符合本县烟草制品零售点合理布局规定。",
       script="请带营业执照、经营者身份证和经营场所证明；我们实地核查布局后10个工作日内发证。",
       materials=[form("烟草专卖零售许可证申请表"),
                  license_(),
                  id_card("经营者（负责人）居民身份证"),
                  mat("premises_proof", "经营场所使用证明", "copy", defer=True)]),
    YC(2, "烟草专卖零售许可证延续", "烟草许可延续", days=(20, 5), target="both", visits=0,
       basis="《中华人民共和国烟草专卖法实施条例》；《烟草专卖许可证管理办法》",
       cond="许可证有效期届满需要继续经营的，在有效期届满30日前申请延续。",
       script="在“浙里办”上提交延续申请，不用跑；窗口办理带原许可证和营业执照，5个工作日内换发。",
       materials=[form("烟草专卖零售许可证延续申请表"),
                  mat("tobacco_license", "原烟草专卖零售许可证", core=True),
                  license_()]),
    JT(1, "道路货物运输经营许可", "货运许可", days=(20, 5), target="both",
       basis="《中华人民共和国道路运输条例》；《道路货物运输及站场管理规定》", proxy=True,
       cond="有与其经营业务相适应并经检测合格的车辆，有符合规定的驾驶人员和安全生产管理制度。",
       script="请带申请表、营业执照、车辆和驾驶员情况；驾驶员从业资格证系统共享。5个工作日内发经营许可证。",
       questions=[q("dangerous", "是否经营危险货物运输？", "no:普通货物", "yes:危险货物")],
       materials=[form("道路货物运输经营申请表"),
                  license_(),
                  id_card("负责人（经营者）居民身份证"),
                  mat("vehicle_list", "拟投入车辆承诺书或车辆行驶证", "copy", share=S_TRAFFIC),
                  mat("driver_qualification", "驾驶人员从业资格证", "electronic", share="道路运输从业人员信息系统"),
                  mat("safety_rules", "安全生产管理制度文本", defer=True),
                  mat("dangerous_goods_staff", "专职安全管理人员、押运人员资格证明", when="dangerous:yes")]),
    JT(2, "道路运输证配发（营运车辆）", "道路运输证", days=(5, 1), post=False, target="both", visits=0,
       basis="《中华人民共和国道路运输条例》",
       cond="已取得道路运输经营许可，新增或更新营运车辆的。",
       script="在网上提交车辆信息，行驶证和技术等级评定结果系统共享；1个工作日内配发电子道路运输证。",
       materials=[form("道路运输证配发申请表"),
                  mat("vehicle_license", "机动车行驶证", share=S_TRAFFIC, core=True),
                  mat("road_transport_permit", "道路运输经营许可证", "electronic", share="道路运政管理信息系统")]),
    GS(1, "用水过户", "用水过户", days=(3, 0), visits=0, target="both", basis="《城市供水条例》",
       cond="房屋产权或使用权转移后，由新户主办理用水户名变更。",
       script="二手房过户一件事联办时自动推送，不用另跑；单独办理请带新户主身份证和不动产权证书，当场过户。",
       materials=[form("用水过户申请表"),
                  id_card("新户主居民身份证"),
                  property_cert(core=False),
                  mat("water_meter_reading", "水表读数及原户结清水费凭证", defer=True)]),
    GD(1, "用电过户", "用电过户", days=(3, 0), visits=0, target="both", basis="《电力供应与使用条例》",
       cond="房屋产权转移后，由新户主办理用电户名变更。",
       script="二手房过户一件事联办时自动推送，不用另跑；单独办理请带新户主身份证和不动产权证书，当场过户。",
       materials=[form("用电过户申请表"),
                  id_card("新户主居民身份证"),
                  property_cert(core=False)]),
    RQ(1, "管道燃气过户", "燃气过户", days=(5, 2), target="both", basis="《城镇燃气管理条例》；《浙江省燃气管理条例》",
       cond="房屋产权转移后，由新户主办理管道燃气户名变更；过户时需入户安全检查。",
       script="二手房过户一件事联办时自动推送；燃气公司会约时间上门安检，请带新户主身份证和不动产权证书，安检合格后2个工作日内过户。",
       materials=[form("管道燃气过户申请表"),
                  id_card("新户主居民身份证"),
                  property_cert(core=False),
                  mat("gas_card", "原户燃气卡（IC卡表用户）", optional=True)]),
    YH(1, "企业银行开户预约", "银行开户预约", days=(1, 0), visits=0, target="enterprise", zone="SS",
       basis="《人民币银行结算账户管理办法》",
       cond="新设立企业需要开立基本存款账户的，可在企业开办时选择开户银行并预约。",
       script="企业开办时选好银行，信息推送给银行，银行客户经理当天联系您上门或到网点开户。",
       materials=[form("企业开户预约信息表", form="electronic"),
                  license_(),
                  id_card("法定代表人居民身份证")]),
]


# ----------------------------------------------------------------------------- 一件事 (bundles, by matter name)

BUNDLES = [
    ("BUNDLE-BIRTH", "出生一件事", "ZH", 2,
     "新生儿出生后，凭《出生医学证明》和父母身份证、户口簿一次申请，联办落户、预防接种证、医保参保缴费"
     "和社保卡，材料共享、结果统一送达。",
     ["出生登记（新生儿入户）", "预防接种证办理", "城乡居民基本医疗保险参保登记", "城乡居民基本医疗保险费缴纳",
      "社会保障卡申领"]),
    ("BUNDLE-DEATH", "身后一件事", "ZH", 5,
     "亲人离世后，家属在一个窗口一次申请，联办户口注销、殡葬费用减免、丧葬补助金和抚恤金、养老保险注销、"
     "医保个人账户继承、残疾人证注销和公积金提取，死亡信息共享核验。",
     ["死亡注销户口", "基本殡葬服务费用减免", "丧葬补助金和抚恤金申领", "城乡居民基本养老保险注销登记",
      "职工医保个人账户余额继承", "残疾人证注销", "住房公积金提取"]),
    ("BUNDLE-COMPANY", "企业开办一件事", "SS", 1,
     "一次填报、一窗受理，营业执照、公章、涉税事项、社保和公积金登记、银行开户预约一日办结，全程免费。",
     ["有限责任公司设立登记", "印章刻制备案", "新办纳税人涉税事项（“套餐式”服务）", "单位社会保险登记",
      "住房公积金单位缴存登记", "企业银行开户预约"]),
    ("BUNDLE-RESALE", "二手房交易登记一件事", "BDC", 2,
     "存量房买卖一窗受理，税费申报、不动产转移登记同步办理，水、电、燃气过户信息自动推送。",
     ["存量房交易税费申报", "国有建设用地使用权及房屋所有权转移登记（存量房买卖）", "用水过户", "用电过户",
      "管道燃气过户"]),
    ("BUNDLE-RETIRE", "退休一件事", "YB", 5,
     "职工达到退休年龄，一次申请联办养老金核定、职工医保退休待遇核定和住房公积金退休提取。",
     ["企业职工基本养老保险待遇申领（退休）", "职工医保退休人员待遇核定", "住房公积金提取"]),
    ("BUNDLE-CATERING", "开餐馆一件事", "SS", 5,
     "开小餐馆一次申请，联办个体工商户登记、食品经营许可和排水许可，现场核查一次完成。",
     ["个体工商户设立登记", "食品经营许可（新办）", "城镇污水排入排水管网许可"]),
]


# ----------------------------------------------------------------------------- 申请表 (application forms, by matter name)

# The fields the window types into each matter's form, in the 申请表字段 syntax of clerk.forms
# (``名称[key]*:type``). Keys name the same item across matters — ``contact_phone``,
# ``deceased_name``, ``bank_account`` — so a bundle asks for it once.
BANK = "开户银行[bank_name]*:text(40); 银行账号[bank_account]*"
DECEASED = ("逝者姓名[deceased_name]*:text(20); 逝者身份证号[deceased_id]*:id_number; 死亡日期[death_date]*:date; "
            "申请人与逝者关系[deceased_relation]*:choice(配偶|子女|父母|其他近亲属)")
PATTERNS = {"bank_account": (r"\d{12,30}", "应为12–30位数字，不含空格"),
            "baby_name": (r"[\u4e00-\u9fa5·]{1,20}", "应为汉字（少数民族姓名可含“·”）")}
FORMS = {
    "出生登记（新生儿入户）":
        "新生儿姓名[baby_name]*:text(20); 性别[baby_sex]*:choice(男|女); 出生日期[birth_date]*:date; "
        "出生地点[birth_place]*:text(100); 申报人与新生儿关系[declarant_relation]*:choice(父亲|母亲|祖父母|外祖父母|其他监护人); "
        "联系电话[contact_phone]:phone",
    "死亡注销户口": f"{DECEASED}; 联系电话[contact_phone]*:phone",
    "居民身份证申领（首次）":
        "申领原因[id_reason]*:choice(首次申领|年满16周岁申领); 领证方式[id_pickup]*:choice(窗口领取|邮寄); "
        "联系电话[contact_phone]*:phone",
    "个体工商户设立登记":
        "字号名称[trade_name]:text(30); 经营场所[premises]*:text(100); 经营范围[business_scope]*:text(500); "
        "资金数额（万元）[capital]:number; 从业人数[staff_count]:number; 联系电话[contact_phone]*:phone",
    "有限责任公司设立登记":
        "企业名称[company_name]*:text(50); 住所[company_address]*:text(100); 注册资本（万元）[registered_capital]*:number; "
        "经营范围[business_scope]*:text(500); 法定代表人姓名[legal_rep_name]*:text(20); "
        "法定代表人身份证号[legal_rep_id]*:id_number; 联系电话[contact_phone]*:phone",
    "社会保障卡申领": "领卡方式[card_pickup]:choice(窗口领取|邮寄); 联系电话[contact_phone]:phone",
    "城乡居民基本医疗保险参保登记":
        "参保类别[insured_type]*:choice(少儿|大学生|成年居民|老年居民); 联系电话[contact_phone]*:phone",
    "基本殡葬服务费用减免": f"{DECEASED}; 火化日期[cremation_date]*:date; {BANK}",
    "丧葬补助金和抚恤金申领": f"{DECEASED}; {BANK}; 联系电话[contact_phone]*:phone",
    "住房公积金提取": f"提取金额（元）[withdraw_amount]*:number; {BANK}; 联系电话[contact_phone]*:phone",
    "最低生活保障审核确认":
        "家庭人口数[household_size]*:number; 家庭月总收入（元）[monthly_income]*:number; "
        f"致困原因[hardship]*:choice(因病|因残|因灾|失业|其他); {BANK}",
    "公共租赁住房申请":
        "家庭人口数[household_size]*:number; 家庭年收入（元）[annual_income]*:number; "
        "现住址[current_address]*:text(100); 联系电话[contact_phone]*:phone",
    "法律援助申请":
        "案由[case_cause]*:text(100); 对方当事人[opponent]:text(50); 家庭月人均收入（元）[income]*:number; "
        "联系电话[contact_phone]*:phone",
}


def form_fields(spec: str) -> list[dict[str, Any]]:
    from clerk.forms import parse_text

    fields, problems = parse_text(spec)
    if problems:
        raise ValueError("; ".join(problems))
    for f in fields:
        if f["key"] in PATTERNS:
            f["pattern"], f["hint"] = PATTERNS[f["key"]]
    return fields


def all_matters() -> list[dict[str, Any]]:
    return [*PUBLIC_SECURITY, *MARKET, *REAL_ESTATE, *INVESTMENT, *SOCIAL, *HEALTH_INSURANCE,
            *SOCIAL_SECURITY, *GENERAL]


def build_catalog() -> dict[str, Any]:
    """The whole catalog as plain data; refuses duplicate codes or names and unknown bundle matters."""
    matters = all_matters()
    by_name: dict[str, str] = {}
    codes: set[str] = set()
    for m in matters:
        if m["code"] in codes or m["name"] in by_name:
            raise ValueError(f"重复的事项: {m['code']} {m['name']}")
        codes.add(m["code"])
        by_name[m["name"]] = m["code"]
    unknown = [n for n in FORMS if n not in by_name]
    if unknown:
        raise ValueError(f"申请表引用了不存在的事项: {'、'.join(unknown)}")
    for m in matters:
        if m["name"] in FORMS:
            m["form_fields"] = form_fields(FORMS[m["name"]])
    bundles = []
    for code, name, zone, days, description, names in BUNDLES:
        missing = [n for n in names if n not in by_name]
        if missing:
            raise ValueError(f"一件事“{name}”引用了不存在的事项: {'、'.join(missing)}")
        bundles.append({"code": code, "name": name, "description": description, "zone": zone,
                        "promised_days": days, "matters": [by_name[n] for n in names]})
    return {"format": FORMAT, "version": VERSION, "matters": matters, "bundles": bundles}


def render(catalog: dict[str, Any]) -> str:
    return json.dumps(catalog, ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成演示事项目录 demo_catalog.json")
    parser.add_argument("--output", type=Path, default=OUT, help="输出文件（默认 clerk/data/demo_catalog.json）")
    parser.add_argument("--check", action="store_true", help="只检查输出文件是否为最新，不写入")
    args = parser.parse_args(argv)
    catalog = build_catalog()
    text = render(catalog)
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} 不是最新，请运行 python tools/make_demo_catalog.py", file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"已写入 {len(catalog['matters'])} 个事项、{len(catalog['bundles'])} 个一件事 → {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
