"""The yearly archive: audit entries and finished cases older than N years leave the working
database for a file, so a village laptop's database stays small.

``archive(db, path, years, user=…, confirm=False)`` first counts what would go (a dry run,
``confirm`` False); with ``confirm`` (a manager's decision: permission ``data.archive``) it writes
every such case — with its matter cases, material checks, attachment records and evaluations —
and every such audit entry to ``path`` (gzip JSON lines, one object a line: ``{"table": …,
"row": {…}}``), checks the file reads back, and only then deletes those rows, in batches of
``BATCH`` cases (one short transaction each, so the counter keeps working). Finished means
delivered, withdrawn, refused or notified, with ``finished_at`` before the cut-off; a bundle
case goes with its matter cases or not at all. Outbox entries are the sync's to prune. Scanned
files in ``files/`` are left alone (``clerk db purge-attachments`` deals with them). The
archive itself is audited (who, when, how many, which file)."""
from __future__ import annotations

import datetime as dt
import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select

from . import audit
from .auth import authorize
from .db import Database
from .dto import UserInfo
from .errors import ValidationError
from .models import Attachment, AuditEntry, Case, Evaluation, MaterialCheck

FINISHED = ("delivered", "withdrawn", "refused", "notified")
BATCH = 500


@dataclass(frozen=True)
class ArchiveReport:
    cutoff: dt.datetime
    cases: int          # root cases (a bundle case counts once)
    rows: int           # every row written (cases, children, checks, attachments, evaluations, audit)
    audit_entries: int
    path: str
    done: bool          # False: a dry run, nothing written or deleted


def _row(obj: Any) -> dict[str, Any]:
    out = {}
    for c in obj.__table__.columns:
        v = getattr(obj, c.key)
        out[c.name] = v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v
    return out


def _old_roots(cutoff: dt.datetime) -> Any:
    return (select(Case.id).where(Case.parent_id.is_(None), Case.state.in_(FINISHED), Case.finished_at < cutoff)
            .order_by(Case.id))


def archive(db: Database, path: str | Path, years: int, *, user: UserInfo | None = None, workstation: str = "",
            confirm: bool = False, now: dt.datetime | None = None) -> ArchiveReport:
    who = authorize(user, "data.archive")
    if isinstance(years, bool) or not isinstance(years, int) or years < 1:
        raise ValidationError(f"归档年限应为至少 1 年的整数，实为 {years}", f"years must be >= 1, got {years!r}")
    now = now or dt.datetime.now()
    cutoff = now.replace(year=now.year - years) if not (now.month == 2 and now.day == 29) else \
        now.replace(year=now.year - years, day=28)
    target = Path(path)
    with db.read() as s:
        roots = list(s.scalars(_old_roots(cutoff)))
        n_audit = s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.at < cutoff)) or 0
    if not confirm:
        return ArchiveReport(cutoff, len(roots), 0, int(n_audit), str(target), False)
    if target.exists():
        raise ValidationError(f"归档文件 {target} 已存在，请换一个文件名（不覆盖已有归档）", f"{target} exists")
    target.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    tmp = target.with_suffix(target.suffix + ".part")
    with gzip.open(tmp, "wt", encoding="utf-8") as out:
        def put(table: str, obj: Any) -> None:
            nonlocal rows
            out.write(json.dumps({"table": table, "row": _row(obj)}, ensure_ascii=False, default=str) + "\n")
            rows += 1

        with db.read() as s:
            for i in range(0, len(roots), BATCH):
                ids = roots[i:i + BATCH]
                kids = list(s.scalars(select(Case).where(Case.parent_id.in_(ids))))
                every = ids + [k.id for k in kids]
                for c in s.scalars(select(Case).where(Case.id.in_(ids))):
                    put("case_file", c)
                for k in kids:
                    put("case_file", k)
                for table, model in (("material_check", MaterialCheck), ("attachment", Attachment),
                                     ("evaluation", Evaluation)):
                    for r in s.scalars(select(model).where(model.case_id.in_(every))):
                        put(table, r)
                s.expunge_all()
            for r in s.execute(select(AuditEntry).where(AuditEntry.at < cutoff).order_by(AuditEntry.id)
                               .execution_options(yield_per=2000)).scalars():
                put("audit_entry", r)
    # the file reads back whole before anything is deleted
    with gzip.open(tmp, "rt", encoding="utf-8") as back:
        if sum(1 for _ in back) != rows:
            raise ValidationError("归档文件校验失败，未删除任何数据", "archive file did not read back")
    tmp.replace(target)
    for i in range(0, len(roots), BATCH):
        ids = roots[i:i + BATCH]
        with db.uow() as s:
            kids = list(s.scalars(select(Case.id).where(Case.parent_id.in_(ids))))
            every = ids + kids
            for model in (MaterialCheck, Attachment, Evaluation):
                s.execute(delete(model).where(model.case_id.in_(every)))
            s.execute(delete(Case).where(Case.id.in_(kids)))
            s.execute(delete(Case).where(Case.id.in_(ids)))
    while True:  # audit entries in batches too
        with db.uow() as s:
            batch = list(s.scalars(select(AuditEntry.id).where(AuditEntry.at < cutoff).limit(5000)))
            if not batch:
                break
            s.execute(delete(AuditEntry).where(AuditEntry.id.in_(batch)))
    with db.uow() as s:
        audit.record(s, "data.archive", username=who, workstation=workstation, entity="archive",
                     entity_id=target.name, years=years, cutoff=cutoff, cases=len(roots), rows=rows,
                     audit_entries=int(n_audit))
    return ArchiveReport(cutoff, len(roots), rows, int(n_audit), str(target), True)


def read_archive(path: str | Path) -> list[dict[str, Any]]:
    """Every record of an archive file (for a look back or a restore by hand)."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]

