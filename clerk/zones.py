"""The standard zones (分区) of a county hall with their ticket prefixes."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ZoneDef:
    code: str
    name: str
    prefix: str


DEFAULT_ZONES: tuple[ZoneDef, ...] = (
    ZoneDef("ZH", "综合", "Z"),
    ZoneDef("SS", "商事登记", "A"),
    ZoneDef("BDC", "不动产登记", "B"),
    ZoneDef("TZ", "投资项目", "C"),
    ZoneDef("SH", "社会事务", "D"),
    ZoneDef("GA", "公安服务", "E"),
    ZoneDef("YB", "医保社保", "F"),
)

_BY_NAME = {z.name: z.code for z in DEFAULT_ZONES} | {z.code: z.code for z in DEFAULT_ZONES}
_BY_NAME.update({"综合窗口": "ZH", "综合受理": "ZH", "商事": "SS", "不动产": "BDC", "投资": "TZ",
                 "社会": "SH", "公安": "GA", "医保": "YB", "社保": "YB"})


def zone_code(text: str) -> str | None:
    """Map a zone code or Chinese zone name to its code; ``None`` when unknown."""
    t = (text or "").strip()
    return _BY_NAME.get(t) or _BY_NAME.get(t.upper())


def zone_name(code: str) -> str:
    for z in DEFAULT_ZONES:
        if z.code == code:
            return z.name
    return code
