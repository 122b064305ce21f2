"""ID numbers, credit codes and phones as a clerk types them: what passes, what the message says."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clerk import refdata
from clerk.errors import ValidationError
from clerk.validation import (
    USCC_ALPHABET,
    id_card_type,
    id_check_char,
    uscc_check_char,
    validate_id_number,
    validate_landline,
    validate_mobile,
    validate_phone,
    validate_uscc,
)

TODAY = dt.date(2026, 11, 23)


def with_check(body17: str) -> str:
    return body17 + id_check_char(body17)


def error_of(fn, *args, **kw) -> str:
    with pytest.raises(ValidationError) as exc:
        fn(*args, **kw)
    assert exc.value.english and exc.value.english != exc.value.message  # both languages given
    return exc.value.message


# --------------------------------------------------------------------------- resident ID


def test_standard_example_decodes_birth_sex_and_division():
    info = validate_id_number("11010519491231002X", today=TODAY)
    assert info.number == "11010519491231002X"
    assert info.card_type == "resident"
    assert info.birth_date == dt.date(1949, 12, 31)
    assert info.sex == "女"  # 17th digit 2 is even
    assert (info.division_code, info.division_name) == ("110105", "北京市朝阳区")
    assert info.age(TODAY) == 76
    assert info.notes == ()


def test_lower_case_x_full_width_and_spaces_are_normalised():
    assert validate_id_number("11010519491231002x", today=TODAY).number == "11010519491231002X"
    assert validate_id_number(" 110105 19491231 002Ｘ ", today=TODAY).number == "11010519491231002X"
    assert validate_id_number("３３０２２５１９９００１０１１２３４", today=TODAY).number == "330225199001011234"


def test_male_from_odd_sequence_digit_and_age_before_birthday():
    info = validate_id_number(with_check("33022520000229001"), today=TODAY)
    assert info.sex == "男" and info.birth_date == dt.date(2000, 2, 29)
    assert info.age(dt.date(2026, 2, 28)) == 25
    assert info.age(dt.date(2026, 3, 1)) == 26


def test_wrong_check_character_names_expected_and_actual():
    assert error_of(validate_id_number, "110105194912310021", today=TODAY) == "身份证号码校验位错误：应为 X，实为 1"


@pytest.mark.parametrize("text, message", [
    ("", "请输入身份证号码"),
    ("1101051949123100", "身份证号码长度应为 18 位，实为 16 位"),
    ("1101051949123100211", "身份证号码长度应为 18 位，实为 19 位"),
    ("11010519491231X021", "身份证号码含有非法字符「X」：只能是数字，末位可为 X"),
    ("1101051949123100A1", "身份证号码含有非法字符「A」：只能是数字，末位可为 X"),
])
def test_shape_errors(text, message):
    assert error_of(validate_id_number, text, today=TODAY) == message


def test_impossible_dates_are_named():
    assert error_of(validate_id_number, with_check("33022519900230123"), today=TODAY) == "出生日期无效：19900230"
    assert error_of(validate_id_number, with_check("33022519901332123"), today=TODAY) == "出生日期无效：19901332"
    assert "晚于今天" in error_of(validate_id_number, with_check("33022520261124123"), today=TODAY)
    assert "早于 1900 年" in error_of(validate_id_number, with_check("33022518991231123"), today=TODAY)


def test_unknown_division_is_refused_but_abolished_division_decodes():
    assert error_of(validate_id_number, with_check("33029919900101123"), today=TODAY) == "行政区划代码 330299 不存在"
    old = validate_id_number(with_check("33010319800101123"), today=TODAY)  # 下城区, merged in 2021
    assert old.division_name == "浙江省杭州市下城区"
    assert old.notes == ("行政区划代码 330103 已于 2021 年停用（签发时有效）",)


def test_old_city_district_code_resolves_through_its_prefecture():
    info = validate_id_number(with_check("33020119800101123"), today=TODAY)
    assert info.division_name == "浙江省宁波市市辖区"


def test_fifteen_digit_number_is_converted_with_a_note_or_refused_on_request():
    info = validate_id_number("330225900101123", today=TODAY)
    assert info.number == with_check("33022519900101123")
    assert info.notes == ("由 15 位旧号码转换为 18 位",)
    assert "实为 15 位" in error_of(validate_id_number, "330225900101123", today=TODAY, allow_15=False)
    assert error_of(validate_id_number, "33022590010112X", today=TODAY) == "15 位旧身份证号码只能是数字（没有校验位 X）"


# --------------------------------------------------------------------------- permits and foreigner cards


def test_hong_kong_macao_taiwan_residence_permits_share_the_checksum():
    for prefix, region in (("810000", "香港特别行政区"), ("820000", "澳门特别行政区"), ("830000", "台湾地区")):
        number = with_check(prefix + "19880808002")
        assert id_card_type(number) == "gat"
        info = validate_id_number(number, today=TODAY)
        assert (info.card_type, info.division_name, info.sex) == ("gat", region, "女")
    bad = with_check("81000019880808002")[:-1] + "0"
    if bad == with_check("81000019880808002"):
        bad = bad[:-1] + "1"
    assert "校验位错误" in error_of(validate_id_number, bad, today=TODAY)


def test_foreigner_2023_card_checks_province_date_and_checksum():
    number = with_check("93315619900315005")  # 9, 浙江 33, nationality 156, born 1990-03-15
    assert id_card_type(number) == "foreigner_2023"
    info = validate_id_number(number, today=TODAY)
    assert (info.card_type, info.division_code, info.division_name) == ("foreigner_2023", "330000", "浙江省")
    assert info.birth_date == dt.date(1990, 3, 15) and info.sex == "男"
    assert error_of(validate_id_number, with_check("90015619900315005"), today=TODAY) == "受理地代码 00 不存在"


def test_foreigner_2017_card_uses_icao_check_digit():
    # KAZ, issued in 1100 (北京), born 901231, sex digit 0 (女); ICAO 7-3-1 over the first 14 gives 5.
    info = validate_id_number("KAZ110090123105", today=TODAY)
    assert id_card_type("kaz110090123105") == "foreigner_2017"
    assert (info.card_type, info.birth_date, info.sex, info.division_name) == (
        "foreigner_2017", dt.date(1990, 12, 31), "女", "北京市")
    assert error_of(validate_id_number, "KAZ110090123107", today=TODAY) == \
        "永久居留身份证号码校验位错误：应为 5，实为 7"
    assert error_of(validate_id_number, "KAZ110090023105", today=TODAY) == "出生日期无效：900231"


def test_card_type_by_shape():
    assert id_card_type("11010519491231002X") == "resident"
    assert id_card_type("330225900101123") == "resident"
    assert id_card_type("12345") is None


# --------------------------------------------------------------------------- property


@st.composite
def id_bodies(draw) -> str:
    code = draw(st.sampled_from(["110105", "330225", "330103", "440305", "650102", "810000", "830000"]))
    born = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY))
    seq = draw(st.integers(min_value=0, max_value=999))
    return f"{code}{born:%Y%m%d}{seq:03d}"


@given(id_bodies(), st.sampled_from("0123456789X"))
def test_only_the_computed_check_character_validates(body, last):
    expected = id_check_char(body)
    if last == expected:
        assert validate_id_number(body + last, today=TODAY).number == body + last
    else:
        with pytest.raises(ValidationError, match=f"应为 {expected}，实为 {last}"):
            validate_id_number(body + last, today=TODAY)


@given(st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9), st.sampled_from(USCC_ALPHABET))
def test_uscc_only_the_computed_check_character_validates(org, last):
    body = "91330225" + org
    if last == uscc_check_char(body):
        assert validate_uscc(body + last).code == body + last
    else:
        with pytest.raises(ValidationError, match="校验位错误"):
            validate_uscc(body + last)


# --------------------------------------------------------------------------- USCC


def test_uscc_decodes_department_type_and_division():
    info = validate_uscc("91330225ma2h5e5k10")
    assert info.code == "91330225MA2H5E5K10"
    assert (info.registration_dept, info.org_type) == ("工商", "企业")
    assert (info.division_code, info.division_name, info.org_code) == ("330225", "浙江省宁波市象山县", "MA2H5E5K1")


def test_uscc_errors():
    assert error_of(validate_uscc, "91330225MA2H5E5K1X") == "统一社会信用代码校验位错误：应为 0，实为 X"
    assert error_of(validate_uscc, "91330225MA2H5E5K1") == "统一社会信用代码长度应为 18 位，实为 17 位"
    assert "非法字符「O」" in error_of(validate_uscc, "91330225MA2H5E5KO0")
    assert error_of(validate_uscc, "B1330225MA2H5E5K10") == "登记管理部门代码 B 不存在"
    assert error_of(validate_uscc, "94330225MA2H5E5K10") == "机构类别代码 4 不适用于工商登记"
    assert error_of(validate_uscc, "") == "请输入统一社会信用代码"


def test_uscc_of_a_social_organisation_with_national_division():
    body = "51100000500000447"  # 民政 社会团体, division 100000 (national registration)
    info = validate_uscc(body + uscc_check_char(body))
    assert (info.registration_dept, info.org_type, info.division_name) == ("民政", "社会团体", None)


# --------------------------------------------------------------------------- phones


@pytest.mark.parametrize("text, out", [
    ("13812345678", "13812345678"),
    ("+86 138-1234-5678", "13812345678"),
    ("0086 13812345678", "13812345678"),
    ("8613812345678", "13812345678"),
    ("１３８ １２３４ ５６７８", "13812345678"),
])
def test_mobile_normalised(text, out):
    assert validate_mobile(text) == out
    assert validate_phone(text) == out


@pytest.mark.parametrize("text, message", [
    ("1381234567", "手机号码应为 11 位，实为 10 位"),
    ("12812345678", "手机号码号段无效：128（应以 13–19 开头）"),
    ("1381234567a", "手机号码只能包含数字：1381234567a"),
    ("", "请输入手机号码"),
])
def test_mobile_errors(text, message):
    assert error_of(validate_mobile, text) == message


@pytest.mark.parametrize("text, out", [
    ("0574-65700000", "0574-65700000"),
    ("057465700000", "0574-65700000"),
    ("(0574) 6570 0000", "0574-65700000"),
    ("0574-65700000-808", "0574-65700000-808"),
    ("0574-65700000转808", "0574-65700000-808"),
    ("010-65529988", "010-65529988"),
    ("400-123-4567", "400-123-4567"),
])
def test_landline_normalised(text, out):
    assert validate_landline(text) == out
    assert validate_phone(text) == out


def test_landline_errors():
    assert error_of(validate_phone, "65700000") == "固定电话请加区号，如 0574-65700000"
    assert "电话号码格式无效" in error_of(validate_phone, "0574-123")
    assert error_of(validate_landline, " ") == "请输入电话号码"


# --------------------------------------------------------------------------- reference data


def test_refdata_divisions_and_nations():
    assert refdata.division_name("330225") == "浙江省宁波市象山县"
    assert refdata.division_name("3302") == refdata.division_name("330200") == "浙江省宁波市"
    assert refdata.division_name("33") == refdata.province_name("330225") == "浙江省"
    assert refdata.division_name("110100") == "北京市市辖区"
    assert refdata.division_name("999999") is None and refdata.division_name("abc") is None
    assert refdata.division_abolished_year("330104") == 2021 and refdata.division_abolished_year("330225") is None
    assert refdata.nation_name("01") == "汉" and refdata.nation_name("1", full=True) == "汉族"
    assert refdata.nation_name("43", full=True) == "乌孜别克族"
    assert refdata.nation_name("57") is None and refdata.nation_name("97") == "其他"
    assert refdata.nation_code("蒙古") == refdata.nation_code("蒙古族") == "02"
    assert "yescallop" in refdata.data_source()
