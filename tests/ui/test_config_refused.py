"""C8 for the app: its start (ui.app.open_context) refuses a wrong workstation before any window."""
from __future__ import annotations

import argparse
import json

import pytest

from clerk.errors import ClerkError


def test_the_app_does_not_start_with_a_wrong_workstation(tmp_path, monkeypatch):
    from ui.app import open_context

    monkeypatch.delenv("CLERK_DATABASE_URL", raising=False)
    (tmp_path / "config.json").write_text(json.dumps({"workstation": "w1"}), encoding="utf-8")
    with pytest.raises(ClerkError, match="工作站编码 workstation “w1” 无效"):
        open_context(argparse.Namespace(data_dir=str(tmp_path), mode="clerk", window=1))
    assert not (tmp_path / "clerk.sqlite3").exists()
