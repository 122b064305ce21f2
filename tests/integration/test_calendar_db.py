"""The calendar on a real database: imported arrangements beat the package, a bad file imports
nothing, and the ``clerk validate`` / ``clerk calendar`` commands end to end."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

import clerk.commands
from clerk.calendar import WorkCalendar, import_calendar_file
from clerk.cli import main
from clerk.errors import ValidationError
from clerk.models import CalendarDay, CalendarYear

D = dt.date
FAR_YEAR = 2099


def _write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_imported_overrides_round_trip_and_beat_the_package(any_db, tmp_path):
    """Given a file that closes the hall on 9 Oct 2025 and declares 2099 complete,
    when it is imported and the calendar loaded, then both take effect without warnings."""
    path = _write(tmp_path, "days.json", json.dumps([
        {"year": 2025, "days": [{"date": "2025-10-09", "workday": False, "name": "台风停办"}]},
        {"year": FAR_YEAR, "days": [{"date": f"{FAR_YEAR}-01-01", "type": "休", "name": "元旦"},
                                    {"date": f"{FAR_YEAR}-01-03", "workday": True, "name": "元旦"}]},
    ]))
    with any_db.uow() as s:
        result = import_calendar_file(s, path)
    assert (result.years, result.days) == ((2025, FAR_YEAR), 3)

    with any_db.uow() as s:
        cal = WorkCalendar.load(s)
    assert cal.add_working_days(D(2025, 9, 30), 1).date == D(2025, 10, 10)  # package: 9 Oct; override: closed
    assert cal.day_name(D(2025, 10, 9)) == "台风停办"
    due = cal.add_working_days(D(FAR_YEAR, 1, 1), 1)  # Thu holiday → Fri 2
    assert due.date == D(FAR_YEAR, 1, 2) and due.warnings == ()
    assert cal.is_workday(D(FAR_YEAR, 1, 3))  # the adjusted Saturday
    assert cal.warnings == []


def test_reimport_replaces_the_years_days(any_db, tmp_path):
    first = _write(tmp_path, "a.csv", f"日期,类型,名称\n{FAR_YEAR}-05-01,休,劳动节\n{FAR_YEAR}-05-04,休,劳动节\n")
    second = _write(tmp_path, "b.csv", f"日期,类型,名称\n{FAR_YEAR}-05-01,休,劳动节\n")
    with any_db.uow() as s:
        import_calendar_file(s, first)
    with any_db.uow() as s:
        import_calendar_file(s, second)
    with any_db.uow() as s:
        days = s.scalars(select(CalendarDay.day).order_by(CalendarDay.day)).all()
        assert days == [D(FAR_YEAR, 5, 1)]
        assert s.scalars(select(CalendarYear.year)).all() == [FAR_YEAR]


def test_bad_row_imports_nothing(db, tmp_path):
    good = _write(tmp_path, "good.csv", "日期,类型,名称\n2098-01-01,休,元旦\n")
    with db.uow() as s:
        import_calendar_file(s, good)
    bad = _write(tmp_path, "bad.csv", f"日期,类型,名称\n{FAR_YEAR}-01-01,休,元旦\n{FAR_YEAR}-13-01,休,?\n")
    with pytest.raises(ValidationError, match="第 3 行：日期无效「2099-13-01」"):
        with db.uow() as s:
            import_calendar_file(s, bad)
    with db.uow() as s:
        assert s.scalar(select(func.count()).select_from(CalendarDay)) == 1
        assert s.scalars(select(CalendarYear.year)).all() == [2098]


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def cli(monkeypatch, tmp_path):
    """``clerk`` with only this module's command groups, so the test does not depend on the
    other groups being importable; errors still go through clerk.cli.main's handling."""
    monkeypatch.setattr(clerk.commands, "GROUPS", ("clerk.cli_validate",))
    monkeypatch.setattr("clerk.cli.entry_points", lambda group: [])
    monkeypatch.setenv("CLERK_USER", "manager")
    monkeypatch.setenv("CLERK_PASSWORD", "manager123")

    def run(*argv: str) -> int:
        return main(["--data-dir", str(tmp_path / "data"), *argv])

    return run


def test_cli_validate_id(cli, capsys):
    assert cli("validate", "id", "11010519491231002x") == 0
    out = capsys.readouterr().out
    assert "11010519491231002X" in out and "北京市朝阳区" in out and "女" in out

    assert cli("validate", "id", "110105194912310021") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["错误：身份证号码校验位错误：应为 X，实为 1 (ID number check character wrong: expected X, got 1)"]


def test_cli_validate_uscc_json_and_phone(cli, capsys):
    assert cli("validate", "uscc", "91330225MA2H5E5K10", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["org_type"] == "企业" and data["division_name"] == "浙江省宁波市象山县"
    assert cli("validate", "phone", "0574 6570 0000") == 0
    assert capsys.readouterr().out.strip() == "0574-65700000"
    assert cli("validate", "phone", "65700000") == 1
    assert "固定电话请加区号" in capsys.readouterr().err


def test_cli_calendar_import_and_add_days(cli, capsys, tmp_path):
    assert cli("calendar", "add-days", f"{FAR_YEAR}-01-01", "1", "--json") == 0
    before = json.loads(capsys.readouterr().out)
    assert before["date"] == f"{FAR_YEAR}-01-02" and before["warnings"] == [
        f"{FAR_YEAR} 年节假日数据缺失，已按周末计算，请导入节假日安排"]

    bad = _write(tmp_path, "bad.csv", f"日期,类型,名称\n{FAR_YEAR}-01-02,休息吧,元旦\n")
    assert cli("calendar", "import", str(bad)) == 1
    assert "第 2 行：类型无效「休息吧」" in capsys.readouterr().err

    good = _write(tmp_path, "good.csv", f"日期,类型,名称\n{FAR_YEAR}-01-02,休,元旦\n")
    assert cli("calendar", "import", str(good)) == 0
    assert f"已导入 {FAR_YEAR} 年节假日安排，共 1 天" in capsys.readouterr().out
    assert cli("calendar", "add-days", f"{FAR_YEAR}-01-01", "1") == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == f"{FAR_YEAR}-01-05" and captured.err == ""
    assert cli("calendar", "add-days", "2099-02-30", "1") == 1
    assert "日期无效：2099-02-30" in capsys.readouterr().err
