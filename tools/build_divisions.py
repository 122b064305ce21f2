"""Build ``clerk/data/divisions.json`` from the GB/T 2260 history list (yescallop/areacodes).

One rule: every code ever used since 1981 goes in, abolished ones too, because an ID number keeps
the division code that was in force when it was issued (330103 下城区 still decodes after 2021).

Input: ``result.csv`` of the shared data folder (代码,一级行政区,二级行政区,名称,级别,状态,启用时间,
变更/弃用时间,新代码). A code reused for a different unit keeps the row still in use, else the
most recent one. Output: ``{"source": …, "codes": {code: full name}, "abolished": {code: year}}``
with the full name prefixed by province and prefecture (``浙江省宁波市象山县``).

Run: ``python tools/build_divisions.py [SRC_DIR] [OUT_JSON]``.
"""
from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SRC = Path("/work/shared/data/admin_divisions_history_yescallop")
DEFAULT_OUT = ROOT / "clerk" / "data" / "divisions.json"

SOURCE = (
    "GB/T 2260 县级以上行政区划代码 1981–2024 (民政部), via github.com/yescallop/areacodes "
    "commit eed219a0678d36bacaa717f62443b10e869f0291, CC0 1.0; built by tools/build_divisions.py"
)


def full_name(province: str, prefecture: str, name: str) -> str:
    parts = [province]
    # "直辖" marks a unit directly under the province (or a municipality's districts): no middle level.
    if prefecture and prefecture != "直辖" and prefecture != province:
        parts.append(prefecture)
    if name not in parts:
        parts.append(name)
    return "".join(parts)


def _rank(row: dict[str, str]) -> tuple[int, int]:
    return (1 if row["状态"] == "在用" else 0, int(row["启用时间"] or 0))


def build(src_dir: Path) -> dict[str, Any]:
    best: dict[str, dict[str, str]] = {}
    with (src_dir / "result.csv").open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            code = row["代码"].strip()
            if len(code) != 6 or not code.isdigit():
                raise ValueError(f"bad code in result.csv: {code!r}")
            if code not in best or _rank(row) > _rank(best[code]):
                best[code] = row
    codes = {c: full_name(r["一级行政区"], r["二级行政区"], r["名称"]) for c, r in sorted(best.items())}
    abolished = {c: int(r["变更/弃用时间"]) for c, r in sorted(best.items())
                 if r["状态"] != "在用" and r["变更/弃用时间"]}
    return {"source": SOURCE, "codes": codes, "abolished": abolished}


def main(argv: list[str]) -> int:
    src = Path(argv[1]) if len(argv) > 1 else DEFAULT_SRC
    out = Path(argv[2]) if len(argv) > 2 else DEFAULT_OUT
    data = build(src)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{out}: {len(data['codes'])} codes, {len(data['abolished'])} abolished")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
