"""Synthetic *published* matter lists (政务服务事项目录 / 实施清单) shaped like the ones counties
export from the provincial system — never a copy of one. Their traits: a title row and an export
note above the header, 主项名称/子项名称, 事项类型 (the power type), 行政区划代码, time limits
written as "20个工作日"/"即办"/"当场办结", 收费 text, 办理地点, 咨询电话, 设定依据, columns this
project does not know, most rows without materials, and (in .xlsx) the department and the 主项
merged over all of their rows. ``python bench/gen_published.py OUT.xlsx|OUT.csv [N]``."""
from __future__ import annotations

import csv
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.gen_catalog import ACTIONS, DEPARTMENTS, MATERIALS, QUALIFIERS  # noqa: E402

SEED = 20261202
TITLE = "象山县政务服务事项实施清单（2026年版）"
NOTE = "导出时间：2026-11-30　数据来源：省政务服务事项管理系统"
HEADER = ["序号", "主项名称", "子项名称", "实施编码", "基本编码", "事项类型", "实施主体", "行政区划代码", "办件类型",
          "法定办结时限", "承诺办结时限", "收费", "办理地点", "咨询电话", "设定依据", "申请材料", "通办范围",
          "是否进驻大厅"]
POWER = ("行政许可", "行政许可", "行政确认", "行政给付", "行政裁决", "行政奖励", "行政征收", "公共服务", "公共服务",
         "其他行政权力")
STATUTORY = ("20个工作日", "20个工作日", "15个工作日", "10个工作日", "30个工作日", "60个工作日（不含公告时间）",
             "即办", "当场办结", "3个月")
FEES = ("不收费", "不收费", "不收费", "按《关于规范工本费标准的通知》收取证件工本费每证10元")
COL = {h: i for i, h in enumerate(HEADER)}


def published(n: int, seed: int = SEED, materials_share: float = 0.25) -> tuple[list[list[Any]], list[tuple[str, int, int]]]:
    """``n`` data rows in department blocks, and the runs to merge as (column, first, last) with
    row numbers counted from the first data row (0-based)."""
    rng = random.Random(seed)
    rows: list[list[Any]] = []
    merges: list[tuple[str, int, int]] = []
    serial = 0
    while len(rows) < n:
        dept, zone, subjects = rng.choice(DEPARTMENTS)
        block_start = len(rows)
        for _ in range(rng.randint(8, 60)):  # one department's block of 主项
            if len(rows) >= n:
                break
            parent = f"{rng.choice(subjects)}{rng.choice(ACTIONS)}"
            subs = [""] if rng.random() < 0.5 else [f"{parent}{q or '（一般情形）'}" for q in
                                                     rng.sample(QUALIFIERS[3:], rng.randint(2, 4))]
            parent_start = len(rows)
            power = rng.choice(POWER)
            for sub in subs:
                if len(rows) >= n:
                    break
                serial += 1
                statutory = rng.choice(STATUTORY)
                immediate = statutory in ("即办", "当场办结")
                promised = statutory if immediate else f"{rng.choice((1, 3, 5, 7))}个工作日"
                mats = ""
                if rng.random() < materials_share:
                    picks = rng.sample(MATERIALS, rng.randint(2, 5))
                    mats = "\n".join(f"{i}、{name}（{rng.choice(('原件', '复印件', '原件及复印件'))}）{rng.randint(1, 2)}份"
                                     for i, (_k, name) in enumerate(picks, 1))
                rows.append([serial, parent, sub, f"11330225MB{serial:07d}{zone}", f"{zone}{serial % 997:05d}", power,
                             dept, "330225000000", "即办件" if immediate else "承诺件", statutory, promised,
                             rng.choice(FEES), f"象山县行政服务中心{rng.randint(1, 3)}楼{rng.randint(1, 60)}号窗口",
                             f"0574-6{rng.randint(5000000, 5999999)}", f"《{dept[3:]}行政许可实施办法》第{rng.randint(3, 40)}条",
                             mats, rng.choice(("全省通办", "全市通办", "")), rng.choice(("是", "否"))])
            if len(rows) - parent_start > 1:
                merges.append(("主项名称", parent_start, len(rows) - 1))
        if len(rows) - block_start > 1:
            merges.append(("实施主体", block_start, len(rows) - 1))
    return rows, merges


def write_xlsx(path: Path, n: int, seed: int = SEED, materials_share: float = 0.25) -> Path:
    """As the provincial system exports it: title and note rows, merged department and 主项 cells
    (only the top cell of a merged run holds the value)."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    rows, merges = published(n, seed, materials_share)
    top = 3  # data start at row 4: title, note, header
    blank = {(COL[c], r) for c, a, b in merges for r in range(a + 1, b + 1)}
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("实施清单")
    ws.append([TITLE] + [None] * (len(HEADER) - 1))
    ws.append([NOTE])
    ws.append(HEADER)
    for r, row in enumerate(rows):
        ws.append([None if (c, r) in blank else v for c, v in enumerate(row)])
    ws.merged_cells.add(f"A1:{get_column_letter(len(HEADER))}1")
    for c, a, b in merges:
        letter = get_column_letter(COL[c] + 1)
        ws.merged_cells.add(f"{letter}{a + top + 1}:{letter}{b + top + 1}")
    wb.save(path)
    return path


def write_csv(path: Path, n: int, seed: int = SEED, encoding: str = "gbk", materials_share: float = 0.25) -> Path:
    """As Excel on a Chinese Windows saves it: GBK, a title row above the header, every value
    written out (CSV has no merged cells)."""
    rows, _ = published(n, seed, materials_share)
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow([TITLE])
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python bench/gen_published.py OUT.xlsx|OUT.csv [N]", file=sys.stderr)
        return 2
    path, n = Path(argv[0]), int(argv[1]) if len(argv) > 1 else 1135
    (write_xlsx if path.suffix == ".xlsx" else write_csv)(path, n)
    print(f"wrote {n} rows to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
