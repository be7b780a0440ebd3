"""Run every benchmark script in this folder, one after another, each in its own process.

A benchmark is a module here whose name ends in `_bench.py`; it prints its own
figures. `python -m benchmarks NAME...` runs only the named ones.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def main(argv: list[str]) -> int:
    scripts = sorted(HERE.glob("*_bench.py"))
    if argv:
        scripts = [s for s in scripts if any(name in s.stem for name in argv)]
    if not scripts:
        print("no benchmarks matched", file=sys.stderr)
        return 1
    failed = 0
    for script in scripts:
        print(f"== {script.stem}", flush=True)
        result = subprocess.run([sys.executable, str(script)], check=False)  # noqa: S603
        failed += result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
