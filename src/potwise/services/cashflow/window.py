"""How far from today a planned item or a commitment may be dated.

Ten years back covers an instalment plan or a bill that started long ago; fifty years
ahead covers a mortgage's last payment. A date outside that is a typo (0001-01-01,
9999-12-31), and the forecast would only stumble over it, so it is refused.
"""

from __future__ import annotations

from datetime import date

from potwise.services.errors import InvalidInput

YEARS_BACK = 10
YEARS_AHEAD = 50


def check_date(day: date, today: date, what: str) -> None:
    """InvalidInput naming `what` unless `day` lies within the window around `today`."""
    earliest = date(today.year - YEARS_BACK, 1, 1)
    latest = date(today.year + YEARS_AHEAD, 12, 31)
    if not earliest <= day <= latest:
        raise InvalidInput(
            f"{what} must be between {earliest.isoformat()} and {latest.isoformat()} "
            f"(up to {YEARS_BACK} years back and {YEARS_AHEAD} years ahead)."
        )
