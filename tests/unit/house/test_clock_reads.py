"""Every "now" of the product comes from `potwise.clock` (ARCHITECTURE.md, Time).

Outside the clock itself and the sandbox (which keeps its own clock), no module of
the product reads the machine's date or time directly.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "src" / "potwise"
ALLOWED = {PACKAGE / "clock.py"}
DIRECT_READS = re.compile(r"datetime\.now\(|utcnow\(|date\.today\(|datetime\.today\(")


def _direct_reads() -> list[str]:
    found: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path in ALLOWED or "sandbox" in path.relative_to(PACKAGE).parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if DIRECT_READS.search(line):
                found.append(f"{path.relative_to(ROOT).as_posix()}:{number}: {line.strip()}")
    return found


def test_every_now_comes_from_the_clock() -> None:
    assert _direct_reads() == [], "use potwise.clock.now() instead"


def test_the_check_sees_a_direct_read() -> None:
    assert DIRECT_READS.search("    today = datetime.now(zone).date()")
    assert DIRECT_READS.search("x = date.today()")
    assert not DIRECT_READS.search("moment = clock.now()")
