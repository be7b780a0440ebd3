"""Cadences: how far a payment may land from its date, and which schedules to try.

The median gap between dates picks the family (7, 14, 28-35, ~91 or ~365
days); within it every candidate schedule (weekly, fortnightly,
four-weekly, monthly on a day of the month or on the last working day,
quarterly, yearly) is built for :mod:`potwise.domain.recurring.fitting` to
score.
"""

from __future__ import annotations

import operator
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from operator import attrgetter

from potwise.domain.schedules import Cadence, Roll, Schedule

_TOLERANCE_DAYS: dict[Cadence, int] = {
    Cadence.WEEKLY: 2,
    Cadence.FORTNIGHTLY: 3,
    Cadence.FOUR_WEEKLY: 3,
}
_DEFAULT_TOLERANCE = 5
PERIODIC = (Cadence.WEEKLY, Cadence.FORTNIGHTLY, Cadence.FOUR_WEEKLY)


def tolerance_days(cadence: Cadence) -> int:
    """How far (calendar days) a payment may land from its expected date and still match."""
    return _TOLERANCE_DAYS.get(cadence, _DEFAULT_TOLERANCE)


_DAY = attrgetter("day")  # of a date


#: Per cadence family: the range of the median gap (days) that picks it, and the
#: wider range of gaps counted as regular for it.
_FAMILY_GAPS: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {
    "week": ((5, 9), (4, 10)),
    "fortnight": ((12, 16), (10, 18)),
    "month": ((24, 38), (20, 40)),
    "quarter": ((80, 100), (75, 105)),
    "year": ((350, 380), (340, 390)),
}
_SHORTEST_MEDIAN_GAP = min(lo for (lo, _), _ in _FAMILY_GAPS.values())


def too_dense(first: date, last: date, count: int) -> bool:
    """True when ``count`` dates from ``first`` to ``last`` are too close together for
    any family, by their span alone.

    The median gap of ``g`` gaps is ``sorted(gaps)[g // 2]``, so ``g - g // 2`` gaps are
    at least the median and the span (the sum of all gaps) is at least that many times
    the median. A span below that many times the shortest median of any family means
    :func:`cadence_families` finds none: a shop paid several times a week is turned down here
    without sorting its thousands of gaps.
    """
    g = count - 1
    return (last - first).days < _SHORTEST_MEDIAN_GAP * (g - g // 2)


def cadence_families(days: Sequence[int]) -> list[str]:
    gaps = sorted(map(operator.sub, days[1:], days))  # each day minus the one before
    if not gaps:
        return []
    median = gaps[len(gaps) // 2]
    out: list[str] = []
    for name, ((lo, hi), (wide_lo, wide_hi)) in _FAMILY_GAPS.items():
        if lo <= median <= hi:
            regular = _count_between(gaps, wide_lo, wide_hi)
            # Council tax has one 3-month gap a year; paused series a few more.
            if name == "month":
                regular += _count_between(gaps, 55, 100)
            if regular * 10 >= len(gaps) * 6:
                out.append(name)
    return out


def _count_between(ordered: Sequence[int], lo: int, hi: int) -> int:
    """How many of the sorted ``ordered`` are in ``[lo, hi]``."""
    return bisect_right(ordered, hi) - bisect_left(ordered, lo)


def _modal_residue(days: Sequence[int], period: int) -> int:
    counts = Counter(d % period for d in days)
    best = max(counts.values())
    return min(r for r, c in counts.items() if c == best)


def _common_days(dates: Sequence[date]) -> list[int]:
    days_of_month = list(map(_DAY, dates))
    counts = Counter(days_of_month)
    ranked = sorted(counts, key=lambda day: (-counts[day], day))[:4]
    median_day = sorted(days_of_month)[len(dates) // 2]
    return sorted({*ranked, median_day})


# Builds a family's candidate schedules from sorted dates and their ordinals.
_Builder = Callable[[Sequence[date], Sequence[int]], list[Schedule]]


def _periodic(cadence: Cadence, period: int) -> _Builder:
    """Every ``period`` days, anchored on the most common day of the cycle."""

    def build(dates: Sequence[date], days: Sequence[int]) -> list[Schedule]:
        residue = _modal_residue(days, period)
        anchor = dates[0] - timedelta(days=(dates[0].toordinal() - residue) % period)
        return [Schedule(cadence, anchor, Roll.NONE)]

    return build


def _on_common_days(cadence: Cadence) -> _Builder:
    """On each of the days of the month the dates most often fall on."""

    def build(dates: Sequence[date], days: Sequence[int]) -> list[Schedule]:
        return [
            Schedule(cadence, dates[0], Roll.NONE, day_of_month=day) for day in _common_days(dates)
        ]

    return build


_FOUR_WEEKLY = _periodic(Cadence.FOUR_WEEKLY, 28)
_MONTHLY = _on_common_days(Cadence.MONTHLY)


def _monthly(dates: Sequence[date], days: Sequence[int]) -> list[Schedule]:
    """The last working day, every four weeks, or a day of the month."""
    return [
        Schedule(Cadence.MONTHLY_LAST_WORKING_DAY, dates[0], Roll.PREVIOUS),
        *_FOUR_WEEKLY(dates, days),
        *_MONTHLY(dates, days),
    ]


_CANDIDATES: dict[str, _Builder] = {
    "week": _periodic(Cadence.WEEKLY, 7),
    "fortnight": _periodic(Cadence.FORTNIGHTLY, 14),
    "month": _monthly,
    "quarter": _on_common_days(Cadence.QUARTERLY),
    "year": _on_common_days(Cadence.YEARLY),
}


def candidate_schedules(
    dates: Sequence[date], days: Sequence[int], families: Sequence[str]
) -> list[Schedule]:
    """The schedules worth scoring for sorted ``dates`` (``days``: their ordinals) in the
    given cadence families, in order, none rolled but the last working day (which
    rolls back by definition)."""
    return [schedule for family in families for schedule in _CANDIDATES[family](dates, days)]
