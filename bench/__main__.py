"""``python -m bench``: run every benchmark script in this folder and print their figures."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def main() -> int:
    scripts = sorted(p for p in HERE.glob("bench_*.py"))
    only = set(sys.argv[1:])
    failed = 0
    for script in scripts:
        if only and script.stem.removeprefix("bench_") not in only:
            continue
        print(f"== {script.stem} ==", flush=True)
        rc = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        failed += rc != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
