"""A serving process keeps the memory it freed for reuse (glibc ``mallopt``): a streamed upload
holds ~1 MiB batches of body pieces and lets them go, and with glibc's eager trimming every
upload took its pages afresh from the kernel (thousands of page faults per 32 MiB)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHURN = """
import resource, sys
from collections import deque
sys.path.insert(0, sys.argv[2])
from backoffice.blobs import keep_freed_memory
if sys.argv[1] == "kept" and not keep_freed_memory():
    print("no-mallopt")
    raise SystemExit
def upload():  # 32 MiB in batches of four 256 KiB pieces, at most eight batches held
    held = deque()
    for _ in range(32):
        held.append([b"\\x01" * (256 * 1024) for _ in range(4)])
        if len(held) > 8:
            held.popleft()
    held.clear()
upload()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(5):
    upload()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(mode: str) -> int:
    out = subprocess.run([sys.executable, "-c", CHURN, mode, str(ROOT)], capture_output=True, text=True,
                         check=True, timeout=60).stdout.strip()
    if out == "no-mallopt":
        pytest.skip("this C library has no mallopt (not glibc): its own allocator is kept")
    return int(out)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc mallopt; other systems keep their allocator")
def test_a_serving_process_reuses_the_memory_of_earlier_uploads():
    kept, eager = _faults("kept"), _faults("plain")
    assert eager > 1000, eager  # glibc's own behaviour: each upload faults its pages in again
    assert kept < 100, kept     # kept for reuse: five uploads after the first take no new pages
