"""Retention: the scans of finished cases are deleted after a configured number of days.

One rule: only what can no longer be needed goes — attachments of cases in a final state
(出件, 不予受理, 一次性告知, 不予许可, 撤回) finished more than ``retention_days`` ago, and, once a back
office is set up, only those it has confirmed receiving (``confirmed_on_back_office``). Each
purge is audited per case; a blob file shared with a case still kept stays on disk.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import audit
from .auth import authorize
from .config import Config
from .db import Database
from .dto import UserInfo
from .errors import ValidationError
from .models import Attachment, Case, CaseState

FINAL_STATES = (CaseState.DELIVERED.value, CaseState.REFUSED.value, CaseState.NOTIFIED.value,
                CaseState.REJECTED.value, CaseState.WITHDRAWN.value)
SETTING = "retention_days"  # config.json; absent or 0: never purge

Confirmed = Callable[[Session, list[int]], set[int]]


@dataclass
class PurgeReport:
    cases: list[str] = field(default_factory=list)       # case numbers (or ids) whose scans went
    attachments: int = 0
    files_deleted: int = 0
    bytes_freed: int = 0
    waiting_for_back_office: int = 0                      # old enough, not yet confirmed there
    dry_run: bool = False


def retention_days(cfg: Config) -> int | None:
    raw = cfg.extra.get(SETTING)
    if raw in (None, "", 0):
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        raise ValidationError(f"config.json 中的 {SETTING} 应为正整数（天），实为 {raw!r}", f"bad {SETTING}: {raw!r}")
    return raw


def confirmed_on_back_office(s: Session, case_ids: list[int]) -> set[int]:
    """The cases whose data the back office has confirmed receiving. The hook ``clerk.sync``
    answers with ``confirmed_cases(session, case_ids) -> set[int]``. No back office in this build
    or none set up: nothing to wait for. One set up that cannot answer: keep everything."""
    try:
        from . import sync
    except ImportError:
        return set(case_ids)
    configured = getattr(sync, "configured_in", None)
    if configured is None or not configured(s):
        return set(case_ids)
    answer = getattr(sync, "confirmed_cases", None)
    if answer is None:
        return set()
    return set(answer(s, case_ids)) & set(case_ids)


def purge_attachments(db: Database, files_dir: Path, days: int, *, user: UserInfo | None = None,
                      workstation: str = "", now: dt.datetime | None = None, dry_run: bool = False,
                      confirmed: Confirmed = confirmed_on_back_office) -> PurgeReport:
    who = authorize(user, "data.maintain")
    if days < 1:
        raise ValidationError("保留天数至少为 1 天", "retention must be at least one day")
    now = now or dt.datetime.now()
    cutoff = now - dt.timedelta(days=days)
    report = PurgeReport(dry_run=dry_run)
    gone: set[str] = set()
    with db.uow() as s:
        finished = func.coalesce(Case.finished_at, Case.decided_at)
        old = list(s.execute(select(Case.id, Case.number).where(
            Case.state.in_(FINAL_STATES), finished.is_not(None), finished < cutoff,
            Case.id.in_(select(Attachment.case_id)))).all())
        ids = [cid for cid, _n in old]
        ok = confirmed(s, ids) if ids else set()
        report.waiting_for_back_office = len(set(ids) - ok)
        for cid, number in old:
            if cid not in ok:
                continue
            rows = list(s.scalars(select(Attachment).where(Attachment.case_id == cid)))
            report.cases.append(number or f"#{cid}")
            report.attachments += len(rows)
            if not dry_run:
                audit.record(s, "retention.purge", username=who, workstation=workstation, entity="case",
                             entity_id=number or cid, attachments=len(rows), days=days,
                             files=[r.filename for r in rows][:20])
                for r in rows:
                    gone.add(r.sha256)
                    s.delete(r)
        s.flush()
        # A blob still named by a kept attachment stays.
        still = set(s.scalars(select(Attachment.sha256).where(Attachment.sha256.in_(gone)))) if gone else set()
    if dry_run:
        return report
    from .attachments import blob_path

    for digest in sorted(gone - still):
        path = blob_path(files_dir, digest)
        try:
            size = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            continue
        report.files_deleted += 1
        report.bytes_freed += size
    return report


def purge_configured(cfg: Config, db: Database, *, user: UserInfo | None = None, workstation: str = "",
                     now: dt.datetime | None = None) -> PurgeReport | None:
    """The purge the configuration asks for (``retention_days``), or None when it asks none."""
    days = retention_days(cfg)
    if days is None:
        return None
    return purge_attachments(db, cfg.files_dir, days, user=user, workstation=workstation, now=now)

