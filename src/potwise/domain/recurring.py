"""Recurring income and bills, detected from history: commitments.

Input: transaction facts (:class:`TxnFact`: id, local date, signed pence,
the normalised payee key, account, classification) and, optionally, the
direct debits and standing orders the banks list (:class:`Mandate`).
Output: :class:`DetectedCommitment` s, each with its cadence and
working-day rule (a :class:`~potwise.domain.schedules.Schedule`), latest
amount, amount changes, whether it is still running, next date(s), a
confidence in [0, 1] and its evidence (the transaction ids).

How detection works, in order:

1. Internal movements (``internal_transfer``, ``card_repayment``,
   ``pot_move``) and facts after ``today`` are dropped; the rest are
   grouped by payee key and direction (money in or out).
2. **The whole group first.** If its dates follow one cadence and its
   amounts move only in a few steps (price rises), it is one series. This
   is how a subscription whose price rose by more than the tolerance stays
   one commitment.
3. **Otherwise by amount band.** The group's amounts are cut into bands
   wherever two neighbouring amounts differ by more than the tolerance
   (10 % by default), each band is fitted on its own, and a band that
   continues a fitted series right where it stopped (a step price rise at
   a payee with other payments) is appended to it.
4. **Fitting a cadence.** The median gap between dates picks the family
   (7, 14, 28-35, ~91 or ~365 days); within it every candidate schedule
   (weekly, fortnightly, four-weekly, monthly on a day of the month or on
   the last working day, the same restricted to the months seen - ten
   months from April is council tax -, quarterly, yearly) is scored by how
   many expected dates have a payment within a tolerance (2 days for
   weekly, 3 for fortnightly and four-weekly, 5 for the rest: bank
   holidays, weekends and card settlement lag) and how many payments fall
   on an expected date. The best fit wins, then the working-day roll
   (previous / next working day / none) that puts payments closest to
   their expected days; when the data cannot tell, income rolls to the
   previous working day and bills to the next, as UK payroll and direct
   debits do.
5. **Stopped series.** Expected dates after the last payment that are
   more than the tolerance in the past and had no payment are *missed*;
   one missed monthly-or-longer occurrence (two for weekly, fortnightly
   and four-weekly) marks the series stopped (a cancelled subscription).
6. **Confidence** = fit x occurrences x amount stability, where fit is
   (matched / expected) x (matched / observed), occurrences is
   ``1 - 1/(n+1)`` and amount stability ranges 0.85-1 with the share of
   consecutive payments within 2 %. A matching direct debit or standing
   order halves the remaining doubt and supplies the next date.

Everything is deterministic and independent of the order of the input.
"""

from __future__ import annotations

import itertools
import operator
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from fractions import Fraction
from operator import attrgetter

from potwise.domain.calendar import DEFAULT_CALENDAR, UKCalendar
from potwise.domain.schedules import (
    PERIOD_DAYS_APPROX,
    TEN_MONTHS_FROM_APRIL,
    Cadence,
    Roll,
    Schedule,
    occurrence_ordinals,
    occurrences,
)

__all__ = [
    "INTERNAL_CLASSIFICATIONS",
    "AmountChange",
    "DetectedCommitment",
    "DetectionSettings",
    "Mandate",
    "PaymentMatch",
    "TxnFact",
    "commitment_dates",
    "detect_commitments",
    "match_payment",
]

#: Classifications that only move money between the user's own pockets.
INTERNAL_CLASSIFICATIONS: frozenset[str] = frozenset(
    {"internal_transfer", "card_repayment", "pot_move"}
)


@dataclass(frozen=True, slots=True)
class TxnFact:
    """One settled or pending transaction, as detection needs it.

    ``on`` is the local date (user's time zone); ``amount`` is signed pence
    from the user's point of view; ``payee`` is the normalised payee key
    (see :func:`potwise.domain.merchants.merchant_key_for`).
    """

    id: str
    on: date
    amount: int
    payee: str
    account_id: str = ""
    description: str = ""
    classification: str | None = None
    currency: str = "GBP"


@dataclass(frozen=True, slots=True)
class Mandate:
    """A direct debit or standing order the bank lists: extra evidence.

    ``payee`` is normalised like :attr:`TxnFact.payee`; ``amount`` is signed
    (negative: money leaves) when known; ``active`` False for a cancelled
    mandate.
    """

    id: str
    kind: str  # "direct_debit" or "standing_order"
    payee: str
    account_id: str = ""
    amount: int | None = None
    next_date: date | None = None
    last_date: date | None = None
    active: bool = True


@dataclass(frozen=True, slots=True)
class AmountChange:
    """The amount of a series changed on ``on`` (the first payment at the new amount)."""

    on: date
    before: int
    after: int
    transaction_id: str

    @property
    def is_rise(self) -> bool:
        """True when more money moves than before (a price rise, or a pay rise)."""
        return abs(self.after) > abs(self.before)


@dataclass(frozen=True, slots=True)
class DetectedCommitment:
    """A recurring payment or income found in the history.

    ``amount`` is the latest amount, signed. ``next_date`` is the next
    expected date on or after ``today - tolerance`` (an overdue payment
    still counts as next), None once the series has stopped.
    """

    key: str
    payee: str
    direction: str  # "in" or "out"
    account_id: str
    amount: int
    currency: str
    schedule: Schedule
    first_date: date
    last_date: date
    next_date: date | None
    active: bool
    confidence: float
    evidence: tuple[str, ...]
    changes: tuple[AmountChange, ...] = ()
    missed: tuple[date, ...] = ()
    mandate_id: str | None = None
    description: str = ""

    @property
    def cadence(self) -> Cadence:
        """The cadence of the schedule."""
        return self.schedule.cadence


@dataclass(frozen=True, slots=True)
class DetectionSettings:
    """Knobs of detection; the defaults are the product's."""

    min_occurrences: int = 3
    #: Neighbouring amounts further apart than this start a new band.
    amount_tolerance: Fraction = Fraction(1, 10)
    min_confidence: float = 0.5
    excluded_classifications: frozenset[str] = INTERNAL_CLASSIFICATIONS


@dataclass(frozen=True, slots=True)
class PaymentMatch:
    """A new payment matched to a commitment's expected date."""

    commitment_key: str
    expected_on: date
    working_days_off: int
    amount_difference: int


# ---------------------------------------------------------------- fitting

#: The order of a group's facts (and of every band and series cut from it).
_BY_DATE = attrgetter("on", "id")
# Field readers for map(): C-level passes over the thousands of rows of a group.
_AMOUNT = attrgetter("amount")
_ON = attrgetter("on")
_ID = attrgetter("id")
_DAY = attrgetter("day")  # of a date


def _days(facts: Sequence[TxnFact]) -> list[int]:
    """The facts' dates as ordinals (``date.toordinal()``): detection's arithmetic on days."""
    return list(map(date.toordinal, map(_ON, facts)))


_TOLERANCE_DAYS: dict[Cadence, int] = {
    Cadence.WEEKLY: 2,
    Cadence.FORTNIGHTLY: 3,
    Cadence.FOUR_WEEKLY: 3,
}
_DEFAULT_TOLERANCE = 5
_PERIODIC = (Cadence.WEEKLY, Cadence.FORTNIGHTLY, Cadence.FOUR_WEEKLY)


def tolerance_days(cadence: Cadence) -> int:
    """How far (calendar days) a payment may land from its expected date and still match."""
    return _TOLERANCE_DAYS.get(cadence, _DEFAULT_TOLERANCE)


@dataclass(frozen=True, slots=True)
class _Fit:
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


def _match(schedule: Schedule, days: Sequence[int], calendar: UKCalendar, tol: int) -> _Fit:
    """Pair sorted ``days`` (ordinals) with the schedule's dates, each at most ``tol`` off."""
    expected = occurrence_ordinals(schedule, days[0] - tol, days[-1] + tol, calendar)
    e = len(expected)
    if len(days) == e:
        # The common case (three fits in four): one payment for each expected date,
        # each within tol of it. The walk below would pair them in order, i-th with
        # i-th, so the differences tell it all, without a step per payment.
        differences = list(map(operator.sub, days, expected))
        if min(differences) >= -tol and max(differences) <= tol:
            return _Fit(schedule, tuple(range(e)), e, sum(map(abs, differences)))
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
    return _Fit(schedule, tuple(matched), e, offsets)


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


def _too_dense(first: date, last: date, count: int) -> bool:
    """True when ``count`` dates from ``first`` to ``last`` are too close together for
    any family, by their span alone.

    The median gap of ``g`` gaps is ``sorted(gaps)[g // 2]``, so ``g - g // 2`` gaps are
    at least the median and the span (the sum of all gaps) is at least that many times
    the median. A span below that many times the shortest median of any family means
    :func:`_families` finds none: a shop paid several times a week is turned down here
    without sorting its thousands of gaps.
    """
    g = count - 1
    return (last - first).days < _SHORTEST_MEDIAN_GAP * (g - g // 2)


def _families(days: Sequence[int]) -> list[str]:
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


def _better(a: _Fit, b: _Fit | None, observed: int) -> bool:
    """Strictly better: higher score, then fewer offset days."""
    if b is None:
        return True
    if observed:  # both scores are ratio() / observed: compare the ratios
        (na, da), (nb, db) = a.ratio(), b.ratio()
        if na * db != nb * da:
            return na * db > nb * da
    return a.offsets < b.offsets


def _as_good(a: _Fit, b: _Fit) -> bool:
    """The same score (for the same observed dates) and the same offset days."""
    (na, da), (nb, db) = a.ratio(), b.ratio()
    return na * db == nb * da and a.offsets == b.offsets


def _fit(dates: Sequence[date], income: bool, calendar: UKCalendar) -> _Fit | None:
    """The best schedule for sorted ``dates``, or None if they follow no cadence."""
    if len(dates) < 2 or _too_dense(dates[0], dates[-1], len(dates)):
        return None
    days = list(map(date.toordinal, dates))
    families = _families(days)
    if not families:
        return None
    n = len(dates)
    candidates: list[Schedule] = []
    for family in families:
        if family in ("week", "fortnight"):
            cadence = Cadence.WEEKLY if family == "week" else Cadence.FORTNIGHTLY
            period = 7 if family == "week" else 14
            residue = _modal_residue(days, period)
            anchor = dates[0] - timedelta(days=(dates[0].toordinal() - residue) % period)
            candidates.append(Schedule(cadence, anchor, Roll.NONE))
        elif family == "month":
            candidates.append(Schedule(Cadence.MONTHLY_LAST_WORKING_DAY, dates[0], Roll.PREVIOUS))
            residue = _modal_residue(days, 28)
            anchor = dates[0] - timedelta(days=(dates[0].toordinal() - residue) % 28)
            candidates.append(Schedule(Cadence.FOUR_WEEKLY, anchor, Roll.NONE))
            candidates.extend(
                Schedule(Cadence.MONTHLY, dates[0], Roll.NONE, day_of_month=day)
                for day in _common_days(dates)
            )
        elif family == "quarter":
            candidates.extend(
                Schedule(Cadence.QUARTERLY, dates[0], Roll.NONE, day_of_month=day)
                for day in _common_days(dates)
            )
        else:
            candidates.extend(
                Schedule(Cadence.YEARLY, dates[0], Roll.NONE, day_of_month=day)
                for day in _common_days(dates)
            )
    best: _Fit | None = None
    scored: list[_Fit] = []
    for schedule in candidates:
        fit = _match(schedule, days, calendar, tolerance_days(schedule.cadence))
        scored.append(fit)
        if _better(fit, best, n):
            best = fit
    if best is None:
        return None
    # Days that fit as well as the best one before any roll (pay on the 25th rolled
    # back to the 24th or 23rd looks as close to "the 24th"): the roll decides.
    tied = [
        f.schedule
        for f in scored
        if f is not best and f.schedule.cadence is best.schedule.cadence and _as_good(f, best)
    ]
    # Monthly but only in some months (council tax: ten months from April).
    if best.schedule.cadence is Cadence.MONTHLY and (dates[-1] - dates[0]).days >= 330:
        seen = frozenset(d.month for d in dates)
        if 9 <= len(seen) <= 11:
            ten = seen == TEN_MONTHS_FROM_APRIL
            restricted = replace(
                best.schedule,
                cadence=Cadence.MONTHLY_10_FROM_APRIL if ten else Cadence.MONTHLY,
                months=frozenset() if ten else seen,
            )
            fit = _match(restricted, days, calendar, tolerance_days(restricted.cadence))
            scored.append(fit)
            if _better(fit, best, n):
                best = fit
                tied = []
    # Then the working-day roll that brings payments closest to their days.
    if best.schedule.cadence is not Cadence.MONTHLY_LAST_WORKING_DAY:
        preferred = (Roll.PREVIOUS, Roll.NEXT) if income else (Roll.NEXT, Roll.PREVIOUS)
        # Candidates are built without a roll, so each one's Roll.NONE fit is already
        # scored above: a fit depends only on its schedule and the dates.
        known = {f.schedule: f for f in scored}
        rolled: _Fit | None = None
        for schedule in (best.schedule, *tied):
            for roll in (*preferred, Roll.NONE):
                variant = replace(schedule, roll=roll)
                fit = known.get(variant) or _match(
                    variant, days, calendar, tolerance_days(schedule.cadence)
                )
                if _better(fit, rolled, n):
                    rolled = fit
        best = rolled
    return best


# ---------------------------------------------------------------- amounts


def _close(a: int, b: int, tolerance: Fraction) -> bool:
    """``b`` is within ``tolerance`` (a share of ``a``) of ``a``; integer arithmetic."""
    return abs(a - b) * tolerance.denominator <= abs(a) * tolerance.numerator


def _near(tolerance: Fraction) -> Callable[[int, int], bool]:
    """:func:`_close` with ``tolerance`` fixed: its terms are read once (a Fraction's are
    properties), for the loops over every payment of every series."""
    num, den = tolerance.numerator, tolerance.denominator

    def near(a: int, b: int) -> bool:
        return abs(a - b) * den <= abs(a) * num

    return near


def _close_steps(amounts: Sequence[int], tolerance: Fraction) -> Iterator[bool]:
    """:func:`_close` of each amount and the next, ``len(amounts) - 1`` answers; C-level
    iterators, as most series' amounts never move."""
    num, den = tolerance.numerator, tolerance.denominator
    return map(
        operator.le,
        map(operator.mul, map(abs, map(operator.sub, amounts, amounts[1:])), itertools.repeat(den)),
        map(operator.mul, map(abs, amounts), itertools.repeat(num)),
    )


_ONE_PERCENT = Fraction(1, 100)
_WITHIN_ONE_PERCENT = _near(_ONE_PERCENT)
_TWO_PERCENT = Fraction(1, 50)


def _changes(facts: Sequence[TxnFact]) -> tuple[AmountChange, ...]:
    """Step changes: a new amount (more than 1 % away) that the next payment keeps."""
    level = facts[0].amount
    amounts = list(map(_AMOUNT, facts))
    # Every amount within 1 % of the first: the loop below would pass over them all.
    farthest = max(max(amounts) - level, level - min(amounts))
    if farthest * _ONE_PERCENT.denominator <= abs(level) * _ONE_PERCENT.numerator:
        return ()
    near = _WITHIN_ONE_PERCENT
    out: list[AmountChange] = []
    for index, fact in enumerate(facts[1:], start=1):
        if near(level, fact.amount):
            continue
        held = index == len(facts) - 1 or near(fact.amount, facts[index + 1].amount)
        if held:
            out.append(AmountChange(fact.on, level, fact.amount, fact.id))
            level = fact.amount
    return tuple(out)


def _jumps(facts: Sequence[TxnFact], tolerance: Fraction) -> int:
    return list(_close_steps(list(map(_AMOUNT, facts)), tolerance)).count(False)


_ONE_OFF = Fraction(1, 4)
_WITHIN_ONE_OFF = _near(_ONE_OFF)


def _without_blips(facts: list[TxnFact], tolerance: Fraction) -> list[TxnFact]:
    """Drop one-off amounts on a series' dates: more than a quarter away from both
    neighbours (which agree), or the first payment when more than a quarter away from the
    next two (which agree). The last payment is kept: a new amount there is more likely a
    price rise than a one-off."""
    # No payment more than a quarter away from the next one: every test below fails
    # on its first term (one_off of a payment and the next).
    if all(_close_steps(list(map(_AMOUNT, facts)), _ONE_OFF)):
        return list(facts)
    near, one_off = _near(tolerance), _WITHIN_ONE_OFF
    keep: list[TxnFact] = []
    for index, fact in enumerate(facts):
        before = facts[index - 1] if index > 0 else None
        after = facts[index + 1] if index + 1 < len(facts) else None
        if before is not None and after is not None:
            blip = (
                not one_off(before.amount, fact.amount)
                and not one_off(fact.amount, after.amount)
                and near(before.amount, after.amount)
            )
        elif before is None and after is not None and index + 2 < len(facts):
            # A first payment a little below the rest is the old price before a rise;
            # far off (over a quarter), it is a one-off such as an opening transfer.
            blip = not one_off(fact.amount, after.amount) and near(
                after.amount, facts[index + 2].amount
            )
        else:
            blip = False
        if not blip:
            keep.append(fact)
    return keep


def _bands(facts: list[TxnFact], tolerance: Fraction) -> list[list[TxnFact]]:
    """``facts`` (a group, in date order) cut by size wherever neighbouring sizes are not
    close, each band in date order, the bands by size."""
    # A group's facts all have the same sign, so the sizes' differences and ratios are
    # the amounts' (what _close() compares), and equal sizes are always close: a band
    # is every fact whose size lies in its range of sizes, found by sorting sizes alone.
    starts = _band_starts(facts, tolerance)
    ids = list(map(_ID, facts))
    if any(map(operator.eq, ids, ids[1:])):
        # Two facts with the same id (and maybe the same date): their order within a
        # band would be their order by size, as the sort below gives.
        return _bands_sorting(facts, tolerance)
    # Otherwise no two facts share a (date, id), so a band read off the group in its
    # order is in date order, as sorting it by (date, id) would leave it.
    if not starts:
        return [list(facts)]
    bands: list[list[TxnFact]] = [[] for _ in range(len(starts) + 1)]
    for fact in facts:
        bands[bisect_right(starts, abs(fact.amount))].append(fact)
    return bands


def _band_starts(facts: Sequence[TxnFact], tolerance: Fraction) -> list[int]:
    """The sizes (absolute amounts) at which a new band starts, smallest first."""
    sizes = sorted(map(abs, map(_AMOUNT, facts)))
    # _close(previous, size) with the tolerance's terms: this runs for every row of
    # the large shop groups, most of which are one band.
    num, den = tolerance.numerator, tolerance.denominator
    return [
        size
        for previous, size in itertools.pairwise(sizes)
        if (size - previous) * den > previous * num
    ]


def _hopeless(group: list[TxnFact], tolerance: Fraction, today: date) -> bool:
    """True when a group (in any order) can hold no series, so need not be sorted.

    That is when the whole group is too dense for any cadence (:func:`_too_dense`
    from its first and last dates) and its sizes make one band: then the only band is
    the whole group again, and :func:`_group_series` would find nothing. Most large
    shop groups are such: paid several times a week, at prices with no gap between
    them over the tolerance.
    """
    count, first = len(group), min(map(_ON, group))
    # No fact is after today (those were left out), so today bounds the span: for a
    # shop with thousands of payments that is enough, without a pass for the last.
    if not (_too_dense(first, today, count) or _too_dense(first, max(map(_ON, group)), count)):
        return False
    # One band: no neighbouring sizes a < b with (b - a) * den > a * num, that is
    # b * den > a * (num + den); the same test as _band_starts(), in C-level iterators
    # over the tens of thousands of rows of the shop groups.
    sizes = sorted(map(abs, map(_AMOUNT, group)))
    num, den = tolerance.numerator, tolerance.denominator
    return not any(
        map(
            operator.gt,
            map(operator.mul, sizes[1:], itertools.repeat(den)),
            map(operator.mul, sizes, itertools.repeat(num + den)),
        )
    )


def _bands_sorting(facts: Sequence[TxnFact], tolerance: Fraction) -> list[list[TxnFact]]:
    by_size = sorted(facts, key=lambda f: (abs(f.amount), f.on, f.id))
    bands: list[list[TxnFact]] = [[by_size[0]]]
    for fact in by_size[1:]:
        if _close(bands[-1][-1].amount, fact.amount, tolerance):
            bands[-1].append(fact)
        else:
            bands.append([fact])
    return [sorted(band, key=_BY_DATE) for band in bands]


# ---------------------------------------------------------------- series


@dataclass(slots=True)
class _Series:
    facts: list[TxnFact]
    fit: _Fit
    extra: int = 0  # observed but unmatched payments in the group
    mandate: Mandate | None = field(default=None)

    @property
    def matched(self) -> list[TxnFact]:
        return [self.facts[i] for i in self.fit.matched]


def _series_from(facts: list[TxnFact], calendar: UKCalendar, min_n: int) -> _Series | None:
    if len(facts) < min_n or _too_dense(facts[0].on, facts[-1].on, len(facts)):
        return None  # (the second test is _fit's first, before listing thousands of dates)
    fit = _fit([f.on for f in facts], facts[0].amount > 0, calendar)
    if fit is None or len(fit.matched) < min_n:
        return None
    m = len(fit.matched)
    if m * 4 < fit.expected * 3 or m * 10 < len(facts) * 6:
        return None
    return _Series(facts, fit)


def _extend(series: _Series, band: list[TxnFact], calendar: UKCalendar) -> _Series | None:
    """``series`` followed by ``band`` if the band continues it right where it stopped."""
    last = series.matched[-1].on
    if band[0].on <= last:
        return None
    tol = tolerance_days(series.fit.schedule.cadence)
    upcoming = occurrence_ordinals(
        series.fit.schedule,
        last.toordinal() + tol + 1,
        band[-1].on.toordinal() + tol,
        calendar,
    )
    if len(upcoming) < len(band):
        return None
    for fact, expected in zip(band, upcoming, strict=False):
        if abs(fact.on.toordinal() - expected) > tol:
            return None
    facts = sorted([*series.matched, *band], key=_BY_DATE)
    fit = _match(series.fit.schedule, _days(facts), calendar, tol)
    if len(fit.matched) != len(facts):
        return None
    return _Series(facts, fit)


def _group_series(
    facts: list[TxnFact], settings: DetectionSettings, calendar: UKCalendar
) -> list[_Series]:
    min_n = settings.min_occurrences
    whole = _series_from(facts, calendar, min_n)
    if whole is not None:
        matched = _without_blips(whole.matched, settings.amount_tolerance)
        if _jumps(matched, settings.amount_tolerance) <= max(1, len(matched) // 6):
            schedule = whole.fit.schedule
            fit = _match(schedule, _days(matched), calendar, tolerance_days(schedule.cadence))
            if len(fit.matched) >= min_n:
                return [_Series(matched, fit, extra=len(facts) - len(matched))]
    bands = _bands(facts, settings.amount_tolerance)
    found: list[_Series] = []
    leftovers: list[list[TxnFact]] = []
    for band in bands:
        # One band of the whole group (a shop's spread of prices, most often): its fit
        # is the one just made of the same facts.
        series = whole if band == facts else _series_from(band, calendar, min_n)
        if series is None:
            leftovers.append(band)
        else:
            found.append(series)
    # Step price rises at a payee that also takes other payments: a band that
    # carries a fitted series on right where it stopped joins it.
    pieces: list[tuple[list[TxnFact], _Series | None]] = [
        *((s.matched, s) for s in found),
        *((band, None) for band in leftovers),
    ]
    pieces.sort(key=lambda p: _BY_DATE(p[0][0]))
    used = [False] * len(pieces)
    merged: list[_Series] = []
    for i, (_, series) in enumerate(pieces):
        if used[i] or series is None:
            continue
        used[i] = True
        current = series
        for j in range(i + 1, len(pieces)):
            if used[j]:
                continue
            longer = _extend(current, pieces[j][0], calendar)
            if longer is not None:
                used[j] = True
                current = longer
        merged.append(current)
    return merged


# ---------------------------------------------------------------- mandates


def _mandate_for(series: _Series, payee: str, mandates: Sequence[Mandate]) -> Mandate | None:
    latest = series.matched[-1]
    best: tuple[int, str, Mandate] | None = None
    for mandate in mandates:
        if mandate.payee != payee:
            continue
        if mandate.account_id and latest.account_id and mandate.account_id != latest.account_id:
            continue
        distance = 0
        if mandate.amount is not None:
            if not _close(latest.amount, mandate.amount, Fraction(1, 10)):
                continue
            distance = abs(latest.amount - mandate.amount)
        candidate = (distance, mandate.id, mandate)
        if best is None or candidate[:2] < best[:2]:
            best = candidate
    return None if best is None else best[2]


# ---------------------------------------------------------------- results


def _confidence(series: _Series, with_mandate: bool) -> float:
    matched = series.matched
    m = len(matched)
    fit = series.fit.score(m + series.extra)
    count = Fraction(m, m + 1)
    pairs = max(m - 1, 1)
    steady = sum(_close_steps(list(map(_AMOUNT, matched)), _TWO_PERCENT))
    stability = Fraction(85, 100) + Fraction(15, 100) * Fraction(steady, pairs)
    value = fit * count * stability
    if with_mandate:
        value += (1 - value) / 2
    return round(float(min(value, Fraction(1))), 3)


def _key(payee: str, direction: str, schedule: Schedule) -> str:
    if schedule.cadence in _PERIODIC:
        period = PERIOD_DAYS_APPROX[schedule.cadence]
        day = f"d{schedule.anchor.toordinal() % period}"
    elif schedule.cadence is Cadence.MONTHLY_LAST_WORKING_DAY:
        day = "last"
    else:
        day = str(schedule.day_of_month)
        if schedule.cadence in (Cadence.QUARTERLY, Cadence.YEARLY):
            months = 3 if schedule.cadence is Cadence.QUARTERLY else 12
            day = f"{schedule.anchor.month % months}-{day}"
    return f"{direction}:{payee}:{schedule.cadence.value}:{day}"


def _result(
    series: _Series,
    payee: str,
    direction: str,
    today: date,
    mandate: Mandate | None,
    calendar: UKCalendar,
) -> DetectedCommitment:
    matched = series.matched
    schedule = series.fit.schedule
    tol = tolerance_days(schedule.cadence)
    last = matched[-1].on
    after = occurrences(
        schedule, last + timedelta(days=tol + 1), today + timedelta(days=400), calendar
    )
    missed = tuple(d for d in after if d + timedelta(days=tol) < today)
    allowed = 2 if schedule.cadence in _PERIODIC else 1
    active = len(missed) < allowed
    if mandate is not None and not mandate.active:
        active = False
    next_date: date | None = None
    if active:
        upcoming = [d for d in after if d + timedelta(days=tol) >= today]
        next_date = upcoming[0] if upcoming else None
        if mandate is not None and mandate.next_date is not None and mandate.next_date >= today:
            next_date = mandate.next_date
    accounts = Counter(f.account_id for f in matched[-3:])
    account = max(accounts, key=lambda a: (accounts[a], a == matched[-1].account_id, a))
    return DetectedCommitment(
        key=_key(payee, direction, schedule),
        payee=payee,
        direction=direction,
        account_id=account,
        amount=matched[-1].amount,
        currency=matched[-1].currency,
        schedule=schedule,
        first_date=matched[0].on,
        last_date=last,
        next_date=next_date,
        active=active,
        confidence=_confidence(series, mandate is not None),
        evidence=tuple(f.id for f in matched),
        changes=_changes(matched),
        missed=missed if not active else (),
        mandate_id=None if mandate is None else mandate.id,
        description=matched[-1].description,
    )


def detect_commitments(
    facts: Iterable[TxnFact],
    today: date,
    *,
    mandates: Sequence[Mandate] = (),
    settings: DetectionSettings | None = None,
    calendar: UKCalendar = DEFAULT_CALENDAR,
) -> list[DetectedCommitment]:
    """Find recurring payments and income in ``facts``, as of ``today``.

    Returns commitments with a confidence of at least
    ``settings.min_confidence``, ordered by key. The result does not depend
    on the order of ``facts`` or ``mandates``.
    """
    settings = settings or DetectionSettings()
    excluded = settings.excluded_classifications
    money_in: dict[str, list[TxnFact]] = defaultdict(list)
    money_out: dict[str, list[TxnFact]] = defaultdict(list)
    for fact in facts:
        amount = fact.amount
        if not amount or fact.classification in excluded or fact.on > today or not fact.payee:
            continue
        (money_in if amount > 0 else money_out)[fact.payee].append(fact)
    groups = sorted(
        [
            *(((payee, "in"), group) for payee, group in money_in.items()),
            *(((payee, "out"), group) for payee, group in money_out.items()),
        ],
        key=operator.itemgetter(0),
    )
    ordered_mandates = sorted(mandates, key=lambda m: m.id)
    results: list[DetectedCommitment] = []
    for (payee, direction), group in groups:
        if len(group) < settings.min_occurrences:
            continue
        if _hopeless(group, settings.amount_tolerance, today):
            continue
        group.sort(key=_BY_DATE)
        for series in _group_series(group, settings, calendar):
            mandate = _mandate_for(series, payee, ordered_mandates) if direction == "out" else None
            result = _result(series, payee, direction, today, mandate, calendar)
            if result.confidence >= settings.min_confidence:
                results.append(result)
    results.sort(key=lambda c: (c.key, c.first_date, c.evidence))
    seen: Counter[str] = Counter()
    unique: list[DetectedCommitment] = []
    for commitment in results:
        seen[commitment.key] += 1
        count = seen[commitment.key]
        unique.append(
            commitment if count == 1 else replace(commitment, key=f"{commitment.key}:{count}")
        )
    return unique


def commitment_dates(
    commitment: DetectedCommitment,
    start: date,
    end: date,
    calendar: UKCalendar = DEFAULT_CALENDAR,
    *,
    overdue: bool = False,
) -> list[date]:
    """The commitment's expected dates in ``[start, end]``: its next date, then its schedule.

    A stopped commitment has none. With ``overdue``, a ``next_date`` before
    ``start`` (expected, not seen yet, still within the tolerance) comes
    first, so callers can show it as due now.
    """
    if not commitment.active or commitment.next_date is None:
        return []
    first = commitment.next_date
    dates = [first] if first <= end and (first >= start or overdue) else []
    tol = tolerance_days(commitment.cadence)
    rest = occurrences(commitment.schedule, first + timedelta(days=tol + 1), end, calendar)
    dates.extend(d for d in rest if d >= start)
    return dates


def match_payment(
    fact: TxnFact,
    commitments: Iterable[DetectedCommitment],
    *,
    working_days: int = 2,
    amount_tolerance: Fraction = Fraction(3, 40),
    calendar: UKCalendar = DEFAULT_CALENDAR,
) -> PaymentMatch | None:
    """The commitment a new payment pays, if any.

    A payment matches when the payee and direction agree, its amount is
    within ``amount_tolerance`` (7.5 % by default) of the commitment's
    amount and its date within ``working_days`` working days (2 by default)
    of an expected date. The closest match wins (fewest working days off,
    then smallest amount difference, then key).
    """
    direction = "in" if fact.amount > 0 else "out"
    best: tuple[int, int, str, PaymentMatch] | None = None
    for commitment in commitments:
        if commitment.payee != fact.payee or commitment.direction != direction:
            continue
        if not _close(commitment.amount, fact.amount, amount_tolerance):
            continue
        window = timedelta(days=working_days * 2 + 7)
        for expected in occurrences(
            commitment.schedule, fact.on - window, fact.on + window, calendar
        ):
            off = calendar.working_days_between(expected, fact.on)
            if abs(off) > working_days:
                continue
            difference = fact.amount - commitment.amount
            candidate = PaymentMatch(commitment.key, expected, off, difference)
            rank = (abs(off), abs(difference), commitment.key, candidate)
            if best is None or rank[:3] < best[:3]:
                best = rank
    return None if best is None else best[3]
