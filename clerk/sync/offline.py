"""The desk offline for days (a village agent's laptop): how long, since when, and how many cases
wait to go up — as the status area says it: ``离线 3 天（自 11月29日 14:05）· 待同步 12 件``.

"Since when" is the last round that reached the back office and finished cleanly
(``sync_state.last_sync_at``): it is in the database, so a restart while still offline says the
same. One rule: this module only words what ``engine.status`` read; it decides nothing.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import OutboxEntry


def waiting_cases(s: Session) -> int:
    """Cases (a bundle counts once) with anything still to go up: pending or failed entries.
    An entry not yet sorted to its case by a round counts by its own entity."""
    key = func.coalesce(OutboxEntry.root_uuid, OutboxEntry.entity_uuid)
    return int(s.scalar(select(func.count(func.distinct(key))).where(OutboxEntry.state.in_(("pending", "dead"))))
               or 0)


def offline_for(since: dt.datetime, now: dt.datetime) -> str:
    """3 天 / 5 小时 / 12 分钟 / 不到 1 分钟 — the largest whole unit."""
    gone = max(dt.timedelta(0), now - since)
    if gone >= dt.timedelta(days=1):
        return f"{gone.days} 天"
    if gone >= dt.timedelta(hours=1):
        return f"{gone.seconds // 3600} 小时"
    if gone >= dt.timedelta(minutes=1):
        return f"{gone.seconds // 60} 分钟"
    return "不到 1 分钟"


def since_label(since: dt.datetime, now: dt.datetime) -> str:
    """11月29日 14:05 (the year too when it is not this year's)."""
    day = f"{since.month}月{since.day}日" if since.year == now.year else f"{since.year}年{since.month}月{since.day}日"
    return f"{day} {since:%H:%M}"


def offline_text(st: dict[str, Any], now: dt.datetime) -> str:
    """The 离线 state of ``engine.status``'s dict (configured and not online)."""
    last = st.get("last_sync")
    if last:
        since = dt.datetime.fromisoformat(last)
        head = f"离线 {offline_for(since, now)}（自 {since_label(since, now)}）"
    else:
        head = "离线（尚未与部门后台同步过）"
    parts = [f"待同步 {int(st.get('waiting_cases') or 0)} 件"]
    if st.get("dead"):
        parts.append(f"失败 {st['dead']} 条待重新发送")
    # after a closing full-width bracket the dot needs no space of its own
    return head + ("· " if head.endswith("）") else " · ") + " · ".join(parts)
