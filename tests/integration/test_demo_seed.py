"""``clerk demo seed``: a hall history made through the services, the same for the same seed."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from clerk.calendar import WorkCalendar
from clerk.cli import main
from clerk.db import Database
from clerk.demo import OPEN_AM, CLOSE_PM, seed_demo
from clerk.migrate import upgrade
from clerk.models import Attachment, Case, Evaluation, Ticket
from clerk.seed import seed_defaults


def _fingerprint(db: Database) -> tuple:
    with db.uow() as s:
        tickets = [(t.display, t.state, t.issued_at, t.called_at, t.finished_at)
                   for t in s.scalars(select(Ticket).order_by(Ticket.id))]
        cases = [(c.number, c.state, c.accepted_at, c.promised_date, c.visits)
                 for c in s.scalars(select(Case).order_by(Case.id))]
        levels = [e.level for e in s.scalars(select(Evaluation).order_by(Evaluation.id))]
    return tickets, cases, levels


def _seed(tmp_path, name: str, seed: int) -> Database:
    url = f"sqlite:///{(tmp_path / name).as_posix()}"
    upgrade(url)
    db = Database(url)
    seed_defaults(db)
    result = seed_demo(db, tmp_path / f"files-{name}", cases_total=30, days=2, seed=seed,
                       end=dt.date(2026, 11, 27), attachments_mb=0.5)
    assert result.cases == 30 and result.tickets >= 30 and result.evaluations > 0
    assert 0 < result.attachment_bytes <= 0.5 * 1024 * 1024
    return db


def test_same_seed_same_history_within_opening_hours(tmp_path):
    a, b, c = _seed(tmp_path, "a.sqlite3", 5), _seed(tmp_path, "b.sqlite3", 5), _seed(tmp_path, "c.sqlite3", 6)
    try:
        fa = _fingerprint(a)
        assert fa == _fingerprint(b)
        assert fa != _fingerprint(c)
        with a.uow() as s:
            cal = WorkCalendar.load(s)
            tickets = list(s.scalars(select(Ticket)))
            states = {t.state for t in tickets}
            assert {"done", "no_show"} <= states and not states & {"waiting", "called", "serving"}
            for t in tickets:
                assert cal.is_workday(t.service_date) and t.service_date in (dt.date(2026, 11, 26),
                                                                             dt.date(2026, 11, 27))
                assert OPEN_AM <= t.issued_at.time() <= CLOSE_PM
                if t.called_at:
                    assert t.issued_at <= t.called_at
            top = list(s.scalars(select(Case).where(Case.parent_id.is_(None))))
            assert len(top) == 30 and all(c.number and c.created_at.date() <= dt.date(2026, 11, 27) for c in top)
            assert {c.state for c in top} & {"accepted", "in_review", "delivered"}
            assert s.scalar(select(Attachment.id).limit(1)) is not None
    finally:
        for db in (a, b, c):
            db.dispose()


def test_cli_seed_needs_an_admin(tmp_path, capsys, monkeypatch):
    for name in ("CLERK_USER", "CLERK_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    args = ["--data-dir", str(tmp_path / "data"), "demo", "seed", "--cases", "8", "--days", "1",
            "--end", "2026-11-27", "--json"]
    monkeypatch.setenv("CLERK_PASSWORD", "clerk123")
    assert main(["--user", "clerk", *args]) != 0
    assert "系统管理员" in capsys.readouterr().err
    monkeypatch.setenv("CLERK_PASSWORD", "admin123")
    rc = main(["--user", "admin", *args])
    assert rc == 0
    out = capsys.readouterr().out
    assert '"cases": 8' in out and '"days": ["2026-11-27"]' in out
