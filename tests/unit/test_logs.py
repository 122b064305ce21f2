"""The log file: in the data folder, rotated, and never holding a full ID number or phone —
whatever reaches a log call, tracebacks included. Case numbers stay readable."""
from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from clerk.logs import setup_logging
from clerk.privacy import mask_text

ID, PHONE, CASE = "330225199001011234", "13812345678", "33022501W01202611230007"


@pytest.fixture
def log_path(tmp_path):
    path = setup_logging(tmp_path)
    yield path
    for h in logging.getLogger().handlers:
        h.flush()


def _read(path: Path) -> str:
    for h in logging.getLogger().handlers:
        h.flush()
    return path.read_text(encoding="utf-8")


def test_mask_text_masks_ids_credit_codes_and_phones_but_not_case_numbers_or_dates():
    text = f"读卡 {ID}，电话{PHONE}，企业 91330225MA2AXXXX0L，固话 0574-65700000，办件 {CASE}，日期 20261123"
    masked = mask_text(text)
    assert ID not in masked and "3302**********1234" in masked
    assert PHONE not in masked and "138****5678" in masked
    assert "9133**********XX0L" in masked and "0574-****0000" in masked
    assert CASE in masked and "20261123" in masked


def test_log_lines_and_tracebacks_are_masked_in_the_file(log_path):
    log = logging.getLogger("clerk.test")
    log.info("applicant %s phone %s case %s", ID, PHONE, CASE)
    try:
        raise ValueError(f"bad card {ID}")
    except ValueError:
        log.exception("reader failed")
    text = _read(log_path)
    assert log_path.parent.name == "logs" and log_path.name == "clerk.log"
    assert ID not in text and PHONE not in text
    assert "3302**********1234" in text and "138****5678" in text and CASE in text
    assert "Traceback" in text and "ValueError: bad card 3302**********1234" in text


def test_setting_up_again_replaces_the_handler_instead_of_adding_one(tmp_path):
    first = setup_logging(tmp_path / "a")
    again = setup_logging(tmp_path / "a")
    second = setup_logging(tmp_path / "b")
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_clerk_log", None)]
    assert first == again and [h._clerk_log for h in ours] == [second]


def test_a_cli_command_logs_to_the_data_folder(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "clerk.cli", "--data-dir", str(tmp_path), "validate", "id", ID],
                          capture_output=True, text=True, timeout=120)
    proc = subprocess.run([sys.executable, "-m", "clerk.cli", "--data-dir", str(tmp_path), "queue", "take",
                           "--zone", "NOPE", "--json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    text = (tmp_path / "logs" / "clerk.log").read_text(encoding="utf-8")
    assert "WARNING clerk.cli [MainThread] queue: 没有“NOPE”分区" in text and ID not in text
