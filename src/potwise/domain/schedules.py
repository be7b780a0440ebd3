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
    margin = timedelta(days=10)
    out: list[date] = []
    for nominal in schedule.nominal_dates(start - margin, end + margin):
        actual = schedule.actual(nominal, calendar)
        if start <= actual <= end and (not out or out[-1] != actual):
            out.append(actual)
    return out
