"""``clerk doctor``, the Qt-free core: data folder and its permissions, free disk, the database
reached and migrated (real SQLite, real PostgreSQL), the soname → package table read from a real
``ldd``, a broken probe reported rather than raised, and the command's text and JSON."""
from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from clerk import doctor
from clerk.cli import main
from clerk.config import load_config
from clerk.doctor import Check, check_data_folder, check_database, check_disk, run_checks
from clerk.migrate import HEAD_REVISION, downgrade, upgrade

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")


def by_key(checks: list[Check]) -> dict[str, Check]:
    return {c.key: c for c in checks}


@posix_only
def test_an_owner_only_data_folder_is_ok_and_a_readable_file_is_named(tmp_path):
    root = tmp_path / "data"
    root.mkdir(mode=0o700)
    (root / "clerk.sqlite3").write_bytes(b"")
    os.chmod(root / "clerk.sqlite3", 0o600)
    found = by_key(check_data_folder(load_config(root)))
    assert found["data.folder"].status == "ok"
    assert found["data.permissions"].status == "ok" and "0700" in found["data.permissions"].detail
    os.chmod(root / "clerk.sqlite3", 0o644)
    os.chmod(root, 0o755)
    warn = by_key(check_data_folder(load_config(root)))["data.permissions"]
    assert warn.status == "warn"
    assert "clerk.sqlite3（0644）" in warn.detail and f"{root}（0755）" in warn.detail
    assert warn.fix == f"只允许本人访问：chmod -R go-rwx {root}"


def test_a_data_folder_that_is_a_file_fails(tmp_path):
    cfg = load_config(tmp_path)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("x")
    found = check_data_folder(type(cfg)(data_dir=blocked, database_url=cfg.database_url))
    assert found[0].status == "fail" and "不存在" in found[0].detail


def test_free_disk_thresholds(tmp_path, monkeypatch):
    cfg = load_config(tmp_path)
    real = check_disk(cfg)[0]
    assert real.key == "data.disk" and ("GB" in real.detail or "MB" in real.detail)
    usage = shutil.disk_usage(tmp_path)
    for free, status in ((100 * 1024**2, "fail"), (1024**3, "warn"), (50 * 1024**3, "ok")):
        monkeypatch.setattr(doctor.shutil, "disk_usage", lambda _p, f=free: usage._replace(free=f))
        assert check_disk(cfg)[0].status == status


def test_sqlite_not_created_then_migrated_then_behind(tmp_path):
    cfg = load_config(tmp_path)
    first = by_key(check_database(cfg))
    assert first["db.reachable"].status == "ok" and "尚未创建" in first["db.reachable"].detail
    assert not (tmp_path / "clerk.sqlite3").exists()          # doctor created nothing
    upgrade(cfg.database_url)
    now = by_key(check_database(cfg))
    assert now["db.reachable"].status == now["db.migrated"].status == "ok"
    assert HEAD_REVISION in now["db.migrated"].detail
    downgrade(cfg.database_url, "base")
    behind = by_key(check_database(cfg))
    assert behind["db.migrated"].status == "warn" and "clerk db upgrade" in behind["db.migrated"].fix


@pytest.mark.pg
def test_postgresql_reached_and_migrated(pg_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CLERK_DATABASE_URL", pg_url)
    cfg = load_config(tmp_path)
    assert by_key(check_database(cfg))["db.migrated"].status == "warn"   # empty database
    upgrade(pg_url)
    found = by_key(check_database(cfg))
    assert found["db.reachable"].status == "ok" and "127.0.0.1" in found["db.reachable"].detail
    assert found["db.migrated"].status == "ok"


def test_an_unreachable_server_and_a_bad_url_fail_with_what_to_do(tmp_path, monkeypatch):
    from tests.pgserver import free_port

    monkeypatch.setenv("CLERK_DATABASE_URL", f"postgresql+psycopg://clerk:secret@127.0.0.1:{free_port()}/x")
    down = by_key(check_database(load_config(tmp_path)))["db.reachable"]
    assert down.status == "fail" and "无法连接" in down.detail and "secret" not in down.detail
    assert "数据库服务器" in down.fix
    monkeypatch.setenv("CLERK_DATABASE_URL", "mongodb://hall/x")
    bad = by_key(check_database(load_config(tmp_path)))["db.reachable"]
    assert bad.status == "fail" and "CLERK_DATABASE_URL" in bad.fix


def test_a_probe_that_raises_is_a_failed_check_not_a_crash(tmp_path):
    def broken(_cfg):
        raise RuntimeError("sysfs went away")

    def fine(_cfg):
        return [Check("x.ok", "ok", "甲", "好")]

    found = run_checks(load_config(tmp_path), [("broken", broken), ("fine", fine)])
    assert by_key(found)["broken.error"].status == "fail"
    assert "sysfs went away" in by_key(found)["broken.error"].detail
    assert by_key(found)["x.ok"].status == "ok" and "data.folder" in by_key(found)


@pytest.mark.skipif(shutil.which("ldd") is None, reason="needs ldd (glibc)")
def test_missing_libraries_come_from_a_real_ldd_and_map_to_packages(tmp_path):
    # A real extension module whose libz.so.1 dependency is renamed to a library no one has.
    import zlib

    zlib_ext = Path(getattr(zlib, "__file__", "") or "/nonexistent")
    if not zlib_ext.is_file() or b"libz.so.1" not in zlib_ext.read_bytes():
        pytest.skip("this Python's zlib module is linked statically")
    assert doctor.missing_libraries(zlib_ext) == []
    broken = tmp_path / zlib_ext.name
    broken.write_bytes(zlib_ext.read_bytes().replace(b"libz.so.1\0", b"libQ.so.1\0"))
    assert doctor.missing_libraries(broken) == ["libQ.so.1"]
    assert doctor.install_hint(["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]) == \
        "Debian/UOS/麒麟：sudo apt install libxcb-icccm4 libxcb-keysyms1"
    assert doctor.install_hint(["libQ.so.1", "libpulse.so.0"]) == \
        "Debian/UOS/麒麟：sudo apt install libpulse0；另需提供 libQ.so.1 的系统软件包"


def test_the_command_prints_each_check_and_json(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(doctor, "plugin_checks", lambda: [("demo", lambda cfg: [
        Check("qt.platform", "ok", "Qt 界面启动", "平台插件 offscreen 可用"),
        Check("voice", "warn", "语音叫号", "声音库无法加载", "sudo apt install libpulse0")])])
    rc = main(["--data-dir", str(tmp_path), "doctor"])
    out = capsys.readouterr().out
    assert rc == 0   # warnings only
    assert "[正常] 数据目录：" in out and "[注意] 语音叫号：声音库无法加载\n        处理：sudo apt install libpulse0" in out
    assert out.rstrip().splitlines()[-1].startswith("共 ")
    rc = main(["--data-dir", str(tmp_path), "doctor", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert rc == 0 and report["ok"] is True
    keys = [c["key"] for c in report["checks"]]
    assert {"data.folder", "data.disk", "db.reachable", "db.migrated", "qt.platform", "voice"} <= set(keys)
    assert all(set(c) == {"key", "status", "title", "detail", "fix"} for c in report["checks"])
    monkeypatch.setenv("CLERK_DATABASE_URL", "mongodb://hall/x")
    assert main(["--data-dir", str(tmp_path), "doctor", "--json"]) == 1   # a fail exits non-zero
    assert json.loads(capsys.readouterr().out)["ok"] is False


def test_registered_checks_are_the_packages_outside_the_core():
    """pyproject.toml names one ``checks`` callable per package; each exists."""
    import importlib
    import tomllib

    root = Path(__file__).resolve().parents[2]
    table = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    group = table["project"]["entry-points"]["clerk.doctor"]
    assert set(group) == {"devices", "printing", "ui"}
    for target in group.values():
        module, _, attr = target.partition(":")
        assert callable(getattr(importlib.import_module(module), attr))
    assert sys.modules.get("clerk.doctor") is doctor
