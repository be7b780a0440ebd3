"""A month of household life, in figures: what the autopilot cost the banks and did.

Plays simulated days of ordinary life in the bank sandbox (three cards: American
Express, Barclaycard and a card whose purchases post without a pending stage) with
the product following the sandbox's clock, its webhooks and scheduler on, and one
card-pot rule over the three cards. Prints TrueLayer calls per card per day
(attended and unattended), Monzo calls per day, rule runs, moves, and the minutes
the pot was short of what the cards owed as last read. Loopback only; stops by itself.

    uv run --frozen python -m benchmarks.month_bench [--days 30] [--speed 172800]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from tests.support.month import figures, month

from benchmarks.benchdb import database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--speed", type=float, default=172_800)
    args = parser.parse_args()
    began = time.monotonic()
    with (
        tempfile.TemporaryDirectory() as tmp,
        database("sqlite", "month") as engine,
        month(
            Path(tmp), engine.url.render_as_string(), engine, speed=args.speed, log_level="ERROR"
        ) as life,
    ):
        for _ in range(args.days):
            life.play_day()
        found = figures(life)
        problems = [(d.day, p) for d in life.days for p in d.problems]
    found["real_seconds"] = round(time.monotonic() - began, 1)
    print(json.dumps(found, indent=2))
    for day, problem in problems:
        print(f"{day}: {problem}")


if __name__ == "__main__":
    main()
