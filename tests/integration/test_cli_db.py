"""``clerk db upgrade|current`` and the database named in config.json, through the real command:
success on a fresh file, and one Chinese+English line (never a traceback) for a bad URL, an
unreachable server or a folder that does not exist."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from devices.escpos_emulator import unused_port

ROOT = Path(__file__).resolve().parents[2]


def clerk(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CLERK_DATABASE_URL", "CLERK_DATA_DIR")}
    return subprocess.run([sys.executable, "-m", "clerk.cli", "--data-dir", str(data_dir), *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)


def test_upgrade_then_current_on_a_fresh_sqlite_file(tmp_path):
    url = f"sqlite:///{(tmp_path / 'fresh.sqlite3').as_posix()}"
    up = clerk("db", "upgrade", "--url", url, data_dir=tmp_path)
    assert up.returncode == 0, up.stderr
    assert "数据库已升级到最新版本" in up.stdout and (tmp_path / "fresh.sqlite3").exists()
    cur = clerk("db", "current", "--url", url, data_dir=tmp_path)
    assert cur.returncode == 0 and cur.stdout.strip() and cur.stdout.strip() != "(empty)"


def test_database_url_in_config_json_is_the_one_used(tmp_path):
    elsewhere = tmp_path / "hall" / "shared.sqlite3"
    elsewhere.parent.mkdir()
    data = tmp_path / "data"
    data.mkdir()
    (data / "config.json").write_text(json.dumps({"database_url": f"sqlite:///{elsewhere.as_posix()}"}),
                                      encoding="utf-8")
    proc = clerk("catalog", "search", "sbk", "--json", data_dir=data)
    assert proc.returncode == 0, proc.stderr
    assert any("社会保障卡" in hit["name"] for hit in json.loads(proc.stdout))
    assert elsewhere.exists() and not (data / "clerk.sqlite3").exists()


@pytest.mark.parametrize("url, expected", [
    ("mysql+nope://a/b", "数据库地址无法识别：mysql+nope://a/b"),
    ("sqlite:////nonexistent-folder/x/clerk.sqlite3", "无法打开数据库文件"),
    (None, "无法连接大厅数据库"),  # a PostgreSQL port nobody listens on
])
def test_bad_database_gives_one_line_not_a_traceback(tmp_path, url, expected):
    url = url or f"postgresql+psycopg://clerk:secret@127.0.0.1:{unused_port()}/clerk"
    proc = clerk("db", "upgrade", "--url", url, data_dir=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.startswith("错误：" + expected) and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "secret" not in proc.stderr


def test_unreachable_database_in_config_json_stops_any_command_with_one_line(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(
        {"database_url": f"postgresql+psycopg://clerk:secret@127.0.0.1:{unused_port()}/clerk"}), encoding="utf-8")
    proc = clerk("queue", "status", "--json", data_dir=tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("错误：无法连接大厅数据库") and "secret" not in proc.stderr
