"""Long fuzz runs of every parser (tests/unit/test_fuzz_parsers.py with many more examples):
``python -m bench fuzz`` (CLERK_FUZZ_EXAMPLES, default 2000 per parser). Prints, per parser, the
examples run, the time and the failures found (a failure prints hypothesis' minimal example)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests" / "unit" / "test_fuzz_parsers.py"


def main() -> int:
    examples = int(os.environ.get("CLERK_FUZZ_EXAMPLES", "2000"))
    names = re.findall(r"^def (test_\w+)", TESTS.read_text(encoding="utf-8"), re.M)
    env = {**os.environ, "CLERK_FUZZ_EXAMPLES": str(examples), "PYTHONPATH": str(ROOT)}
    failed = 0
    for name in names:
        start = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
                            f"{TESTS}::{name}"], cwd=ROOT, env=env, capture_output=True, text=True)
        took = time.perf_counter() - start
        ok = r.returncode == 0
        failed += not ok
        print(f"fuzz_{name.removeprefix('test_')}: examples={examples} seconds={took:.1f} "
              f"failures={0 if ok else 1}", flush=True)
        if not ok:  # hypothesis' minimal example, or whatever else stopped the run
            print(why_failed(r.returncode, r.stdout, r.stderr))
    return 1 if failed else 0


def why_failed(rc: int, out: str, err: str) -> str:
    """What stopped a run: hypothesis' falsifying example and the assertion, else the tail of
    both streams, and always the exit status — a run killed by a signal (another session's
    ``pkill``, the OOM killer) prints nothing of its own, and must not pass for a parser bug."""
    lines = out.splitlines()
    found = [line for line in lines if "Falsifying" in line or line.startswith("E ")]
    if rc < 0:
        status = f"  exit: killed by signal {-rc}"
    else:
        status = f"  exit: status {rc}" + (" (pytest: tests failed)" if rc == 1 else "")
    tail = found or [*lines[-15:], *err.splitlines()[-15:]]
    return "\n".join([status, *("  " + line for line in tail if line.strip())])


if __name__ == "__main__":
    raise SystemExit(main())
