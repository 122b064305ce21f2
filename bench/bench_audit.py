"""Audit growth: bytes per audit entry as written before and now (issue 15 item 5).

``python bench/bench_audit.py [--sqlite FILE] [--rows 100000]``

Takes the audit entries of a year made by bench/gen_year.py (``--sqlite``; without it a small
year of 5,000 cases is generated first), and writes each entry's detail twice into fresh SQLite
tables of the audit's shape: as entries were written before (the detail as the services pass it,
``None`` values and the material → status checklist included, SQLAlchemy's default JSON with
blanks and ``\\uXXXX`` escapes) and as ``clerk.audit.record`` writes them now (``compact`` +
``clerk.db.compact_json``). Prints bytes per entry (detail text, and the table's pages per row)
for each action and in all. The figures are sizes, not times: the load does not change them.
"""
from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clerk.audit import compact, expand_checks  # noqa: E402
from clerk.db import compact_json  # noqa: E402


def as_passed(detail: dict) -> dict:
    """The detail as the services passed it: checklists as material → status."""
    out = dict(detail)
    checks = out.get("checks")
    if isinstance(checks, dict) and all(isinstance(v, list) for v in checks.values()):
        out["checks"] = expand_checks(checks)
    return out


def table_bytes(rows: list[tuple], encode) -> float:  # noqa: ANN001
    """Bytes per row of an audit_entry-shaped SQLite table holding ``rows`` (pages used / rows)."""
    path = Path(tempfile.mkdtemp()) / "audit.sqlite3"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE audit_entry (id INTEGER PRIMARY KEY, at DATETIME, username VARCHAR(40), "
                "workstation VARCHAR(16), action VARCHAR(60), entity VARCHAR(40), entity_id VARCHAR(64), detail JSON)")
    con.executemany("INSERT INTO audit_entry (at, username, workstation, action, entity, entity_id, detail) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)", [(*r[:6], encode(r[6])) for r in rows])
    con.commit()
    pages = con.execute("PRAGMA page_count").fetchone()[0] * con.execute("PRAGMA page_size").fetchone()[0]
    con.close()
    return pages / max(1, len(rows))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sqlite", help="a SQLite file made by bench/gen_year.py")
    ap.add_argument("--rows", type=int, default=100_000)
    args = ap.parse_args()
    path = args.sqlite
    if not path:
        from bench.gen_year import generate

        path = str(Path(tempfile.mkdtemp()) / "year.sqlite3")
        generate(f"sqlite:///{path}", cases=5000, days=30, tickets_per_day=10, progress=lambda _m: None)
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    rows = [(at, user, ws, action, entity, entity_id, as_passed(json.loads(detail or "{}")))
            for at, user, ws, action, entity, entity_id, detail in con.execute(
                "SELECT at, username, workstation, action, entity, entity_id, detail FROM audit_entry "
                "ORDER BY id LIMIT ?", (args.rows,))]
    con.close()
    before = json.dumps  # SQLAlchemy's default serializer, on the detail as passed

    def now(detail: dict) -> str:
        return compact_json(compact(detail))

    sizes: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in rows:
        s = sizes[r[3]]
        s[0] += 1
        s[1] += len(before(r[6]).encode())
        s[2] += len(now(r[6]).encode())
    print(f"-- audit detail, {len(rows)} entries of {path}: bytes per entry, before → now")
    for action, (n, b, a) in sorted(sizes.items(), key=lambda kv: -kv[1][1]):
        print(f"{action:28s} {n:7d} entries  {b / n:6.0f} → {a / n:5.0f} bytes")
    total_b, total_a = sum(s[1] for s in sizes.values()), sum(s[2] for s in sizes.values())
    print(f"{'all':28s} {len(rows):7d} entries  {total_b / len(rows):6.0f} → {total_a / len(rows):5.0f} bytes "
          f"({100 * (1 - total_a / total_b):.0f} % less detail)")
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    payloads = [json.loads(p) for (p,) in con.execute("SELECT payload FROM outbox_entry ORDER BY id LIMIT ?",
                                                      (args.rows,)) if p]
    con.close()
    if payloads:
        ob, oa = sum(len(json.dumps(p).encode()) for p in payloads), sum(len(compact_json(p).encode()) for p in payloads)
        print(f"outbox payloads ({len(payloads)}, JSON written by clerk.db.compact_json too): "
              f"{ob / len(payloads):.0f} → {oa / len(payloads):.0f} bytes ({100 * (1 - oa / ob):.0f} % less)")
    old_row, new_row = table_bytes(rows, before), table_bytes(rows, now)
    print(f"audit table (SQLite pages / entries, no indexes): {old_row:.0f} → {new_row:.0f} bytes per entry "
          f"({100 * (1 - new_row / old_row):.0f} % less; a year of 408,500 entries: "
          f"{old_row * 408_500 / 2**20:.0f} → {new_row * 408_500 / 2**20:.0f} MiB)")


if __name__ == "__main__":
    main()
