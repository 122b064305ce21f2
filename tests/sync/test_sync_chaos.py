"""A test-sized chaos run (``bench/sync_chaos.py``; the full run is ``python -m bench.sync_chaos
--cases 1000 --kills 200``): the sync process SIGKILLed at random and at the engine's named
crash points while departments decide and the desk hands over, a scanner killed between the file
and its row; then drained and checked like Jepsen's set: nothing lost, nothing duplicated or
unexpected, scans byte-equal, desk and server statuses equal, nothing pending."""
from __future__ import annotations

import pytest

from bench.sync_chaos import run_chaos


@pytest.mark.slow
def test_kill_nine_at_random_and_at_named_points_loses_and_duplicates_nothing(tmp_path):
    r = run_chaos(16, 5, seed=7, workdir=tmp_path, scan_every=4, bundle_every=5, scanner_kills=1, verbose=False)
    assert r["scanner_exits"] == [-9]  # killed between the scan file and its row
    assert r["named_kills"] + r["random_kills"] == 5
    assert r["acknowledged"] == r["present"] == 16 + 2 * (16 // 5) + 4  # and the templates: a matter, a bundle of 2
    assert (r["lost"], r["unexpected"], r["duplicated"]) == (0, 0, 0)
    assert r["blobs_checked"] >= 4 and r["blobs_bad"] == 0 and r["rows_without_file"] == 0
    assert r["state_mismatches"] == 0 and r["pending_or_dead"] == 0 and r["integrity"] == "ok"
    assert r["decisions"] > 0
