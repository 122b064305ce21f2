"""Lanes (普通, 老年人, …) and the 过号 grace: each hall's settings in the ``setting`` table."""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..auth import authorize
from ..db import Database
from ..dto import UserInfo
from ..errors import ValidationError
from ..models import Setting
from ._common import _hall


NO_SHOW_GRACE_MINUTES = 30   # a 过号 person who comes back within this gets the ticket back


# Hall settings (``setting`` table): ``{key}:{hall code}`` for one hall, else ``{key}`` for every hall.
GRACE_SETTING = "queue.no_show_grace_minutes"
LANES_SETTING = "queue.lanes"
MAX_GRACE_MINUTES = 24 * 60


@dataclass(frozen=True)
class Lane:
    priority: int  # higher is called first
    label: str
    enabled: bool = True


# The default lanes, in the order the kiosk shows them. A hall changes them with ``set_hall_lanes``.
LANES: dict[str, Lane] = {
    "normal": Lane(0, "普通"),
    "elderly": Lane(2, "老年人"),
    "disabled": Lane(2, "残疾人"),
    "military": Lane(2, "军人"),
    "booked": Lane(1, "预约"),
}
LANE_FIELDS = ("key", "label", "priority", "enabled")
LANE_KEY = re.compile(r"^[a-z][a-z0-9_]{0,15}$")  # fits ``ticket.lane`` (16 characters)
MAX_LANE_PRIORITY = 9


def _lane(lane: str, lanes: Mapping[str, Lane]) -> tuple[str, Lane]:
    key = (lane or "normal").strip().lower()
    found = lanes.get(key)
    if found is None or not found.enabled:
        names = "、".join(f"{k}（{v.label}）" for k, v in lanes.items() if v.enabled)
        if found is not None:
            raise ValidationError(f"本大厅未开放{found.label}通道，可选：{names}", f"lane {key!r} is disabled")
        raise ValidationError(f"没有“{lane}”通道，可选：{names}", f"unknown lane {lane!r}")
    return key, found


# --------------------------------------------------------------------------- hall settings

def _setting_in(s: Session, key: str, hall_code: str) -> str | None:
    names = (f"{key}:{hall_code}", key)  # the hall's own value first
    values = dict(s.execute(select(Setting.key, Setting.value).where(Setting.key.in_(names))).all())
    return next((values[n] for n in names if (values.get(n) or "").strip()), None)


def _put_setting(s: Session, key: str, hall_code: str, value: str | None) -> None:
    """Store (or with ``None`` drop) the hall's own value of a setting."""
    name = f"{key}:{hall_code}"
    row = s.get(Setting, name)
    if value is None:
        if row is not None:
            s.delete(row)
    elif row is None:
        s.add(Setting(key=name, value=value))
    else:
        row.value = value
    s.flush()
    s.info.pop("lanes", None)


def _grace_in(s: Session, hall_code: str) -> int:
    raw = _setting_in(s, GRACE_SETTING, hall_code)
    try:
        minutes = int(raw) if raw is not None else NO_SHOW_GRACE_MINUTES
    except ValueError:
        return NO_SHOW_GRACE_MINUTES
    return minutes if 0 <= minutes <= MAX_GRACE_MINUTES else NO_SHOW_GRACE_MINUTES


def no_show_grace_minutes(db: Database, hall_code: str) -> int:
    """How long after 过号 the person may still get the ticket back (``return_ticket``)."""
    with db.read() as s:
        _hall(s, hall_code)
        return _grace_in(s, hall_code)


def set_no_show_grace(db: Database, hall_code: str, minutes: int, *, user: UserInfo | None = None,
                      workstation: str = "") -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= MAX_GRACE_MINUTES:
        raise ValidationError(f"过号重排宽限应为 0–{MAX_GRACE_MINUTES} 分钟的整数，实为 {minutes}",
                              f"grace must be 0..{MAX_GRACE_MINUTES} minutes, got {minutes!r}")
    who = authorize(user, "queue.settings")
    with db.uow() as s:
        _hall(s, hall_code)
        before = _grace_in(s, hall_code)
        _put_setting(s, GRACE_SETTING, hall_code, str(minutes))
        audit.record(s, "queue.grace", username=who, workstation=workstation, entity="hall", entity_id=hall_code,
                     before=before, after=minutes)
        return minutes


@dataclass(frozen=True)
class LaneSettings:
    lanes: Mapping[str, Lane]  # every lane of the hall, open or not, in the kiosk's order
    source: str                # "hall" (its own setting) or "default"
    problem: str = ""          # why a stored setting was ignored (the defaults are used then)

    @property
    def enabled(self) -> dict[str, Lane]:
        return {k: v for k, v in self.lanes.items() if v.enabled}

    def as_json(self) -> dict[str, Any]:
        """The format ``parse_lanes`` reads (``clerk queue lanes --json`` prints it)."""
        return {"lanes": [{"key": k, "label": v.label, "priority": v.priority, "enabled": v.enabled}
                          for k, v in self.lanes.items()]}


def _bad(message: str, english: str) -> ValidationError:
    return ValidationError(message, f"lanes: {english}")


def parse_lanes(text: str) -> dict[str, Lane]:
    """A hall's lanes from JSON ``{"lanes": [{"key": "elderly", "label": "老年人", "priority": 2,
    "enabled": true}, …]}`` (a bare list is read too). ``label`` and ``priority`` may be left out
    for the standard keys (normal, elderly, disabled, military, booked); ``enabled`` is true
    unless given. The list order is the kiosk's order; ``normal`` must stay open, since walk-ins
    and visitors who pick no lane use it. Raises ValidationError naming the fault in Chinese."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _bad(f"通道设置不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列有误（{exc.msg}）",
                   f"invalid JSON: {exc}") from exc
    if isinstance(data, dict):
        extra = sorted(set(data) - {"lanes"})
        if extra:
            raise _bad(f"通道设置有未知字段“{extra[0]}”，只能有 lanes", f"unknown field {extra[0]!r}")
        data = data.get("lanes")
    if not isinstance(data, list) or not data:
        raise _bad('通道设置应为通道列表，例如 {"lanes": [{"key": "normal", "label": "普通", "priority": 0}]}',
                   "expected a non-empty list of lanes")
    lanes: dict[str, Lane] = {}
    fields = "、".join(LANE_FIELDS)
    for i, item in enumerate(data, 1):
        where = f"第 {i} 个通道"
        if not isinstance(item, dict):
            raise _bad(f"{where}应为对象，字段：{fields}", f"lane {i} is not an object")
        extra = [k for k in item if k not in LANE_FIELDS]
        if extra:
            raise _bad(f"{where}有未知字段“{extra[0]}”，可用字段：{fields}", f"lane {i}: unknown field {extra[0]!r}")
        key = item.get("key")
        if not isinstance(key, str) or not LANE_KEY.match(key):
            raise _bad(f"{where}的 key “{key}”无效：应为小写字母开头、不超过 16 位的小写字母、数字或下划线",
                       f"lane {i}: bad key {key!r}")
        if key in lanes:
            raise _bad(f"通道 {key} 重复出现", f"duplicate lane {key!r}")
        default = LANES.get(key)
        label = item.get("label", default.label if default else None)
        if not isinstance(label, str) or not label.strip() or len(label.strip()) > 10:
            raise _bad(f"{where}（{key}）的名称 label 应为 1–10 个字", f"lane {key!r}: label must be 1-10 characters")
        priority = item.get("priority", default.priority if default else None)
        if isinstance(priority, bool) or not isinstance(priority, int) or not 0 <= priority <= MAX_LANE_PRIORITY:
            raise _bad(f"{where}（{key}）的优先级 priority 应为 0–{MAX_LANE_PRIORITY} 的整数（越大越先叫）",
                       f"lane {key!r}: priority must be an integer 0..{MAX_LANE_PRIORITY}")
        enabled = item.get("enabled", True)
        if not isinstance(enabled, bool):
            raise _bad(f"{where}（{key}）的 enabled 应为 true 或 false", f"lane {key!r}: enabled must be true/false")
        lanes[key] = Lane(priority, label.strip(), enabled)
    if "normal" not in lanes or not lanes["normal"].enabled:
        raise _bad("必须保留并开放普通通道（normal）：未选通道的取号和无号办理都用它",
                   "the normal lane must exist and be enabled")
    return lanes


def _lanes_in(s: Session, hall_code: str) -> LaneSettings:
    cache: dict[str, LaneSettings] = s.info.setdefault("lanes", {})
    if hall_code not in cache:
        raw = _setting_in(s, LANES_SETTING, hall_code)
        if raw is None:
            cache[hall_code] = LaneSettings(dict(LANES), "default")
        else:
            try:
                cache[hall_code] = LaneSettings(parse_lanes(raw), "hall")
            except ValidationError as exc:
                # A hand-edited row must not stop the kiosk: the standard lanes serve meanwhile.
                cache[hall_code] = LaneSettings(dict(LANES), "default", f"{exc.message}（已改用默认通道）")
    return cache[hall_code]


def lane_settings(db: Database, hall_code: str) -> LaneSettings:
    """The hall's lanes with where they come from (its own setting or the defaults)."""
    with db.read() as s:
        _hall(s, hall_code)
        return _lanes_in(s, hall_code)


def hall_lanes(db: Database, hall_code: str) -> dict[str, Lane]:
    """The lanes open at the hall, in the kiosk's order: key → Lane(priority, label)."""
    return lane_settings(db, hall_code).enabled


def set_hall_lanes(db: Database, hall_code: str, text: str | None, *, user: UserInfo | None = None,
                   workstation: str = "") -> LaneSettings:
    """Store the hall's lanes (JSON, see ``parse_lanes``); ``None`` goes back to the defaults.
    Tickets already issued keep the priority they were issued with."""
    who = authorize(user, "queue.settings")
    value = None
    if text is not None:
        lanes = parse_lanes(text)
        value = json.dumps(LaneSettings(lanes, "hall").as_json(), ensure_ascii=False)
    with db.uow() as s:
        _hall(s, hall_code)
        _put_setting(s, LANES_SETTING, hall_code, value)
        audit.record(s, "queue.lanes", username=who, workstation=workstation, entity="hall", entity_id=hall_code,
                     lanes=value or "default")
        return _lanes_in(s, hall_code)


def no_show_note(grace_minutes: int) -> str:
    """The ticket's footer: what a person who misses the call may do, with the hall's real grace."""
    if grace_minutes <= 0:
        return "过号后请重新取号"
    return f"过号 {grace_minutes} 分钟内请到服务台重新排队"
