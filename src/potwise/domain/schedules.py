"""When a recurring payment falls: cadences, working-day roll rules and occurrences.

A :class:`Schedule` says when a payment is *nominally* due (every 7, 14 or
28 days from an anchor; on a day of the month, possibly only in some
months; on the last working day; quarterly; yearly) and how the bank moves
it when that day is not a working day:

* ``Roll.PREVIOUS``: paid on the working day before (UK salaries),
* ``Roll.NEXT``: taken on the next working day (UK direct debits),
* ``Roll.NONE``: happens on the day itself (card subscriptions).

A day of the month beyond a month's end means that month's last day
(paid on the 31st is paid on 30 April), before the roll.

Everything works on ``date`` in the user's time zone and takes its
calendar as a parameter; nothing reads the clock.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import itertools
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

from potwise.domain.calendar import DEFAULT_CALENDAR, UKCalendar

__all__ = [
    "TEN_MONTHS_FROM_APRIL",
    "Cadence",
    "Roll",
    "Schedule",
    "add_months",
    "occurrences",
    "roll_date",
]


class Cadence(StrEnum):
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    FOUR_WEEKLY = "four_weekly"
    MONTHLY = "monthly"
    MONTHLY_LAST_WORKING_DAY = "monthly_last_working_day"
    #: Monthly, but only in ten months: April to January (English council tax).
    MONTHLY_10_FROM_APRIL = "monthly_10_from_april"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"


class Roll(StrEnum):
    PREVIOUS = "previous_working_day"
    NEXT = "next_working_day"
    NONE = "none"


#: The months of council tax's ten instalments.
TEN_MONTHS_FROM_APRIL: frozenset[int] = frozenset({4, 5, 6, 7, 8, 9, 10, 11, 12, 1})

_PERIOD_DAYS: dict[Cadence, int] = {
    Cadence.WEEKLY: 7,
    Cadence.FORTNIGHTLY: 14,
    Cadence.FOUR_WEEKLY: 28,
}
#: Approximate length of one period in days, for sorting and per-month figures.
PERIOD_DAYS_APPROX: dict[Cadence, int] = {
    Cadence.WEEKLY: 7,
    Cadence.FORTNIGHTLY: 14,
    Cadence.FOUR_WEEKLY: 28,
    Cadence.MONTHLY: 30,
    Cadence.MONTHLY_LAST_WORKING_DAY: 30,
    Cadence.MONTHLY_10_FROM_APRIL: 30,
    Cadence.QUARTERLY: 91,
    Cadence.YEARLY: 365,
}
#: Occurrences per year, to compare incomes of different cadences.
PER_YEAR: dict[Cadence, tuple[int, int]] = {  # (numerator, denominator)
    Cadence.WEEKLY: (52, 1),
    Cadence.FORTNIGHTLY: (26, 1),
    Cadence.FOUR_WEEKLY: (13, 1),
    Cadence.MONTHLY: (12, 1),
    Cadence.MONTHLY_LAST_WORKING_DAY: (12, 1),
    Cadence.MONTHLY_10_FROM_APRIL: (10, 1),
    Cadence.QUARTERLY: (4, 1),
    Cadence.YEARLY: (1, 1),
}


def add_months(year: int, month: int, n: int) -> tuple[int, int]:
    """Return ``(year, month)`` ``n`` months after (or before) the given month."""
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


@lru_cache(maxsize=65536)
def _clamped(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, _stdlib_calendar.monthrange(year, month)[1]))


def roll_date(nominal: date, roll: Roll, calendar: UKCalendar = DEFAULT_CALENDAR) -> date:
    """Move a nominal due date off a weekend or bank holiday as ``roll`` says."""
    return _rolled(nominal, roll, calendar)


# Detection and forecasts roll the same few thousand dates again and again; the
# calendar's holidays never change once built, so the answers can be kept.
@lru_cache(maxsize=65536)
def _rolled(nominal: date, roll: Roll, calendar: UKCalendar) -> date:
    if roll is Roll.PREVIOUS:
        return calendar.working_day_on_or_before(nominal)
    if roll is Roll.NEXT:
        return calendar.working_day_on_or_after(nominal)
    return nominal


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a recurring payment is due.

    ``anchor`` is one nominal occurrence. For the 7/14/28-day cadences it
    fixes the phase; for quarterly and yearly it fixes the month(s).
    ``day_of_month`` (1-31) is the nominal day for the monthly, quarterly
    and yearly cadences (unused for the last working day and the day-count
    cadences). ``months`` restricts a monthly schedule to some calendar
    months (empty: every month); ``MONTHLY_10_FROM_APRIL`` implies April to
    January.
    """

    cadence: Cadence
    anchor: date
    roll: Roll = Roll.NEXT
    day_of_month: int | None = None
    months: frozenset[int] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.day_of_month is not None and not 1 <= self.day_of_month <= 31:
            raise ValueError(f"day of month must be 1-31, got {self.day_of_month}")

    @property
    def active_months(self) -> frozenset[int]:
        """The calendar months with a payment (all twelve unless restricted)."""
        if self.cadence is Cadence.MONTHLY_10_FROM_APRIL:
            return TEN_MONTHS_FROM_APRIL
        return self.months or frozenset(range(1, 13))

    def _day(self) -> int:
        return self.day_of_month if self.day_of_month is not None else self.anchor.day

    def nominal_dates(self, start: date, end: date) -> list[date]:
        """Nominal due dates (before any roll) in ``[start, end]``, in order."""
        if end < start:
            return []
        period = _PERIOD_DAYS.get(self.cadence)
        if period is not None:
            offset = (start - self.anchor).days
            k = -(-offset // period)  # ceil division: first k with anchor + k*period >= start
            first = self.anchor + timedelta(days=k * period)
            count = (end - first).days // period + 1
            return [first + timedelta(days=i * period) for i in range(max(count, 0))]
        if self.cadence is Cadence.MONTHLY_LAST_WORKING_DAY:
            wanted, day = frozenset(range(1, 13)), 31
        elif self.cadence is Cadence.QUARTERLY:
            wanted = frozenset(m for m in range(1, 13) if (m - self.anchor.month) % 3 == 0)
            day = self._day()
        elif self.cadence is Cadence.YEARLY:
            wanted, day = frozenset({self.anchor.month}), self._day()
        else:
            wanted, day = self.active_months, self._day()
        out: list[date] = []
        for index in range(start.year * 12 + start.month - 1, end.year * 12 + end.month):
            year, month = divmod(index, 12)
            if month + 1 in wanted:
                nominal = _clamped(year, month + 1, day)
                if start <= nominal <= end:
                    out.append(nominal)
        return out

    def actual(self, nominal: date, calendar: UKCalendar = DEFAULT_CALENDAR) -> date:
        """The day the money really moves for a nominal due date."""
        if self.cadence is Cadence.MONTHLY_LAST_WORKING_DAY:
            return _rolled(nominal, Roll.PREVIOUS, calendar)
        return _rolled(nominal, self.roll, calendar)


_ROLL_MARGIN = timedelta(days=10)


def occurrences(
    schedule: Schedule, start: date, end: date, calendar: UKCalendar = DEFAULT_CALENDAR
) -> list[date]:
    """Actual payment dates (after the roll) that fall in ``[start, end]``, in order.

    A nominal date just outside the window whose roll brings it inside is
    included (a Saturday 1st paid on Friday 31st belongs to a window ending
    on the 31st), and vice versa.
    """
    if end < start:
        return []
    window = _window(schedule, start.toordinal(), end.toordinal(), calendar)
    if window is None:
        return _occurrences_direct(schedule, start, end, calendar)
    table, lo, hi = window
    if not table.repeats:
        return table.dates[lo:hi]
    out: list[date] = []
    for actual in table.dates[lo:hi]:
        if not out or out[-1] != actual:
            out.append(actual)
    return out


def occurrence_ordinals(
    schedule: Schedule, start: int, end: int, calendar: UKCalendar = DEFAULT_CALENDAR
) -> list[int]:
    """:func:`occurrences` between two proleptic ordinals (``date.toordinal()``), as ordinals.

    Detection compares thousands of expected dates with payments; integers
    spare it a ``timedelta`` per comparison.
    """
    if end < start:
        return []
    window = _window(schedule, start, end, calendar)
    if window is None:
        found = _occurrences_direct(
            schedule, date.fromordinal(start), date.fromordinal(end), calendar
        )
        return [d.toordinal() for d in found]
    table, lo, hi = window
    if not table.repeats:
        return table.ordinals[lo:hi]
    out: list[int] = []
    for actual in table.ordinals[lo:hi]:
        if not out or out[-1] != actual:
            out.append(actual)
    return out


def _occurrences_direct(
    schedule: Schedule, start: date, end: date, calendar: UKCalendar
) -> list[date]:
    out: list[date] = []
    for nominal in schedule.nominal_dates(start - _ROLL_MARGIN, end + _ROLL_MARGIN):
        actual = schedule.actual(nominal, calendar)
        if start <= actual <= end and (not out or out[-1] != actual):
            out.append(actual)
    return out


# ------------------------------------------------------------ occurrence tables
#
# Detection asks the same few hundred schedule shapes (the 25th rolled back, a
# 28-day cycle on a given weekday, ...) for their dates over and over, one window
# per payee and candidate. So each shape's nominal and rolled dates are worked out
# once over the calendar years of a window (payees with histories over the same
# years share the table) and every such window is cut out of that table by
# bisection. The cut is exactly what the direct loop returns, because:
#
# * the nominal dates in a table are what ``nominal_dates`` gives for any window
#   inside its years (a shape's nominal dates do not depend on the window), in
#   increasing order;
# * rolling never reorders them (the working day on or before / after is a
#   non-decreasing function of the date), which is checked when a table is built:
#   so "nominal in [start - margin, end + margin]" and "rolled in [start, end]"
#   are each a contiguous run of the table, and so is both;
# * repeated rolled dates (two nominal dates rolled onto one day) are adjacent,
#   and dropped after the cut, as the loop does.
#
# A calendar's holidays never change once built (the same assumption as the
# rolled-date cache above), so a table may be kept per calendar.

_MAX_TABLE_YEARS = 48
_FIRST_ORDINAL = date.min.toordinal()
_LAST_ORDINAL = date.max.toordinal()


@dataclass(frozen=True, slots=True)
class _Table:
    nominal: list[int]  # ordinals, increasing
    ordinals: list[int]  # rolled, non-decreasing
    dates: list[date]  # the same rolled dates
    repeats: bool  # two nominal dates roll onto the same day somewhere


# Kept too: detection asks for the same schedules again (each candidate, each roll).
@lru_cache(maxsize=4096)
def _canonical(schedule: Schedule) -> Schedule:
    """The schedule of the same dates that every schedule of its shape maps to.

    A shape is what the nominal and rolled dates depend on: the phase of a 7, 14
    or 28-day cycle (not which occurrence is the anchor), the day of the month,
    the months, the roll. The last working day ignores its anchor and roll.
    """
    cadence = schedule.cadence
    period = _PERIOD_DAYS.get(cadence)
    if period is not None:
        anchor = date.fromordinal(period + schedule.anchor.toordinal() % period)
        return Schedule(cadence, anchor, schedule.roll)
    if cadence is Cadence.MONTHLY_LAST_WORKING_DAY:
        return Schedule(cadence, _CANONICAL_DAY, Roll.PREVIOUS)
    day = schedule._day()
    if cadence is Cadence.QUARTERLY:
        month = schedule.anchor.month % 3 or 3
        return Schedule(cadence, _CANONICAL_DAY.replace(month=month), schedule.roll, day)
    if cadence is Cadence.YEARLY:
        month = schedule.anchor.month
        return Schedule(cadence, _CANONICAL_DAY.replace(month=month), schedule.roll, day)
    months = schedule.active_months if cadence is Cadence.MONTHLY else frozenset()
    return Schedule(cadence, _CANONICAL_DAY, schedule.roll, day, months)


_CANONICAL_DAY = date(2000, 1, 1)


def _window(
    schedule: Schedule, start: int, end: int, calendar: UKCalendar
) -> tuple[_Table, int, int] | None:
    """The table holding the window ``[start, end]`` and the slice of it; None if too wide."""
    margin = _ROLL_MARGIN.days
    if start - margin < _FIRST_ORDINAL or end + margin > _LAST_ORDINAL:
        return None  # at the ends of the calendar: the direct loop (and its errors)
    # Whole calendar years, but only those the window touches: a table's rolled dates
    # load those years' bank holidays, which a first call pays for.
    first = date.fromordinal(start - margin).year
    last = date.fromordinal(end + margin).year
    if last - first >= _MAX_TABLE_YEARS:
        return None  # a window of decades: not worth keeping
    table = _table(_canonical(schedule), calendar, first, last)
    if table is None:
        return None
    lo = max(bisect_left(table.nominal, start - margin), bisect_left(table.ordinals, start))
    hi = min(bisect_right(table.nominal, end + margin), bisect_right(table.ordinals, end))
    return table, lo, max(lo, hi)


@lru_cache(maxsize=1024)
def _table(schedule: Schedule, calendar: UKCalendar, first: int, last: int) -> _Table | None:
    """``schedule``'s nominal dates in the years ``first``-``last`` and their rolled days."""
    nominal = schedule.nominal_dates(date(first, 1, 1), date(last, 12, 31))
    rolled = [schedule.actual(n, calendar) for n in nominal]
    ordinals = [d.toordinal() for d in rolled]
    if any(b < a for a, b in itertools.pairwise(ordinals)):
        return None  # a roll that reorders dates: cut windows the slow way
    repeats = any(a == b for a, b in itertools.pairwise(ordinals))
    return _Table([d.toordinal() for d in nominal], ordinals, rolled, repeats)
