"""C8: a wrong hall_code or workstation in config.json stops the app and the CLI at start with a
clear message; a hall is never created because config.json names an unknown code."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from clerk.cli import main
from clerk.config import config_problems, load_config
from clerk.db import Database
from clerk.models import Hall, Ticket


@pytest.fixture
def run(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("clerk.cli.entry_points", lambda group: [])
    monkeypatch.delenv("CLERK_DATABASE_URL", raising=False)
    data = tmp_path / "data"

    def go(*argv: str) -> tuple[int, str]:
        rc = main(["--data-dir", str(data), *argv])
        return rc, capsys.readouterr().err

    go.data = data  # type: ignore[attr-defined]
    return go


def _config(data, **values) -> None:
    data.mkdir(parents=True, exist_ok=True)
    (data / "config.json").write_text(json.dumps(values), encoding="utf-8")


def _halls_and_tickets(data) -> tuple[list[str], int]:
    db = Database(load_config(data).database_url)
    with db.uow() as s:
        halls = list(s.scalars(select(Hall.code)))
        tickets = len(s.scalars(select(Ticket.id)).all())
    db.dispose()
    return halls, tickets


@pytest.mark.parametrize("values, words", [
    ({"hall_code": "3302"}, "大厅编码 hall_code “3302” 无效"),
    ({"hall_code": "99999901"}, "前 6 位 999999 不是行政区划代码"),
    ({"workstation": "w1"}, "工作站编码 workstation “w1” 无效"),
    ({"workstation": "w01"}, "是否应为 “W01”"),
])
def test_a_bad_code_is_named_and_nothing_is_created(run, values, words):
    _config(run.data, **values)
    rc, err = run("queue", "take", "--zone", "SS")
    assert rc == 1 and "配置有误，未启动" in err and words in err
    assert not (run.data / "clerk.sqlite3").exists() or _halls_and_tickets(run.data) == ([], 0)


def test_a_valid_but_unknown_hall_code_is_refused_once_the_database_has_a_hall(run):
    rc, _ = run("queue", "take", "--zone", "SS")  # first use: the configured hall is set up
    assert rc == 0
    _config(run.data, hall_code="33022502")
    rc, err = run("queue", "take", "--zone", "SS")
    assert rc == 1 and "数据库中没有编码为 33022502 的大厅（已有：33022501 象山县行政服务中心）" in err
    rc, err = run("queue", "status")
    assert rc == 1
    assert _halls_and_tickets(run.data) == (["33022501"], 1)


def test_problems_are_listed_for_doctor_without_raising(tmp_path):
    _config(tmp_path, hall_code="3302", workstation="w1")
    problems = config_problems(load_config(tmp_path))
    assert len(problems) == 2
    _config(tmp_path, hall_code="33022501", workstation="W02")
    assert config_problems(load_config(tmp_path)) == []
