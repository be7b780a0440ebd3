"""The warnings of a backtest, in plain English.

Days that share a warning are told as one stretch ("from 3 Mar 2026 to 5 Mar 2026"),
not once a day: a current account overdrawn for a fortnight is one thing to know.
What the history could not tell (no payday, no salary, a history that starts late)
comes as the caller's and the kinds' :class:`~potwise.domain.backtest.history.Note`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Final

from potwise.domain.backtest.history import Note
from potwise.domain.backtest.result import BacktestWarning, DayBalance
from potwise.domain.rules.wording import fmt

__all__ = ["day_warnings", "from_notes", "long_date", "pot_warnings", "stretches"]

_DAY = timedelta(days=1)
_MONTHS: Final = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)


def long_date(d: date) -> str:
    """``3 Mar 2026``: a backtest spans a year, so the year is written."""
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def stretches(days: Iterable[date]) -> list[tuple[date, date]]:
    """Runs of consecutive days, each as (first, last), in order."""
    runs: list[tuple[date, date]] = []
    for d in sorted(set(days)):
        if runs and runs[-1][1] + _DAY == d:
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    return runs


def _span(first: date, last: date) -> str:
    if first == last:
        return f"on {long_date(first)}"
    return f"from {long_date(first)} to {long_date(last)}"


def from_notes(found: Iterable[Note]) -> list[BacktestWarning]:
    return [BacktestWarning(n.kind, n.message, n.on, n.on) for n in found]


def _below_zero(days: Sequence[DayBalance], currency: str) -> list[BacktestWarning]:
    """A warning per stretch of days the current account dipped below zero with the rule
    (at any moment of the day: a dip is enough for a payment to bounce), with its lowest
    point, and whether it did so without the rule too."""
    by_day = {d.on: d for d in days}
    out = []
    for first, last in stretches(d.on for d in days if d.low < 0):
        stretch = [by_day[first + i * _DAY] for i in range((last - first).days + 1)]
        worst = min(stretch, key=lambda d: d.low)
        without = any(d.low_without < 0 for d in stretch)
        also = "it did so without the rule too" if without else "without the rule it did not"
        out.append(
            BacktestWarning(
                "below_zero",
                f"The current account would have gone below zero {_span(first, last)} "
                f"(lowest {fmt(worst.low, currency)} on {long_date(worst.on)}); {also}.",
                first,
                last,
            )
        )
    return out


def _below_floor(days: Sequence[DayBalance], floor: int, currency: str) -> list[BacktestWarning]:
    """A warning per stretch of days a top-up left the current account below its floor
    at the day's end. Not every dip: the account dips below the floor before each top-up
    by design; what matters is the rule not bringing it back (a short pot, a cooldown,
    a limit)."""
    by_day = {d.on: d for d in days}
    out = []
    for first, last in stretches(d.on for d in days if d.current < floor):
        stretch = [by_day[first + i * _DAY] for i in range((last - first).days + 1)]
        worst = min(stretch, key=lambda d: d.current)
        out.append(
            BacktestWarning(
                "below_floor",
                f"The current account would have ended the day below the top-up floor of "
                f"{fmt(floor, currency)} {_span(first, last)} (lowest "
                f"{fmt(worst.current, currency)} on {long_date(worst.on)}).",
                first,
                last,
            )
        )
    return out


def day_warnings(
    days: Sequence[DayBalance],
    *,
    capped: Collection[date],
    waiting: Collection[date],
    floor: int | None,
    currency: str,
) -> list[BacktestWarning]:
    """The warnings about days: below zero, below a top-up's floor, moves a limit held
    back, and a rule waiting for money it could not find."""
    out = _below_zero(days, currency)
    if floor is not None and floor > 0:
        out.extend(_below_floor(days, floor, currency))
    for first, last in stretches(capped):
        out.append(
            BacktestWarning(
                "capped",
                f"The rule's limits (per transfer or per day) held money back "
                f"{_span(first, last)}.",
                first,
                last,
            )
        )
    for first, last in stretches(waiting):
        out.append(
            BacktestWarning(
                "waiting_funds",
                f"The rule would have waited for money it could not find {_span(first, last)}.",
                first,
                last,
            )
        )
    return out


def pot_warnings(overdrawn: Mapping[str, date], names: Mapping[str, str]) -> list[BacktestWarning]:
    """A pot the user really took more from than the rule would have left in it: the
    replay keeps the user's own moves as they were, so its balance shows below zero."""
    return [
        BacktestWarning(
            "pot_overdrawn",
            f"From {long_date(on)} the pot \u201c{names[pot_id]}\u201d would have held less "
            "than you really took out of it; the replay keeps your own moves as they were, "
            "so its balance shows below zero.",
            on,
            None,
        )
        for pot_id, on in sorted(overdrawn.items(), key=lambda item: item[1])
    ]
