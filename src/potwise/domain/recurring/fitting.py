"""Fitting a cadence: the schedule that best explains a series of dates.

Every candidate schedule is scored by how many expected dates have a payment
within the tolerance and how many payments fall on an expected date. The
best fit wins, then the working-day roll (previous / next working day /
none) that puts payments closest to their expected days; when the data
cannot tell, income rolls to the previous working day and bills to the
next, as UK payroll and direct debits do.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from fractions import Fraction

from potwise.domain.calendar import UKCalendar
from potwise.domain.recurring.cadences import (
    cadence_families,
    candidate_schedules,
    tolerance_days,
    too_dense,
)
from potwise.domain.schedules import (
    TEN_MONTHS_FROM_APRIL,
    Cadence,
    Roll,
    Schedule,
    occurrence_ordinals,
)


@dataclass(frozen=True, slots=True)
class Fit:
    schedule: Schedule
    matched: tuple[int, ...]  # indexes into the observed dates
    expected: int
    offsets: int

    def score(self, observed: int) -> Fraction:
        m = len(self.matched)
        if self.expected == 0 or observed == 0:
            return Fraction(0)
        return Fraction(m * m, self.expected * observed)

    def ratio(self) -> tuple[int, int]:
        """``score(observed) * observed`` as (numerator, denominator): fits of the same
        dates compare by it with integer products, without building fractions."""
        m = len(self.matched)
        return (m * m, self.expected) if self.expected else (0, 1)


def match_schedule(schedule: Schedule, days: Sequence[int], calendar: UKCalendar, tol: int) -> Fit:
    """Pair sorted ``days`` (ordinals) with the schedule's dates, each at most ``tol`` off."""
    expected = occurrence_ordinals(schedule, days[0] - tol, days[-1] + tol, calendar)
    e = len(expected)
    if len(days) == e:
        # The common case (three fits in four): one payment for each expected date,
        # each within tol of it. The walk below would pair them in order, i-th with
        # i-th, so the differences tell it all, without a step per payment.
        differences = list(map(operator.sub, days, expected))
        if min(differences) >= -tol and max(differences) <= tol:
            return Fit(schedule, tuple(range(e)), e, sum(map(abs, differences)))
    matched: list[int] = []
    offsets = 0
    j = 0
    for i, day in enumerate(days):
        # Expected dates too early for this day are too early for the later ones too.
        while j < e and expected[j] < day - tol:
            j += 1
        if j == e:
            break
        if expected[j] <= day + tol:  # within tol: pair them, both used up
            matched.append(i)
            offsets += abs(day - expected[j])
            j += 1
        # else this day is too early for every expected date left: unmatched
    return Fit(schedule, tuple(matched), e, offsets)


def _better(a: Fit, b: Fit | None, observed: int) -> bool:
    """Strictly better: higher score, then fewer offset days."""
    if b is None:
        return True
    if observed:  # both scores are ratio() / observed: compare the ratios
        (na, da), (nb, db) = a.ratio(), b.ratio()
        if na * db != nb * da:
            return na * db > nb * da
    return a.offsets < b.offsets


def _as_good(a: Fit, b: Fit) -> bool:
    """The same score (for the same observed dates) and the same offset days."""
    (na, da), (nb, db) = a.ratio(), b.ratio()
    return na * db == nb * da and a.offsets == b.offsets


def _best_of(scored: Sequence[Fit], observed: int) -> Fit | None:
    best: Fit | None = None
    for fit in scored:
        if _better(fit, best, observed):
            best = fit
    return best


def _tied(best: Fit, scored: Sequence[Fit]) -> list[Schedule]:
    """Days that fit as well as the best one before any roll (pay on the 25th rolled
    back to the 24th or 23rd looks as close to "the 24th"): the roll decides."""
    return [
        f.schedule
        for f in scored
        if f is not best and f.schedule.cadence is best.schedule.cadence and _as_good(f, best)
    ]


def _in_some_months(
    best: Fit, dates: Sequence[date], days: Sequence[int], calendar: UKCalendar
) -> Fit | None:
    """Monthly but only in some months (council tax: ten months from April): the best
    schedule kept to the months seen, fitted; None when that does not apply."""
    if best.schedule.cadence is not Cadence.MONTHLY or (dates[-1] - dates[0]).days < 330:
        return None
    seen = frozenset(d.month for d in dates)
    if not 9 <= len(seen) <= 11:
        return None
    ten = seen == TEN_MONTHS_FROM_APRIL
    restricted = replace(
        best.schedule,
        cadence=Cadence.MONTHLY_10_FROM_APRIL if ten else Cadence.MONTHLY,
        months=frozenset() if ten else seen,
    )
    return match_schedule(restricted, days, calendar, tolerance_days(restricted.cadence))


def _rolled(
    best: Fit,
    tied: Sequence[Schedule],
    scored: Sequence[Fit],
    days: Sequence[int],
    calendar: UKCalendar,
    income: bool,
) -> Fit | None:
    """The working-day roll that brings payments closest to their days."""
    preferred = (Roll.PREVIOUS, Roll.NEXT) if income else (Roll.NEXT, Roll.PREVIOUS)
    # Candidates are built without a roll, so each one's Roll.NONE fit is already
    # scored: a fit depends only on its schedule and the dates.
    known = {f.schedule: f for f in scored}
    rolled: Fit | None = None
    for schedule in (best.schedule, *tied):
        for roll in (*preferred, Roll.NONE):
            variant = replace(schedule, roll=roll)
            fit = known.get(variant) or match_schedule(
                variant, days, calendar, tolerance_days(schedule.cadence)
            )
            if _better(fit, rolled, len(days)):
                rolled = fit
    return rolled


def best_fit(dates: Sequence[date], income: bool, calendar: UKCalendar) -> Fit | None:
    """The best schedule for sorted ``dates``, or None if they follow no cadence."""
    if len(dates) < 2 or too_dense(dates[0], dates[-1], len(dates)):
        return None
    days = list(map(date.toordinal, dates))
    families = cadence_families(days)
    if not families:
        return None
    n = len(dates)
    scored = [
        match_schedule(schedule, days, calendar, tolerance_days(schedule.cadence))
        for schedule in candidate_schedules(dates, days, families)
    ]
    best = _best_of(scored, n)
    if best is None:
        return None
    tied = _tied(best, scored)
    restricted = _in_some_months(best, dates, days, calendar)
    if restricted is not None:
        scored.append(restricted)
        if _better(restricted, best, n):
            best, tied = restricted, []
    if best.schedule.cadence is Cadence.MONTHLY_LAST_WORKING_DAY:
        return best
    return _rolled(best, tied, scored, days, calendar, income)
