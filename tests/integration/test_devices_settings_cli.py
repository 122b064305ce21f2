"""``clerk devices settings``: a kiosk's device URLs are its own (the counter's card reader of the
same seat is never the kiosk's); changing them signs in as a manager and is audited."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def clerk(data_dir: Path, *args: str, password: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CLERK_PASSWORD": password} if password else dict(os.environ)
    env.pop("CLERK_USER", None)
    return subprocess.run([sys.executable, "-m", "clerk.cli", "--data-dir", str(data_dir), *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)


def test_kiosk_devices_are_kept_apart_from_the_counters(tmp_path):
    run = clerk(tmp_path, "--user", "manager", "devices", "settings", "--set", "idcard_port=socket://127.0.0.1:4001",
                password="manager123")
    assert run.returncode == 0, run.stderr
    run = clerk(tmp_path, "--user", "manager", "devices", "settings", "--mode", "kiosk",
                "--set", "ticket_printer=tcp://127.0.0.1:9100", password="manager123")
    assert run.returncode == 0, run.stderr
    counter = json.loads(clerk(tmp_path, "devices", "settings", "--json").stdout)
    kiosk = json.loads(clerk(tmp_path, "devices", "settings", "--mode", "kiosk", "--json").stdout)
    assert counter["settings"] == {"idcard_port": "socket://127.0.0.1:4001"}
    assert kiosk["settings"] == {"ticket_printer": "tcp://127.0.0.1:9100"} and kiosk["workstation"].endswith(".kiosk")


def test_changing_needs_a_manager_and_a_bad_key_is_refused(tmp_path):
    run = clerk(tmp_path, "devices", "settings", "--set", "idcard_port=COM3")
    assert run.returncode != 0 and "登录" in run.stderr
    run = clerk(tmp_path, "--user", "manager", "devices", "settings", "--set", "reader=COM3", password="manager123")
    assert run.returncode != 0 and "KEY=URL" in run.stderr
    assert json.loads(clerk(tmp_path, "devices", "settings", "--json").stdout)["settings"] == {}
