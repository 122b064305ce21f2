"""Issue 13 B10: at 1366×768 (with a taskbar) nothing that matters is cut to "社会保…". Each layout
runs in a child process whose offscreen platform has exactly that screen, with the app's font and
style sheet; every table cell is asked, through its own delegate, what its text needs. A long
事项 wraps onto more lines of its row; the case number, applicant, state and date stay on one."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREEN = {"name": "counter", "x": 0, "y": 0, "width": 1366, "height": 728, "logicalDpi": 96,
          "logicalBaseDpi": 96, "dpr": 1}


def _probe(tmp_path: Path, role: str) -> dict:
    config = tmp_path / "screens.json"
    config.write_text(json.dumps({"synchronousWindowSystemEvents": True, "windowFrameMargins": False,
                                  "screens": [SCREEN]}), encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}", "CLERK_NO_AUDIO": "1",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    data = tmp_path / f"data-{role}"
    data.mkdir()
    run = subprocess.run([sys.executable, "-m", "tests.ui.elision_probe", str(data), role], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr[-3000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])
    keep = os.environ.get("CLERK_SCREENSHOTS")   # a folder to keep the screenshots in, to look at
    if keep:
        for shot in got["screenshots"]:
            shutil.copy(shot, Path(keep) / Path(shot).name)
    return got


@pytest.mark.slow
@pytest.mark.parametrize("role", ["clerk", "agent"])
def test_the_case_list_shows_every_matter_and_number_whole_at_1366(tmp_path, role):
    from tests.ui.elision_probe import LONG_NAMES

    got = _probe(tmp_path, role)
    assert got["screen"][2:] == [1366, 728]
    cl = got["caselist"]
    assert sorted(cl["matters"]) == sorted(LONG_NAMES)      # the long names are on the list …
    assert cl["elided"] == []                                # … and none is cut, nor any other cell


@pytest.mark.slow
@pytest.mark.parametrize("role", ["clerk", "agent"])
def test_search_results_show_each_matters_code_whole_at_1366(tmp_path, role):
    got = _probe(tmp_path, role)
    search = got["search"]
    assert search["rows"] >= 3
    assert any("330225-LONG-00" in text for text in search["texts"])   # the longest name's code is listed …
    assert search["elided"] == []                                       # … and no hit is cut
