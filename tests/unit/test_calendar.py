"""Working days and promised dates: official holidays, adjusted working days, hall overrides,
years without data, and the import file check (parsing only; the database round trip is in
tests/integration/test_calendar_db.py)."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clerk.calendar import WorkCalendar, missing_year_warning, package_years, parse_calendar_file
from clerk.errors import ValidationError

D = dt.date
FAR_YEAR = 2099  # no package will publish this year's holidays


def test_package_range_is_read_from_the_package():
    years = package_years()
    assert {2024, 2025} <= years
    assert FAR_YEAR not in years


def test_national_day_2025_is_skipped():
    """Given acceptance on Tue 30 Sep 2025, when one working day is promised,
    then 1–8 October (National Day + Mid-autumn) are skipped: Thu 9 October."""
    cal = WorkCalendar()
    due = cal.add_working_days(D(2025, 9, 30), 1)
    assert due.date == D(2025, 10, 9) and due.warnings == ()
    assert not any(cal.is_workday(D(2025, 10, day)) for day in range(1, 9))


def test_adjusted_sunday_workday_counts():
    cal = WorkCalendar()
    assert D(2025, 9, 28).weekday() == 6 and cal.is_workday(D(2025, 9, 28))
    assert cal.add_working_days(D(2025, 9, 26), 1).date == D(2025, 9, 28)  # Friday + 1 → that Sunday
    assert cal.is_workday(D(2025, 10, 11))  # the Saturday after the holiday


def test_day_of_acceptance_does_not_count_and_zero_is_same_day():
    cal = WorkCalendar()
    assert cal.add_working_days(D(2025, 11, 24), 0).date == D(2025, 11, 24)
    assert cal.add_working_days(D(2025, 11, 24), 1).date == D(2025, 11, 25)
    assert cal.add_working_days(D(2025, 11, 22), 1).date == D(2025, 11, 24)  # Saturday → Monday
    assert cal.add_working_days(D(2025, 11, 24), 5).date == D(2025, 12, 1)


def test_override_beats_package():
    cal = WorkCalendar(overrides={D(2025, 10, 9): False, D(2025, 10, 4): True})
    assert not cal.is_workday(D(2025, 10, 9))  # e.g. a typhoon closure
    assert cal.is_workday(D(2025, 10, 4))
    assert cal.add_working_days(D(2025, 9, 30), 1).date == D(2025, 10, 4)
    assert cal.add_working_days(D(2025, 9, 30), 2).date == D(2025, 10, 10)


def test_year_without_data_works_monday_to_friday_and_warns():
    cal = WorkCalendar()
    due = cal.add_working_days(D(FAR_YEAR, 1, 1), 3)  # a Thursday
    assert due.date == D(FAR_YEAR, 1, 6)
    assert due.warnings == (missing_year_warning(FAR_YEAR),)
    assert due.warnings[0] == f"{FAR_YEAR} 年节假日数据缺失，已按周末计算，请导入节假日安排"
    assert cal.warnings == [missing_year_warning(FAR_YEAR)]


def test_crossing_into_an_unknown_year_warns_for_that_year_only():
    last = max(package_years())
    due = WorkCalendar().add_working_days(D(last, 12, 20), 15)
    assert due.date.year == last + 1
    assert due.warnings == (missing_year_warning(last + 1),)


def test_year_marked_complete_does_not_warn():
    cal = WorkCalendar(overrides={D(FAR_YEAR, 1, 1): False}, known_years=frozenset({FAR_YEAR}))
    due = cal.add_working_days(D(FAR_YEAR, 1, 1), 1)
    assert due == type(due)(D(FAR_YEAR, 1, 2), ())
    assert cal.warnings == []


def test_negative_days_are_refused():
    with pytest.raises(ValidationError, match="不能为负数"):
        WorkCalendar().add_working_days(D(2025, 1, 1), -1)


@given(st.dates(min_value=D(2004, 1, 1), max_value=D(2030, 12, 31)), st.integers(min_value=0, max_value=60))
def test_between_is_the_inverse_of_add(start, n):
    cal = WorkCalendar()
    due = cal.add_working_days(start, n).date
    assert cal.working_days_between(start, due) == n
    assert cal.working_days_between(due, start) == -n
    assert n == 0 or cal.is_workday(due)


# --------------------------------------------------------------------------- import files (parsing)


def test_csv_with_chinese_and_english_kinds(tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text("日期,类型,名称\n2027-01-01,休,元旦\n2027/02/07,班,春节\n20270208,holiday,春节\n", encoding="utf-8")
    days, years = parse_calendar_file(path)
    assert days == {D(2027, 1, 1): (False, "元旦"), D(2027, 2, 7): (True, "春节"), D(2027, 2, 8): (False, "春节")}
    assert years == {2027}


def test_gbk_csv_from_excel(tmp_path):
    path = tmp_path / "2027.csv"
    path.write_bytes("日期,类型,名称\r\n2027-10-01,休,国庆节\r\n".encode("gbk"))
    assert parse_calendar_file(path)[0] == {D(2027, 10, 1): (False, "国庆节")}


def test_json_declares_its_year_even_without_holidays(tmp_path):
    path = tmp_path / "2028.json"
    path.write_text(json.dumps({"year": 2028, "days": [
        {"date": "2028-01-01", "workday": False, "name": "元旦"}]}), encoding="utf-8")
    assert parse_calendar_file(path) == ({D(2028, 1, 1): (False, "元旦")}, {2028})


def test_bad_rows_are_all_listed_with_their_line_numbers(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("日期,类型,名称\n2027-01-01,休,元旦\n2027-02-30,休,春节\n2027-02-07,补,春节\n"
                    "2027-01-01,班,元旦\n", encoding="utf-8")
    with pytest.raises(ValidationError) as exc:
        parse_calendar_file(path)
    assert exc.value.message == (
        "节假日文件有误，未导入任何内容：第 3 行：日期无效「2027-02-30」；"
        "第 4 行：类型无效「补」（应为 休/班 或 holiday/workday）；第 5 行：2027-01-01 重复且类型矛盾")
    assert len(exc.value.details["rows"]) == 3


def test_json_day_outside_declared_year_and_broken_json(tmp_path):
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"year": 2027, "days": [{"date": "2028-01-01", "workday": False}]}), encoding="utf-8")
    with pytest.raises(ValidationError, match="第 1 条：2028-01-01 不属于文件声明的年份"):
        parse_calendar_file(path)
    path.write_text('{"year": 2027, "days": [', encoding="utf-8")
    with pytest.raises(ValidationError, match="不是有效的 JSON"):
        parse_calendar_file(path)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ValidationError, match="无法读取节假日文件"):
        parse_calendar_file(tmp_path / "nope.csv")
