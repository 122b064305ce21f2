"""B3: the data folder and what the app writes in it are owner-only (0700/0600) on POSIX; on
Windows an icacls ACL (its command line checked with a recording runner); `permission_problems`
reports anything wider for `clerk doctor`."""
from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from types import SimpleNamespace

import pytest

from clerk import secure
from clerk.attachments import store_blob
from clerk.config import load_config
from clerk.db import Database
from clerk.fileio import write_atomic
from clerk.logs import setup_logging
from clerk.migrate import upgrade

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")


def _mode(p) -> int:
    return stat.S_IMODE(os.stat(p).st_mode)


@pytest.fixture
def loose_umask():
    """The machine's usual umask (022) so the test proves the code, not the environment."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@posix_only
def test_data_folder_database_wal_log_files_and_spool_are_owner_only(tmp_path, loose_umask):
    cfg = load_config(tmp_path / "data")
    assert _mode(cfg.data_dir) == 0o700
    upgrade(cfg.database_url)
    db = Database(cfg.database_url)
    from sqlalchemy import text
    with db.engine.connect() as conn:
        conn.execute(text("CREATE TABLE probe (x)"))
        conn.execute(text("INSERT INTO probe VALUES (1)"))
        db_file = cfg.data_dir / "clerk.sqlite3"
        assert _mode(db_file) == 0o600
        for side in ("clerk.sqlite3-wal", "clerk.sqlite3-shm"):
            assert (cfg.data_dir / side).exists() and _mode(cfg.data_dir / side) == 0o600, side
    db.dispose()
    log = setup_logging(cfg.data_dir)
    logging.getLogger("clerk.test").info("probe")
    assert _mode(log) == 0o600 and _mode(log.parent) == 0o700
    digest = store_blob(cfg.files_dir, b"%PDF- scan of an ID card")
    blob = cfg.files_dir / digest[:2] / digest
    assert _mode(blob) == 0o600 and _mode(blob.parent) == 0o700 and _mode(cfg.files_dir) == 0o700
    assert _mode(write_atomic(cfg.data_dir / "documents" / "receipt.pdf", b"%PDF")) == 0o600
    assert _mode(cfg.data_dir / "documents") == 0o700
    from devices.escpos_printer import PrintSpool

    job = PrintSpool(cfg.data_dir / "spool").add("tcp://127.0.0.1:9", b"\x1b@ticket", "A001")
    assert _mode(cfg.data_dir / "spool") == 0o700
    assert _mode(cfg.data_dir / "spool" / f"{job.id}.bin") == 0o600
    assert _mode(cfg.data_dir / "spool" / f"{job.id}.json") == 0o600
    assert secure.permission_problems(cfg.data_dir) == []
    logging.getLogger().handlers[:] = [h for h in logging.getLogger().handlers if not getattr(h, "_clerk_log", None)]


@posix_only
def test_permission_problems_names_what_is_wider_and_secure_tree_fixes_it(tmp_path):
    root = tmp_path / "data"
    root.mkdir()
    os.chmod(root, 0o755)
    (root / "clerk.sqlite3").write_bytes(b"x")
    os.chmod(root / "clerk.sqlite3", 0o644)
    problems = secure.permission_problems(root)
    assert len(problems) == 2
    assert "clerk.sqlite3 的权限为 -rw-r--r--，其他用户可读取" in problems[1]
    assert secure.secure_tree(root) == 2
    assert secure.permission_problems(root) == [] and _mode(root / "clerk.sqlite3") == 0o600


def test_catalog_exports_stay_shareable_but_written_files_default_to_owner_only(tmp_path, loose_umask):
    if sys.platform == "win32":
        pytest.skip("POSIX modes")
    assert _mode(write_atomic(tmp_path / "a.bin", b"1")) == 0o600
    assert _mode(write_atomic(tmp_path / "b.json", b"1", mode=0o644)) == 0o644


def test_windows_acl_is_set_with_icacls_and_wide_entries_are_reported(tmp_path, monkeypatch):
    calls: list[list[str]] = []

    def runner(argv, **kw):
        calls.append(list(argv))
        if len(argv) == 2:  # a listing
            return SimpleNamespace(returncode=0, stdout=f"{argv[1]} BUILTIN\\Users:(I)(OI)(CI)(RX)\n"
                                   "         NT AUTHORITY\\SYSTEM:(I)(OI)(CI)(F)\n", stderr="")
        return SimpleNamespace(returncode=0, stdout="processed 1 files", stderr="")

    monkeypatch.setenv("USERNAME", "clerk1")
    folder = tmp_path / "data"
    folder.mkdir()
    secure.make_private(folder, runner=runner)
    assert calls[-1] == ["icacls", str(folder), "/inheritance:r", "/grant:r", "clerk1:(OI)(CI)F",
                         "/grant:r", "*S-1-5-18:(OI)(CI)F"]
    f = folder / "clerk.sqlite3"
    f.write_bytes(b"")
    secure.make_private(f, runner=runner)
    assert calls[-1][4] == "clerk1:F"
    [problem] = secure.permission_problems(folder, runner=runner)
    assert "BUILTIN\\Users" in problem and "icacls" in problem
    failing = lambda argv, **kw: SimpleNamespace(returncode=5, stdout="", stderr="Access is denied.")
    with pytest.raises(OSError, match="Access is denied"):
        secure.windows_owner_only(folder, runner=failing)
    secure.make_private(folder, runner=failing)  # never raises: doctor reports it instead


@pytest.mark.skipif(sys.platform != "win32", reason="needs Windows icacls")
def test_windows_real_icacls(tmp_path):  # pragma: no cover - runs on the Windows CI only
    folder = tmp_path / "data"
    folder.mkdir()
    secure.make_private(folder)
    out = subprocess.run(["icacls", str(folder)], capture_output=True, text=True).stdout
    assert "Users" not in out and "Everyone" not in out
