"""``clerk sync`` and ``clerk cases list`` on a desk data folder, against the real back office."""
from __future__ import annotations

import json

from sqlalchemy import select

from clerk.cli import main
from clerk.db import Database
from clerk.migrate import upgrade
from clerk.models import AuditEntry
from tests.sync.desk import accept_matter, setup_desk
from tests.sync.support import ENROL, server_cases


def _json(capsys, *argv) -> object:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_enrol_sync_status_retry_and_case_list_from_the_command_line(tmp_path, backoffice, token, capsys,
                                                                     monkeypatch):
    for name in ("CLERK_USER", "CLERK_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False, raising=False)
    data = tmp_path / "desk"
    data.mkdir()
    url = f"sqlite:///{(data / 'clerk.sqlite3').as_posix()}"
    upgrade(url)
    db = Database(url)
    setup_desk(db)
    case = accept_matter(db, data / "files", 1, with_scan=True)
    db.dispose()
    d = ["--data-dir", str(data)]
    st = _json(capsys, *d, "sync", "--status", "--json")
    assert st["configured"] is False and st["pending"] == 2
    assert main([*d, "sync", "--once"]) == 1  # not registered: one line, Chinese first
    assert "登记" in capsys.readouterr().err
    # registering the desk is a manager's decision: refused without a sign-in, audited with one
    assert main([*d, "sync", "--enrol", ENROL, "--server", backoffice.url]) == 3
    assert "登录" in capsys.readouterr().err
    monkeypatch.setenv("CLERK_PASSWORD", "manager123")
    info = _json(capsys, *d, "--user", "manager", "sync", "--enrol", ENROL, "--server", backoffice.url, "--json")
    assert info["hall_code"] == "33022501" and "token" not in info
    rows = _json(capsys, *d, "cases", "list", "--json")
    assert [(r["number"], r["sync"]) for r in rows] == [(case.number, "pending")]
    rep = _json(capsys, *d, "sync", "--once", "--json")
    assert rep["sent"] == 2 and rep["online"] is True
    st = _json(capsys, *d, "sync", "--status", "--json")
    assert st["pending"] == 0 and st["dead"] == 0 and st["online"] is True and st["last_sync"]
    assert [(r["number"], r["state"], r["sync"]) for r in _json(capsys, *d, "cases", "list", "--json")] == [
        (case.number, "accepted", "synced")]
    assert [c["uuid"] for c in server_cases(backoffice, token)] == [case.uuid]
    assert main([*d, "sync", "--retry-dead"]) == 3  # resending is a person's decision: sign in
    assert "登录" in capsys.readouterr().err
    assert main([*d, "--user", "manager", "sync", "--retry", "999"]) == 1
    assert "999" in capsys.readouterr().err
    assert _json(capsys, *d, "--user", "manager", "sync", "--retry-dead", "--json") == {"resent": 0}
    db = Database(url)
    with db.uow() as s:
        done = [(a.action, a.username, a.workstation) for a in s.scalars(select(AuditEntry).where(
            AuditEntry.action.like("sync.%")).order_by(AuditEntry.id))]
    db.dispose()
    assert done == [("sync.enrol", "manager", "W01")]  # a retry that resent nothing changes nothing
