"""Small hand-made catalog for case tests: two matters sharing 身份证, one bundle, one
immediate matter; and valid test identities (check characters computed, not copied)."""
from __future__ import annotations

from clerk.bootstrap import ensure_hall, ensure_users
from clerk.db import Database
from clerk.search import make_search_text
from clerk.dto import ApplicantInput, UserInfo
from clerk.models import (Bundle, BundleItem, MaterialRequirement, Matter, OptionMaterial, SituationOption,
                          SituationQuestion, User)

_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(body17: str) -> str:
    total = sum(int(d) * w for d, w in zip(body17, _W))
    return body17 + "10X98765432"[total % 11]


ZHANG = id_number("33022519900101123")  # 张三, 象山县
LI = id_number("33022519850612002")     # 李四, his proxy


def make_catalog(db: Database) -> None:
    with db.uow() as s:
        hall = ensure_hall(s)
        ensure_users(s, hall)
        m1 = Matter(code="M-HUJI", name="出生登记", department="象山县公安局", zone_code="GA",
                    kind="committed", statutory_days=20, promised_days=3, delivery_options=["window", "post"])
        q = SituationQuestion(key="who", text="由谁办理？", options=[
            SituationOption(key="self", text="本人办理", position=0),
            SituationOption(key="proxy", text="委托他人办理", position=1)])
        m1.questions.append(q)
        idc = MaterialRequirement(key="id_card", name="父母居民身份证", form="original", count=1, core=True,
                                  shareable=True, share_source="公安人口信息库", position=0)
        birth = MaterialRequirement(key="birth_cert", name="出生医学证明", form="original", count=1, core=True, position=1)
        photo = MaterialRequirement(key="photo", name="婴儿近期照片", form="original", count=2, core=False,
                                    deferrable=True, position=2)
        poa = MaterialRequirement(key="power_of_attorney", name="授权委托书", form="original", core=True, position=3)
        m1.materials.extend([idc, birth, photo, poa])
        m2 = Matter(code="M-YIBAO", name="城乡居民医保参保登记", department="象山县医疗保障局", zone_code="YB",
                    kind="committed", statutory_days=10, promised_days=2, delivery_options=["window"])
        m2.materials.append(MaterialRequirement(key="id_card", name="居民身份证", form="original", core=True,
                                                shareable=True, share_source="公安人口信息库"))
        m2.materials.append(MaterialRequirement(key="hukou", name="户口簿", form="both", core=False,
                                                deferrable=True, position=1))
        m3 = Matter(code="M-SBK", name="社会保障卡申领", department="象山县人力资源和社会保障局", zone_code="YB",
                    kind="immediate", statutory_days=0, promised_days=0)
        m3.materials.append(MaterialRequirement(key="id_card", name="居民身份证", form="original", core=True))
        s.add_all([m1, m2, m3])
        s.flush()
        s.add(OptionMaterial(option_id=q.options[1].id, material_id=poa.id))
        for m in (m1, m2, m3):
            m.search_text = make_search_text(m.name, m.short_name, m.code, m.department)
        b = Bundle(code="B-BIRTH", name="出生一件事", zone_code="ZH", promised_days=2,
                   search_text=make_search_text("出生一件事", "", "B-BIRTH", "多部门联办"))
        b.items.extend([BundleItem(matter=m1, position=0), BundleItem(matter=m2, position=1)])
        s.add(b)


def clerk_user(db: Database, username: str = "clerk") -> UserInfo:
    from clerk.auth import to_info
    from sqlalchemy import select

    with db.uow() as s:
        return to_info(s.scalar(select(User).where(User.username == username)))


def zhang(**kw) -> ApplicantInput:
    return ApplicantInput(name="张三", id_number=ZHANG, phone="13812345678", **kw)
