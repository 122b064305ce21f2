"""Retention (issue item 6): scans of cases finished more than `retention_days` ago are deleted,
audited per case, a blob another kept case uses stays, and with a back office set up only the
cases it confirmed go (the `clerk.sync.confirmed_cases` hook)."""
from __future__ import annotations

import datetime as dt
import sys
import types

import pytest
from sqlalchemy import select

from casefixtures import ZHANG
from clerk import attachments, auth, cases, queue, retention
from clerk.commands import open_db
from clerk.config import load_config
from clerk.dto import ApplicantInput
from clerk.errors import PermissionDenied
from clerk.models import Attachment, AuditEntry, Case, Matter

NOW = dt.datetime(2026, 12, 2, 10, 0)


class Args:
    def __init__(self, data) -> None:
        self.data_dir = str(data)


@pytest.fixture
def hall(tmp_path):
    data = tmp_path / "data"
    db = open_db(Args(data))
    cfg = load_config(data)
    clerk_user = auth.login(db, "clerk", "clerk123", "W01")
    with db.uow() as s:
        code = s.scalar(select(Matter.code).where(Matter.active).order_by(Matter.code).limit(1))
    made = []
    shared = b"%PDF-1.4 the same ID card scan\n%%EOF"
    for i, (state, days_ago) in enumerate([("delivered", 200), ("refused", 120), ("delivered", 10),
                                           ("accepted", 300)]):
        t = queue.take_ticket(db, "33022501", "ZH")
        c = cases.start_case(db, clerk_user, ApplicantInput(name="张三", id_number=ZHANG), matter_code=code,
                             ticket_id=t.id)
        attachments.attach(db, clerk_user, cfg.files_dir, c.id, "id_card", f"own{i}.pdf",
                           b"%PDF-1.4 own scan " + bytes([i]) * 100 + b"\n%%EOF")
        attachments.attach(db, clerk_user, cfg.files_dir, c.id, "id_card", "shared.pdf", shared)
        with db.uow() as s:
            case = s.get(Case, c.id)
            case.state, case.number = state, f"N{i}"
            case.finished_at = NOW - dt.timedelta(days=days_ago) if state != "accepted" else None
            case.decided_at = NOW - dt.timedelta(days=days_ago)
        made.append(c.id)
    yield db, cfg, made
    db.dispose()


def _files(db, case_id) -> list[str]:
    with db.uow() as s:
        return list(s.scalars(select(Attachment.filename).where(Attachment.case_id == case_id)))


def test_old_finished_cases_lose_their_scans_and_it_is_audited(hall):
    db, cfg, ids = hall
    admin = auth.login(db, "admin", "admin123", "W01")
    with pytest.raises(PermissionDenied):
        retention.purge_attachments(db, cfg.files_dir, 90, user=auth.login(db, "clerk", "clerk123"), now=NOW)
    dry = retention.purge_attachments(db, cfg.files_dir, 90, user=admin, now=NOW, dry_run=True)
    assert dry.cases == ["N0", "N1"] and dry.attachments == 4 and _files(db, ids[0])
    report = retention.purge_attachments(db, cfg.files_dir, 90, user=admin, workstation="W01", now=NOW)
    assert report.cases == ["N0", "N1"] and report.attachments == 4
    assert report.files_deleted == 2  # the two own scans; the shared one is still used by N2 and N3
    assert _files(db, ids[0]) == [] and _files(db, ids[1]) == []
    assert sorted(_files(db, ids[2])) == ["own2.pdf", "shared.pdf"] and len(_files(db, ids[3])) == 2
    with db.uow() as s:
        shared = s.scalar(select(Attachment.sha256).where(Attachment.filename == "shared.pdf").limit(1))
        rows = [(e.username, e.workstation, e.entity_id, e.detail["attachments"])
                for e in s.scalars(select(AuditEntry).where(AuditEntry.action == "retention.purge"))]
    assert attachments.blob_path(cfg.files_dir, shared).exists()
    assert rows == [("admin", "W01", "N0", 2), ("admin", "W01", "N1", 2)]


def test_with_a_back_office_only_confirmed_cases_are_purged(hall, monkeypatch):
    db, cfg, ids = hall
    asked: list[list[int]] = []
    fake = types.ModuleType("clerk.sync")
    fake.configured_in = lambda s: True
    fake.confirmed_cases = lambda s, case_ids: (asked.append(list(case_ids)), {ids[1]})[1]
    monkeypatch.setitem(sys.modules, "clerk.sync", fake)
    import clerk

    monkeypatch.setattr(clerk, "sync", fake, raising=False)  # the package attribute wins once imported
    report = retention.purge_attachments(db, cfg.files_dir, 90, now=NOW)
    assert report.cases == ["N1"] and report.waiting_for_back_office == 1
    assert sorted(asked[0]) == [ids[0], ids[1]]
    del fake.confirmed_cases  # a back office that cannot say: nothing goes
    report = retention.purge_attachments(db, cfg.files_dir, 90, now=NOW)
    assert report.cases == [] and report.waiting_for_back_office == 1 and _files(db, ids[0])


def test_the_setting_is_validated(tmp_path):
    (tmp_path / "config.json").write_text('{"retention_days": "soon"}', encoding="utf-8")
    with pytest.raises(Exception, match="retention_days 应为正整数"):
        retention.retention_days(load_config(tmp_path))
    (tmp_path / "config.json").write_text('{"retention_days": 180}', encoding="utf-8")
    assert retention.retention_days(load_config(tmp_path)) == 180
