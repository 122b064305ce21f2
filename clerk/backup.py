"""Backup, restore and the start-up integrity check of the hall's data.

One rule: nothing is lost. A backup is one zip archive (the database taken with SQLite's online
backup API while the app may be running, every attachment under ``files/``, the documents
folder, and ``manifest.json`` with a sha256 per member), written beside its target and renamed
into place, so a full disk leaves no half archive. A restore checks the archive in full before
touching anything, keeps the current database as ``clerk.sqlite3.before-restore-<time>`` and
only adds attachment files (content-addressed: an existing one is never overwritten).

PostgreSQL: ``pg_dump`` (custom format) goes into the archive when the tool is installed;
otherwise the message says which command the database administrator runs.
"""
from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import Config
from .db import redact_url
from .errors import ClerkError, StorageError
from .secure import create_private_file, make_private, sqlite_path

FORMAT = "window-clerk-backup/1"
DB_MEMBER = "clerk.sqlite3"
PG_MEMBER = "database.pgdump"
BACKUP_DIR = "backups"
DAILY_PREFIX = "clerk-daily-"
DEFAULT_KEEP = 7
FOLDERS = ("files", "documents")  # under the data folder; every file in them goes into the archive


@dataclass
class BackupReport:
    path: Path
    database: str            # "sqlite" | "postgresql"
    revision: str | None
    files: int = 0
    bytes: int = 0
    skipped: list[str] = field(default_factory=list)  # attachment files that could not be read


@dataclass
class RestoreReport:
    database: str
    kept_as: Path | None     # the database file as it was before the restore
    files_added: int = 0
    files_present: int = 0


def disk_full(exc: BaseException) -> bool:
    """No room: the disk, the user's quota or the largest file the system allows."""
    if isinstance(exc, sqlite3.OperationalError):
        return "full" in str(exc).lower()
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def _full_disk_error(what: str, exc: OSError | sqlite3.Error) -> StorageError:
    if disk_full(exc):
        return StorageError(f"磁盘已满，{what}未完成，已有数据未受影响。请清理磁盘或换一个位置后重试",
                            f"disk full: {what} not done, nothing changed")
    return StorageError(f"{what}未完成（{getattr(exc, 'strerror', None) or exc}），已有数据未受影响",
                        f"{what} failed: {exc}")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _revision(cfg: Config) -> str | None:
    from .migrate import current

    try:
        return current(cfg.database_url)
    except Exception:  # noqa: BLE001 - the manifest says "unknown"; the backup itself matters
        return None


# --------------------------------------------------------------------------- backup

def sqlite_snapshot(url: str, target: Path) -> None:
    """A consistent copy of a live SQLite database (online backup API; WAL content included)."""
    src_path = sqlite_path(url)
    if src_path is None or not src_path.exists():
        raise ClerkError(f"找不到数据库文件 {src_path}", f"no database file {src_path}")
    src = sqlite3.connect(f"file:{src_path.as_posix()}?mode=ro", uri=True, timeout=30)
    create_private_file(target)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst, pages=1024)
    finally:
        dst.close()
        src.close()


def _pg_dump(url: str, target: Path) -> None:
    from sqlalchemy.engine import make_url

    tool = shutil.which("pg_dump")
    u = make_url(url)
    plain = u.set(drivername="postgresql").render_as_string(hide_password=True)
    if tool is None:
        raise ClerkError(
            "本机没有 pg_dump，无法备份 PostgreSQL 数据库。请在数据库服务器上运行："
            f"pg_dump -Fc -f clerk.pgdump \"{plain}\"，并另行复制各工作站数据目录中的 files 文件夹",
            "pg_dump not found: run pg_dump -Fc on the database server")
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    result = subprocess.run([tool, "-Fc", "-f", str(target), u.set(drivername="postgresql", password=None)
                             .render_as_string(hide_password=False)], env=env, capture_output=True, text=True,
                            timeout=3600)
    if result.returncode != 0:
        raise StorageError(f"pg_dump 失败：{result.stderr.strip()[:200]}", f"pg_dump failed: {result.stderr[:200]}")


def backup(cfg: Config, dest: str | os.PathLike[str]) -> BackupReport:
    """Write the archive ``dest`` (``.zip``). Raises StorageError (Chinese) on a full disk; the
    half-written archive is removed and the data are untouched."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    kind = "sqlite" if cfg.is_sqlite else "postgresql"
    report = BackupReport(path=dest, database=kind, revision=_revision(cfg))
    with tempfile.TemporaryDirectory(prefix="clerk-backup-", dir=dest.parent) as tmpdir:
        tmp = Path(tmpdir)
        try:
            if kind == "sqlite":
                db_file, member = tmp / DB_MEMBER, DB_MEMBER
                sqlite_snapshot(cfg.database_url, db_file)
            else:
                db_file, member = tmp / PG_MEMBER, PG_MEMBER
                _pg_dump(cfg.database_url, db_file)
            part = tmp / (dest.name + ".part")
            manifest: dict[str, Any] = {"format": FORMAT, "created": dt.datetime.now().isoformat(timespec="seconds"),
                                        "database": kind, "revision": report.revision,
                                        "source": redact_url(cfg.database_url), "hall_code": cfg.hall_code,
                                        "workstation": cfg.workstation, "members": {}}
            create_private_file(part)
            with zipfile.ZipFile(part, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as z:
                z.write(db_file, member)
                manifest["members"][member] = _sha256(db_file)
                for folder in FOLDERS:
                    root = cfg.data_dir / folder
                    if not root.is_dir():
                        continue
                    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.name.endswith(".part")):
                        name = path.relative_to(cfg.data_dir).as_posix()
                        try:
                            digest = _sha256(path)
                            z.write(path, name, compress_type=zipfile.ZIP_STORED)  # scans are compressed already
                        except (PermissionError, FileNotFoundError) as exc:
                            # an unreadable or vanished source file is named; a failing write is not
                            # caught here and fails the backup
                            report.skipped.append(f"{name}（{exc.strerror or exc}）")
                            continue
                        manifest["members"][name] = digest
                        report.files += 1
                z.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
            with open(part, "rb+") as f:
                os.fsync(f.fileno())
            os.replace(part, dest)
        except (OSError, sqlite3.Error) as exc:
            raise _full_disk_error("备份", exc) from exc
    make_private(dest)
    report.bytes = dest.stat().st_size
    return report


# --------------------------------------------------------------------------- restore

def read_manifest(archive: str | os.PathLike[str]) -> dict[str, Any]:
    try:
        with zipfile.ZipFile(archive) as z:
            manifest = json.loads(z.read("manifest.json"))
    except FileNotFoundError as exc:
        raise ClerkError(f"找不到备份文件 {archive}", f"no such backup {archive}") from exc
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ClerkError(f"{archive} 不是 Window Clerk 备份文件或已损坏", f"not a backup archive: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ClerkError(f"{archive} 不是本程序能识别的备份格式", "unknown backup format")
    return manifest


def verify(archive: str | os.PathLike[str]) -> dict[str, Any]:
    """Check every member against the manifest (and that member names stay inside the data
    folder); raise ClerkError naming the first damaged one."""
    manifest = read_manifest(archive)
    members: dict[str, str] = manifest.get("members", {})
    with zipfile.ZipFile(archive) as z:
        names = set(z.namelist())
        for name, digest in members.items():
            if name.startswith(("/", "\\")) or ".." in Path(name).parts or ":" in name:
                raise ClerkError(f"备份中有不安全的文件名：{name}，未恢复", f"unsafe member name {name!r}")
            if name not in names:
                raise ClerkError(f"备份不完整：缺少 {name}，未恢复", f"member {name} missing")
            h = hashlib.sha256()
            with z.open(name) as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
            if h.hexdigest() != digest:
                raise ClerkError(f"备份已损坏：{name} 校验不符，未恢复", f"member {name} checksum mismatch")
    return manifest


def restore(cfg: Config, archive: str | os.PathLike[str]) -> RestoreReport:
    """Put the archive's database and attachments back. The app must not be running on this data
    folder (SQLite) — the CLI says so. The current database is kept beside it."""
    manifest = verify(archive)
    kind = manifest.get("database")
    if kind == "sqlite" and not cfg.is_sqlite:
        raise ClerkError("这是单机版（SQLite）备份，当前配置使用 PostgreSQL；请先改回 SQLite 或改用 pg_restore",
                         "a SQLite backup cannot be restored into PostgreSQL")
    if kind == "postgresql":
        return _restore_pg(cfg, archive)
    target = sqlite_path(cfg.database_url)
    if target is None:
        raise ClerkError("当前数据库不是文件，无法恢复", "database is not a file")
    report = RestoreReport(database="sqlite", kept_as=None)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        with tempfile.TemporaryDirectory(prefix="clerk-restore-", dir=target.parent) as tmpdir:
            fresh = Path(tmpdir) / DB_MEMBER
            with zipfile.ZipFile(archive) as z:
                create_private_file(fresh)
                with z.open(DB_MEMBER) as src, open(fresh, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
            problem = quick_check_file(fresh)
            if problem:
                raise ClerkError(f"备份中的数据库已损坏（{problem}），未恢复", f"backup database damaged: {problem}")
            if target.exists():
                kept = target.with_name(f"{target.name}.before-restore-{stamp}")
                if not _checkpoint(target) and Path(f"{target}-wal").exists():
                    shutil.copy2(f"{target}-wal", f"{kept}-wal")  # a damaged file keeps its WAL beside it
                    make_private(f"{kept}-wal")
                shutil.copy2(target, kept)
                make_private(kept)
                report.kept_as = kept
            for side in ("-wal", "-shm"):
                Path(f"{target}{side}").unlink(missing_ok=True)
            os.replace(fresh, target)
        report.files_added, report.files_present = _restore_files(cfg, archive, manifest)
    except (OSError, sqlite3.Error) as exc:
        raise _full_disk_error("恢复", exc) from exc
    return report


def _restore_files(cfg: Config, archive: str | os.PathLike[str], manifest: dict[str, Any]) -> tuple[int, int]:
    from .fileio import write_atomic

    added = present = 0
    with zipfile.ZipFile(archive) as z:
        for name in manifest.get("members", {}):
            if name in (DB_MEMBER, PG_MEMBER):
                continue
            target = cfg.data_dir / name
            if target.exists():
                present += 1
                continue
            write_atomic(target, z.read(name))
            added += 1
    return added, present


def _restore_pg(cfg: Config, archive: str | os.PathLike[str]) -> RestoreReport:
    from sqlalchemy.engine import make_url

    tool = shutil.which("pg_restore")
    u = make_url(cfg.database_url).set(drivername="postgresql")
    if tool is None:
        raise ClerkError("本机没有 pg_restore。请在数据库服务器上解压备份中的 database.pgdump 并运行："
                         f"pg_restore --clean --if-exists -d \"{u.render_as_string(hide_password=True)}\" database.pgdump",
                         "pg_restore not found")
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    with tempfile.TemporaryDirectory(prefix="clerk-restore-") as tmpdir:
        dump = Path(tmpdir) / PG_MEMBER
        with zipfile.ZipFile(archive) as z, z.open(PG_MEMBER) as src, open(dump, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        result = subprocess.run([tool, "--clean", "--if-exists", "-d",
                                 u.set(password=None).render_as_string(hide_password=False), str(dump)],
                                env=env, capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        raise StorageError(f"pg_restore 失败：{result.stderr.strip()[:200]}", "pg_restore failed")
    added, present = _restore_files(cfg, archive, read_manifest(archive))
    return RestoreReport(database="postgresql", kept_as=None, files_added=added, files_present=present)


def _checkpoint(path: Path) -> bool:
    """Fold the WAL into the file before copying it aside (the copy is then complete alone);
    False when the file is too damaged for that."""
    try:
        con = sqlite3.connect(path, timeout=30)
        try:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            con.close()
    except sqlite3.DatabaseError:
        return False
    return True


# --------------------------------------------------------------------------- integrity and daily backups

def quick_check_file(path: Path) -> str:
    """'' when SQLite's quick_check finds nothing, else its first finding."""
    try:
        con = sqlite3.connect(f"file:{path.as_posix()}?mode=ro", uri=True, timeout=30)
        try:
            rows = [r[0] for r in con.execute("PRAGMA quick_check").fetchall()]
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return "" if rows == ["ok"] else "; ".join(str(r) for r in rows[:3])


def backups_in(cfg: Config) -> list[Path]:
    """The data folder's automatic backups, newest first."""
    folder = cfg.data_dir / BACKUP_DIR
    return sorted(folder.glob(f"{DAILY_PREFIX}*.zip"), reverse=True) if folder.is_dir() else []


def check_database(cfg: Config) -> None:
    """At start: ``PRAGMA quick_check`` on the SQLite file; a damaged database stops the app with
    the way back (the newest automatic backup and the command that restores it)."""
    path = sqlite_path(cfg.database_url)
    if path is None or not path.exists():
        return
    problem = quick_check_file(path)
    if not problem:
        return
    newest = backups_in(cfg)
    how = (f"恢复最近的自动备份：clerk db restore \"{newest[0]}\"（当前文件会保留为 .before-restore-…）"
           if newest else "没有找到自动备份；请联系技术支持，不要删除数据目录")
    raise StorageError(f"数据库文件已损坏（{problem}），为防止数据进一步受损，程序未启动。{how}",
                       f"database failed quick_check: {problem}")


def daily_backup(cfg: Config, *, now: dt.datetime | None = None, keep: int | None = None) -> BackupReport | None:
    """Once a day into ``<data>/backups/clerk-daily-YYYYMMDD.zip``, keeping the newest ``keep``
    (config ``backup_keep``, default 7). None when today's exists already."""
    now = now or dt.datetime.now()
    if keep is None:
        try:
            keep = max(1, int(cfg.extra.get("backup_keep", DEFAULT_KEEP)))
        except (TypeError, ValueError):
            keep = DEFAULT_KEEP
    folder = cfg.data_dir / BACKUP_DIR
    target = folder / f"{DAILY_PREFIX}{now:%Y%m%d}.zip"
    if target.exists():
        return None
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    report = backup(cfg, target)
    for old in backups_in(cfg)[keep:]:
        old.unlink(missing_ok=True)
    return report
