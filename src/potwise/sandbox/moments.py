"""Moments in a generated day: an hour of the day with its minutes drawn from the day's stream."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime


def moment_at(day: date, hour: int, rng: random.Random) -> datetime:
    """A time within `hour` of `day` (UTC), to the millisecond, drawn from `rng`."""
    return datetime(
        day.year,
        day.month,
        day.day,
        hour,
        rng.randrange(60),
        rng.randrange(60),
        rng.randrange(1000) * 1000,
        tzinfo=UTC,
    )
