"""C9: backup and restore round trip, damaged archives refused, the start-up integrity check
with its way back, daily backups with rotation, and a full disk or full database handled in
Chinese with nothing lost. Real SQLite files, real zip archives, a real `clerk` subprocess whose
file-size limit (RLIMIT_FSIZE) makes the OS refuse the archive write."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from casefixtures import ZHANG
from clerk import attachments, auth, backup, cases, queue
from clerk.cli import main
from clerk.commands import open_db
from clerk.config import load_config
from clerk.dto import ApplicantInput
from clerk.errors import StorageError
from clerk.models import Attachment, Case, Ticket

HALL = "33022501"
ROOT = Path(__file__).resolve().parents[2]


class Args:
    def __init__(self, data: Path) -> None:
        self.data_dir = str(data)


def _make_data(data: Path, n_cases: int = 3, blob_bytes: int = 50_000) -> dict[str, object]:
    """Tickets, cases and scans made through the services (what `clerk demo seed` would make)."""
    db = open_db(Args(data))
    cfg = load_config(data)
    user = auth.login(db, "clerk", "clerk123", "W01")
    blobs = []
    for i in range(n_cases):
        t = queue.take_ticket(db, HALL, "ZH")
        case = cases.start_case(db, user, ApplicantInput(name="张三", id_number=ZHANG, phone="13812345678"),
                                matter_code=_first_matter(db), ticket_id=t.id)
        data_bytes = b"%PDF-1.4\n" + os.urandom(blob_bytes) + b"\n%%EOF"
        key = case.materials[0].key if hasattr(case, "materials") else "id_card"
        attachments.attach(db, user, cfg.files_dir, case.id, key, f"scan{i}.pdf", data_bytes)
        blobs.append(data_bytes)
    counts = _counts(db)
    db.dispose()
    return {"counts": counts, "blobs": blobs}


def _first_matter(db) -> str:
    from clerk.models import Matter

    with db.uow() as s:
        return s.scalar(select(Matter.code).where(Matter.active).order_by(Matter.code).limit(1))


def _counts(db) -> tuple[int, int, int]:
    with db.uow() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Ticket, Case, Attachment))


@pytest.fixture
def cli(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr("clerk.cli.entry_points", lambda group: [])
    monkeypatch.delenv("CLERK_DATABASE_URL", raising=False)
    monkeypatch.setenv("CLERK_PASSWORD", "admin123")
    data = tmp_path / "data"

    def run(*argv: str) -> tuple[int, str, str]:
        rc = main(["--data-dir", str(data), "--user", "admin", *argv])
        out = capsys.readouterr()
        return rc, out.out, out.err

    run.data = data  # type: ignore[attr-defined]
    return run


def test_backup_and_restore_round_trip_keeps_every_case_and_scan(cli, tmp_path):
    made = _make_data(cli.data)
    archive = tmp_path / "out" / "hall.zip"
    rc, out, err = cli("db", "backup", str(archive))
    assert rc == 0, err
    assert "已备份到" in out and "3 个文件" in out
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
    with zipfile.ZipFile(archive) as z:
        names = z.namelist()
    assert "clerk.sqlite3" in names and "manifest.json" in names
    assert sum(n.startswith("files/") for n in names) == 3

    # After the backup: one more case, then the laptop's data folder is damaged/lost.
    _make_data(cli.data, n_cases=1)
    cfg = load_config(cli.data)
    for p in sorted(cfg.files_dir.rglob("*"), reverse=True):
        p.unlink() if p.is_file() else p.rmdir()
    rc, out, err = cli("db", "restore", str(archive))
    assert rc == 0, err
    assert "补回 3 个文件" in out and "原数据库已保留为" in out
    db = open_db(Args(cli.data))
    assert _counts(db) == made["counts"]
    with db.uow() as s:
        ids = list(s.scalars(select(Attachment.id).order_by(Attachment.id)))
    assert [attachments.read_attachment(db, cfg.files_dir, i) for i in ids] == made["blobs"]
    db.dispose()
    kept = list(cli.data.glob("clerk.sqlite3.before-restore-*"))
    assert len(kept) == 1 and backup.quick_check_file(kept[0]) == ""


def test_a_damaged_archive_is_refused_before_anything_moves(cli, tmp_path):
    _make_data(cli.data, n_cases=1)
    archive = tmp_path / "a.zip"
    assert cli("db", "backup", str(archive))[0] == 0
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("files/"):
                data = data[:-1] + bytes([data[-1] ^ 1])
            dst.writestr(item, data)
    before = (cli.data / "clerk.sqlite3").read_bytes()
    rc, _, err = cli("db", "restore", str(damaged))
    assert rc == 1 and "备份已损坏" in err and "校验不符，未恢复" in err
    assert (cli.data / "clerk.sqlite3").read_bytes() == before
    assert not list(cli.data.glob("*.before-restore-*"))
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    rc, _, err = cli("db", "restore", str(tmp_path / "junk.zip"))
    assert rc == 1 and "不是 Window Clerk 备份文件" in err


def test_backup_and_restore_need_an_admin(cli, monkeypatch, tmp_path):
    _make_data(cli.data, n_cases=1)
    monkeypatch.setenv("CLERK_PASSWORD", "clerk123")
    rc = main(["--data-dir", str(cli.data), "--user", "clerk", "db", "backup", str(tmp_path / "x.zip")])
    assert rc == 3 and not (tmp_path / "x.zip").exists()


def test_a_damaged_database_stops_the_start_and_names_the_newest_backup(cli, tmp_path):
    _make_data(cli.data, n_cases=2)
    cfg = load_config(cli.data)
    report = backup.daily_backup(cfg)
    assert report is not None
    backup._checkpoint(cfg.data_dir / "clerk.sqlite3")
    raw = bytearray((cfg.data_dir / "clerk.sqlite3").read_bytes())
    page = 4096
    for n in range(2, len(raw) // page - 1):  # scribble over every page but the header page
        raw[n * page + 8: n * page + 64] = os.urandom(56)
    (cfg.data_dir / "clerk.sqlite3").write_bytes(bytes(raw))
    with pytest.raises(StorageError) as caught:
        backup.check_database(cfg)
    assert "数据库文件已损坏" in caught.value.message and f'clerk db restore "{report.path}"' in caught.value.message
    rc, _, err = cli("db", "check")
    assert rc == 1 and "程序未启动" in err
    rc, out, err = cli("db", "restore", str(report.path))  # a damaged database needs no sign-in to be replaced
    assert rc == 0, err
    backup.check_database(cfg)


def test_daily_backup_once_a_day_keeps_the_newest_seven(tmp_path):
    data = tmp_path / "data"
    _make_data(data, n_cases=1, blob_bytes=1000)
    cfg = load_config(data)
    start = dt.datetime(2026, 12, 1, 9)
    for day in range(10):
        assert backup.daily_backup(cfg, now=start + dt.timedelta(days=day)) is not None
    assert backup.daily_backup(cfg, now=start + dt.timedelta(days=9, hours=5)) is None
    names = [p.name for p in backup.backups_in(cfg)]
    assert names == [f"clerk-daily-202612{d:02d}.zip" for d in range(10, 3, -1)]


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_a_full_disk_during_backup_says_so_in_chinese_and_leaves_no_half_archive(tmp_path):
    """The OS refuses the archive write (file-size limit of the `clerk` process); the database
    and the attachments are untouched and no partial file is left."""
    import resource
    import signal

    data = tmp_path / "data"

    def db_bytes() -> int:  # the snapshot is the database with its WAL folded in
        return sum(p.stat().st_size for p in (data / "clerk.sqlite3", data / "clerk.sqlite3-wal") if p.exists())

    _make_data(data, n_cases=1, blob_bytes=1000)
    blob = max(db_bytes(), 200_000)
    made = _make_data(data, n_cases=3, blob_bytes=blob)
    # Larger than any single file the backup reads or writes on the way, smaller than the archive.
    limit = max(db_bytes(), blob) + 300_000
    # The database changes by the admin's sign-in (an audit row); its content is compared below.
    before = {p: p.read_bytes() for p in (data / "files").rglob("*") if p.is_file()}

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CLERK_PASSWORD": "admin123"}
    env.pop("CLERK_DATABASE_URL", None)
    r = subprocess.run([sys.executable, "-m", "clerk.cli", "--data-dir", str(data), "--user", "admin",
                        "db", "backup", str(out / "hall.zip")], preexec_fn=limited, env=env,
                       capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert r.returncode == 1, r.stderr
    assert "磁盘已满，备份未完成，已有数据未受影响" in r.stderr
    assert list(out.rglob("*")) == []
    after = {p: p.read_bytes() for p in before}
    assert after == before
    assert backup.quick_check_file(data / "clerk.sqlite3") == ""
    db = open_db(Args(data))
    assert _counts(db) == made["counts"]
    db.dispose()


def test_a_full_database_refuses_the_write_in_chinese_and_keeps_what_was_there(tmp_path):
    """SQLite's max_page_count stands in for a full disk: the ticket is not issued, the message
    says 磁盘已满, earlier tickets are intact, and once there is room the next one is issued."""
    data = tmp_path / "data"
    db = open_db(Args(data))
    first = queue.take_ticket(db, HALL, "ZH")

    @event.listens_for(db.engine, "connect")
    def full(dbapi_conn, _record):  # noqa: ANN001
        count = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count = {count}")

    db.engine.dispose()  # new connections get the limit
    with pytest.raises(StorageError) as caught:
        for _ in range(2000):  # fill the last free pages, then fail
            queue.take_ticket(db, HALL, "ZH", applicant_id=None)
    assert caught.value.message.startswith("磁盘已满，数据未保存")
    event.remove(db.engine, "connect", full)
    db.engine.dispose()
    assert queue.find_ticket(db, HALL, first.display).state == "waiting"
    assert backup.quick_check_file(data / "clerk.sqlite3") == ""
    issued = queue.queue_status(db, HALL).issued
    t = queue.take_ticket(db, HALL, "ZH")
    assert queue.queue_status(db, HALL).issued == issued + 1 and t.display
    db.dispose()
