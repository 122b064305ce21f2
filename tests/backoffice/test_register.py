"""``clerk backoffice register`` on a desk: the workstation enrols with a real back office and then
talks to it with its own token; a wrong code is refused in one Chinese line."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

from tests.backoffice_server import DEMO_ENROLMENT, ROOT


def clerk(*args: str, password: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("CLERK_USER", None)
    env.pop("CLERK_PASSWORD", None)
    if password:
        env["CLERK_PASSWORD"] = password
    return subprocess.run([sys.executable, "-m", "clerk.cli", *args], capture_output=True, text=True, env=env,
                          timeout=180, cwd=ROOT)


def test_a_desk_registers_with_the_back_office(backoffice, tmp_path):
    desk = str(tmp_path / "desk")
    wrong = clerk("--data-dir", desk, "--user", "manager", "backoffice", "register", "--server", backoffice.url,
                  "--code", "nope", password="manager123")
    assert wrong.returncode == 1 and wrong.stderr.startswith("错误：") and "注册码" in wrong.stderr
    # registering needs a manager's sign-in
    anonymous = clerk("--data-dir", desk, "backoffice", "register", "--server", backoffice.url,
                      "--code", DEMO_ENROLMENT)
    assert anonymous.returncode == 3 and "登录" in anonymous.stderr
    done = clerk("--data-dir", desk, "--user", "manager", "backoffice", "register", "--server", backoffice.url,
                 "--code", DEMO_ENROLMENT, "--name", "1号窗口", password="manager123")
    assert done.returncode == 0, done.stderr
    assert "已在后台" in done.stdout and "token" not in done.stdout
    with sqlite3.connect(backoffice.data_dir / "backoffice.sqlite3") as con:
        rows = con.execute("SELECT w.hall_code, w.code, w.name, count(t.token_hash) FROM bo_workstation w "
                           "JOIN bo_token t ON t.workstation_id = w.id WHERE t.revoked_at IS NULL "
                           "GROUP BY w.id").fetchall()
    assert rows == [("33022501", "W01", "1号窗口", 1)]
    # the desk now talks to the server with the token it keeps: a sync round succeeds
    status = clerk("--data-dir", desk, "sync", "--once", "--server", backoffice.url, "--json")
    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert report["online"] is True and not report["error"] and report["dead"] == 0
