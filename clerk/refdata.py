"""Reference tables: administrative division codes (GB/T 2260) and ethnic group codes (GB/T 3304).

One rule: nothing is read on import; each table loads on first use from ``clerk/data`` and stays
cached for the life of the process (``functools.cache``).

Division codes include every code used since 1981, abolished ones too (``divisions.json`` is built
by ``tools/build_divisions.py``): an ID number keeps the code in force when it was issued.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

# Not in GB/T 3304 but used by public-security population systems (see the CSV header).
_ETHNIC_EXTENSION = {"97": "其他", "98": "外国血统中国籍人士"}
# Municipalities: in old lists their districts sat under "xx01 市辖区" and counties under "xx02 县".
_MUNICIPALITIES = {"11", "12", "31", "50"}


@dataclass(frozen=True)
class Nation:
    code: str
    name: str  # full name, e.g. 汉族
    romanization: str
    letter_code: str

    @property
    def short_name(self) -> str:
        """The name as printed on the ID card: 汉, 蒙古 (the 族 suffix dropped)."""
        return self.name[:-1] if self.name.endswith("族") and len(self.name) > 1 else self.name


def _read_text(name: str) -> str:
    return resources.files("clerk").joinpath("data", name).read_text(encoding="utf-8")


@cache
def _divisions() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_read_text("divisions.json"))
    return data


@cache
def _nations() -> dict[str, Nation]:
    rows = [line for line in _read_text("ethnic_codes.csv").splitlines() if line and not line.startswith("#")]
    table = {r["code"]: Nation(r["code"], r["name_zh"], r["romanization"], r["letter_code"])
             for r in csv.DictReader(rows)}
    for code, name in _ETHNIC_EXTENSION.items():
        table[code] = Nation(code, name, "", "")
    return table


def _pad(code: str) -> str | None:
    code = code.strip()
    if not code.isdigit() or len(code) not in (2, 4, 6):
        return None
    return code.ljust(6, "0")


def division_name(code: str) -> str | None:
    """Full name of a division code: ``330225`` → 浙江省宁波市象山县; ``3302``/``330200`` → 浙江省宁波市;
    ``33`` → 浙江省. Abolished codes resolve too. Old "市辖区"/"县" codes (``330201``, ``110100``) resolve
    through their prefecture or municipality. Unknown → None."""
    code6 = _pad(code)
    if code6 is None:
        return None
    codes: dict[str, str] = _divisions()["codes"]
    if code6 in codes:
        return codes[code6]
    province, prefecture, county = code6[:2], code6[2:4], code6[4:]
    if province in _MUNICIPALITIES and county == "00" and prefecture in ("01", "02"):
        parent = codes.get(province + "0000")
        return None if parent is None else parent + ("市辖区" if prefecture == "01" else "县")
    if county == "01":
        parent = codes.get(code6[:4] + "00")
        return None if parent is None else parent + "市辖区"
    return None


def is_known_division(code: str) -> bool:
    return len(code) == 6 and division_name(code) is not None


def division_abolished_year(code: str) -> int | None:
    """The year a division code went out of use, or None if it is in use (or unknown)."""
    year = _divisions()["abolished"].get(code)
    return int(year) if year is not None else None


def province_name(code: str) -> str | None:
    """Province-level name for any division code: ``330225`` → 浙江省."""
    return division_name(code[:2]) if len(code) >= 2 and code[:2].isdigit() else None


def nation(code: str) -> Nation | None:
    """The ethnic group for a GB/T 3304 code; ``1`` and ``01`` both work."""
    code = code.strip()
    if not code.isdigit() or len(code) > 2:
        return None
    return _nations().get(code.zfill(2))


def nation_name(code: str, *, full: bool = False) -> str | None:
    """``01`` → 汉 (as the ID card shows); with ``full=True`` → 汉族."""
    found = nation(code)
    if found is None:
        return None
    return found.name if full else found.short_name


def nation_code(name: str) -> str | None:
    """Reverse lookup, as an ID card reader gives the name: 汉 / 汉族 → ``01``."""
    name = name.strip()
    for item in _nations().values():
        if name in (item.name, item.short_name):
            return item.code
    return None


def data_source() -> str:
    """Attribution line for the division list (for an About box)."""
    return str(_divisions()["source"])
