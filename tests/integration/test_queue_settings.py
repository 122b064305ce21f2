"""Hall queue settings and kiosk applicants on SQLite and PostgreSQL: lanes and the 过号 grace
live in the ``setting`` table per hall; a card swiped at two kiosks at once makes one person."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from clerk import queue
from clerk.bootstrap import ensure_hall
from clerk.errors import IllegalTransition
from clerk.models import Applicant

HALL, TOWN = "33022501", "33022502"
T0 = dt.datetime(2026, 11, 23, 9, 0)
PERSON = "330225199001011234"


@pytest.fixture
def halls(any_db):
    with any_db.uow() as s:
        ensure_hall(s)
        ensure_hall(s, code=TOWN, name="西周镇便民服务中心", windows=2)
    return any_db


def test_each_hall_has_its_own_lanes_and_grace(halls):
    queue.set_hall_lanes(halls, TOWN, '{"lanes": [{"key": "normal"}, {"key": "elderly", "priority": 5}]}')
    queue.set_no_show_grace(halls, TOWN, 5)
    assert list(queue.hall_lanes(halls, TOWN)) == ["normal", "elderly"]
    assert list(queue.hall_lanes(halls, HALL)) == list(queue.LANES)
    town = queue.take_ticket(halls, TOWN, "ZH", "elderly", now=T0)
    county = queue.take_ticket(halls, HALL, "ZH", "elderly", now=T0)
    assert (town.priority, county.priority) == (5, 2)

    for hall, ticket in ((TOWN, town), (HALL, county)):
        queue.call_next(halls, hall, 1, f"pc-{hall}", now=T0 + dt.timedelta(minutes=1))
        queue.no_show(halls, ticket.id, now=T0 + dt.timedelta(minutes=2))
    later = T0 + dt.timedelta(minutes=9)
    with pytest.raises(IllegalTransition, match="Z001 过号已超过 5 分钟（7 分钟）"):
        queue.return_ticket(halls, TOWN, "Z001", now=later)
    assert queue.return_ticket(halls, HALL, "Z001", now=later).state == "waiting"


def test_two_kiosks_reading_the_same_card_at_once_make_one_person(halls):
    ids: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def swipe() -> None:
        try:
            start.wait()
            ids.append(queue.applicant_for_card(halls, PERSON, "张三丰"))
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=swipe) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(set(ids)) == 1
    with halls.uow() as s:
        assert s.scalar(select(func.count()).select_from(Applicant)) == 1
