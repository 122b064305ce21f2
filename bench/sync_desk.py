"""A desk and a back office side by side for the sync benchmarks and chaos runs.

``bulk_cases`` makes many accepted cases quickly in the very shapes the services write: one
matter case and one bundle are accepted through ``clerk.cases`` (with a scan through
``clerk.attachments``), then cloned row by row — case, children, material checks, attachment
rows and their blob files, and the outbox entries in the order the services write them
(attachment before the acceptance, children's acceptance before the bundle's) — new uuids,
numbers from the desk's own pattern.
"""
from __future__ import annotations

import datetime as dt
import json
import sys
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from clerk.attachments import store_blob
from clerk.db import Database
from clerk.migrate import upgrade
from clerk.models import Attachment, Case, MaterialCheck, OutboxEntry

_templates: dict[str, tuple[int, ...]] = {}  # database → the two template cases
CLONED = ("matter_id", "bundle_id", "applicant_id", "proxy_id", "hall_id", "window_id", "clerk_id", "workstation",
          "situation", "form_data", "parties", "department", "catalog_version", "accepted_at",
          "promised_date", "statutory_date", "delivery", "post_address", "visits")
CHECK_COLS = ("material_id", "material_key", "name", "status", "form", "count", "share_source", "share_reference",
              "due_date", "position")


def make_desk(data_dir: Path) -> Database:
    """A desk data folder (config, SQLite, the tests' small catalog)."""
    from tests.sync.desk import setup_desk

    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "files").mkdir(exist_ok=True)
    (data_dir / "config.json").write_text(json.dumps({"hall_code": "33022501", "workstation": "W01"}), encoding="utf-8")
    url = f"sqlite:///{(data_dir / 'clerk.sqlite3').as_posix()}"
    upgrade(url)
    db = Database(url)
    from clerk.seed import seed_defaults

    seed_defaults(db, None, catalog=None)
    setup_desk(db)
    return db


def _scan(n: int, size: int) -> bytes:
    body = f"bulk scan {n} ".encode()
    return (b"%PDF-1.4\n" + body * (size // len(body) + 1))[:size]


def bulk_cases(db: Database, files: Path, n: int, *, scan_every: int = 0, scan_bytes: int = 20_000,
               bundle_every: int = 0, batch: int = 500, first: int = 0) -> list[str]:
    """``n`` accepted cases (every ``bundle_every``-th a bundle, every ``scan_every``-th with a scan
    of ``scan_bytes``), outbox entries pending. Returns the top-level case uuids."""
    from tests.sync.desk import accept_bundle, accept_matter

    with db.uow() as s:
        ids = s.scalars(select(Case.id).where(Case.id.in_(_templates.get(str(db.url), ())))).all()
    if len(ids) != 2:
        ids = [accept_matter(db, files, 0, with_scan=True).id, accept_bundle(db, files, 0).id]
        _templates[str(db.url)] = tuple(ids)
    with db.uow() as s:
        templates = {c.id: c for c in s.scalars(select(Case).where(Case.id.in_(ids)).options(
            selectinload(Case.checks), selectinload(Case.children).selectinload(Case.checks)))}
        t_matter, t_bundle = templates[ids[0]], templates[ids[1]]
        mine = [c.uuid for t in templates.values() for c in (t, *t.children)]
        accept_payload = {e.entity_uuid: dict(e.payload) for e in s.scalars(
            select(OutboxEntry).where(OutboxEntry.kind == "case.accept", OutboxEntry.entity_uuid.in_(mine)))}
        s.expunge_all()
    uuids: list[str] = []
    seq = 100 + first * 3  # after the templates and the cases of earlier calls
    today = dt.date.today()
    made = first
    n += first
    while made < n:
        with db.uow() as s:
            made_now = []
            for _ in range(min(batch, n - made)):
                made += 1
                template = t_bundle if bundle_every and made % bundle_every == 0 else t_matter
                root, entries, seq = _clone(s, template, accept_payload, today, seq)
                made_now.append((made, root, entries))
            s.flush()
            for i, root, entries in made_now:
                if scan_every and i % scan_every == 0:
                    data = _scan(i, scan_bytes)
                    digest = store_blob(files, data)
                    check = next(c for c in root.checks if c.material_key in ("birth_cert", "hukou"))
                    a = Attachment(uuid=str(uuid.uuid4()), case_id=root.id, check_id=check.id,
                                   filename=f"scan-{i}.pdf", mime="application/pdf", sha256=digest,
                                   size=len(data), pages=1)
                    s.add(a)
                    s.add(OutboxEntry(kind="attachment", entity_uuid=a.uuid, payload={
                        "case": root.uuid, "key": check.material_key, "sha256": digest, "size": len(data),
                        "mime": "application/pdf", "pages": 1}))
                s.add_all(entries)
                uuids.append(root.uuid)
    return uuids


def _number(day: dt.date, seq: int) -> str:
    # the desk's pattern; past days when one day's 9999 numbers are used up
    back, n = divmod(seq, 9999)
    return f"33022501W01{(day - dt.timedelta(days=back)):%Y%m%d}{n + 1:04d}"


def _clone(s: Any, template: Case, payloads: dict[str, dict[str, Any]], day: dt.date, seq: int
           ) -> tuple[Case, list[OutboxEntry], int]:
    def copy(src: Case, parent: Case | None) -> Case:
        nonlocal seq
        # as it was on acceptance (the template itself may have moved on since)
        c = Case(uuid=str(uuid.uuid4()), number=_number(day, seq), parent=parent, state="accepted", version=2,
                 detail={}, reason="", **{k: getattr(src, k) for k in CLONED})
        seq += 1
        c.created_at = src.created_at
        c.checks = [MaterialCheck(**{k: getattr(ch, k) for k in CHECK_COLS}) for ch in src.checks]
        s.add(c)
        return c

    root = copy(template, None)
    kids = [copy(k, root) for k in template.children]
    entries = []
    for src, c in [*zip(template.children, kids), (template, root)]:
        p = dict(payloads.get(src.uuid, {}))
        p["number"] = c.number
        if "parent" in p:
            p["parent"] = root.uuid
        entries.append(OutboxEntry(kind="case.accept", entity_uuid=c.uuid, payload=p))
    return root, entries, seq


def start_backoffice(where: Path, database_url: str | None = None, workers: int = 1,
                     extra_args: tuple[str, ...] = (), faults: bool = True) -> Any:
    """The back office in its own process; ``faults`` gives it the tests' fault plan (the chaos
    run uses it; a plain figure is measured without the plan's check on every request)."""
    from tests.backoffice_server import BackofficeServer

    return BackofficeServer(where, database_url=database_url, workers=workers, faults=faults,
                            extra_args=extra_args).start()
