"""The one rule by which a 一件事 follows its matter cases (desk and back office share it)."""
from __future__ import annotations

import pytest

from clerk.bundles import bundle_state


@pytest.mark.parametrize("states, expected", [
    (["withdrawn", "withdrawn"], "withdrawn"),
    (["delivered", "withdrawn"], "delivered"),
    (["result_ready", "delivered"], "result_ready"),
    (["in_review", "supplement"], "supplement"),
    (["accepted", "accepted"], "accepted"),
    (["accepted", "approved"], "in_review"),
    (["rejected", "result_ready"], "in_review"),
])
def test_bundle_state_follows_its_matter_cases(states, expected):
    assert bundle_state(states) == expected
