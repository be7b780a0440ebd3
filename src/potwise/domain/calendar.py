"""The UK working calendar: weekends and bank holidays in England and Wales.

Paydays, bill dates and transfer timing depend on working days. A working
day is Monday to Friday and not a bank holiday in England and Wales
(Scotland and Northern Ireland have different holidays; they are not
modelled yet). Holidays come from the ``holidays`` package, including
substitute days ("Boxing Day (substitute day)" on Monday 28 December 2026)
and one-off holidays such as the 2023 coronation.

Everything here works on ``datetime.date`` in the user's local time zone;
:func:`local_date` turns an aware instant into such a date. Nothing reads
the clock: "today" is always an argument.

Conventions, stated once:

* ``next_working_day(d)`` is strictly after ``d``;
  ``working_day_on_or_after(d)`` may be ``d`` itself. Likewise
  ``previous_working_day`` / ``working_day_on_or_before``.
* ``add_working_days(d, n)`` steps over ``n`` working days, counting
  neither ``d`` nor any non-working day; ``n == 0`` returns ``d`` as is.
* ``working_days_between(a, b)`` counts working days in ``(a, b]`` (negated
  when ``b < a``), so ``working_days_between(d, add_working_days(d, n)) == n``
  for ``n >= 0``, and for negative ``n`` when ``d`` is a working day.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from threading import Lock
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "DEFAULT_TIMEZONE",
    "UKCalendar",
    "add_working_days",
    "bank_holidays",
    "is_bank_holiday",
    "is_working_day",
    "last_working_day_of_month",
    "local_date",
    "next_working_day",
    "payday_in_month",
    "payday_on_or_before",
    "previous_working_day",
    "working_day_on_or_after",
    "working_day_on_or_before",
    "working_days_between",
]

DEFAULT_TIMEZONE = "Europe/London"

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5


class UKCalendar:
    """Working days in England and Wales, with optional extra holidays.

    Bank holidays are looked up once per year and cached on the instance.
    ``extra_holidays`` lets tests (and, later, a user's employer closures)
    add non-working days; it cannot remove official ones.
    """

    def __init__(self, extra_holidays: Iterable[date] = ()) -> None:
        """Create a calendar; ``extra_holidays`` are treated as bank holidays too."""
        self._extra: dict[date, str] = {d: "Extra holiday" for d in extra_holidays}
        self._by_year: dict[int, dict[date, str]] = {}
        self._lock = Lock()

    def _year(self, year: int) -> dict[date, str]:
        cached = self._by_year.get(year)
        if cached is not None:
            return cached
        with self._lock:
            official = holidays.country_holidays("GB", subdiv="ENG", years=year)
            table = {d: str(name) for d, name in official.items() if d.year == year}
            table.update({d: name for d, name in self._extra.items() if d.year == year})
            self._by_year[year] = table
            return table

    # -- holidays ----------------------------------------------------------

    def holiday_name(self, d: date) -> str | None:
        """Return the name of the bank holiday on ``d``, or None if it is not one."""
        return self._year(d.year).get(d)

    def is_bank_holiday(self, d: date) -> bool:
        """True if ``d`` is a bank holiday in England and Wales (or an extra holiday)."""
        return d in self._year(d.year)

    def bank_holidays(self, year: int) -> list[date]:
        """Return the bank holidays of ``year`` that fall on weekdays, in order.

        This matches the published list: when Boxing Day is a Saturday the
        list has the Monday substitute day, not the Saturday itself.
        """
        return sorted(d for d in self._year(year) if d.weekday() < _SATURDAY)

    # -- working days ------------------------------------------------------

    def is_working_day(self, d: date) -> bool:
        """True if ``d`` is Monday to Friday and not a bank holiday."""
        return d.weekday() < _SATURDAY and not self.is_bank_holiday(d)

    def working_day_on_or_after(self, d: date) -> date:
        """Return ``d`` if it is a working day, else the first working day after it."""
        while not self.is_working_day(d):
            d += _ONE_DAY
        return d

    def working_day_on_or_before(self, d: date) -> date:
        """Return ``d`` if it is a working day, else the last working day before it."""
        while not self.is_working_day(d):
            d -= _ONE_DAY
        return d

    def next_working_day(self, d: date) -> date:
        """Return the first working day strictly after ``d``."""
        return self.working_day_on_or_after(d + _ONE_DAY)

    def previous_working_day(self, d: date) -> date:
        """Return the last working day strictly before ``d``."""
        return self.working_day_on_or_before(d - _ONE_DAY)

    def last_working_day_of_month(self, year: int, month: int) -> date:
        """Return the last working day of the month (a common payday)."""
        last_day = _stdlib_calendar.monthrange(year, month)[1]
        return self.working_day_on_or_before(date(year, month, last_day))

    def first_working_day_of_month(self, year: int, month: int) -> date:
        """Return the first working day of the month."""
        return self.working_day_on_or_after(date(year, month, 1))

    def add_working_days(self, d: date, n: int) -> date:
        """Step ``n`` working days from ``d`` (backwards when ``n`` is negative).

        ``d`` itself is never counted: from Friday, one working day on is
        the next Monday (if that is not a bank holiday). ``n == 0``
        returns ``d`` unchanged, even if it is not a working day.
        """
        step = self.next_working_day if n > 0 else self.previous_working_day
        for _ in range(abs(n)):
            d = step(d)
        return d

    def working_days_between(self, start: date, end: date) -> int:
        """Count the working days in ``(start, end]``; negative when ``end < start``.

        The count of working days you have to wait from ``start`` to reach
        ``end``: Friday to the following Monday is 1 (on a normal week).
        """
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        d = start + _ONE_DAY
        while d <= end:
            if self.is_working_day(d):
                count += 1
            d += _ONE_DAY
        return count

    # -- paydays -----------------------------------------------------------

    def payday_on_or_before(self, d: date) -> date:
        """Move a nominal payday that is not a working day to the working day before.

        The common UK rule: pay due on a Saturday, Sunday or bank holiday
        arrives on the previous working day.
        """
        return self.working_day_on_or_before(d)

    def payday_in_month(self, year: int, month: int, day_of_month: int) -> date:
        """Return the actual payday for pay nominally due on ``day_of_month``.

        A day beyond the month's end means its last day (paid on the 31st
        is paid on 28 or 29 February), then :meth:`payday_on_or_before`
        applies.
        """
        if not 1 <= day_of_month <= 31:
            raise ValueError(f"day of month must be 1-31, got {day_of_month}")
        last_day = _stdlib_calendar.monthrange(year, month)[1]
        return self.payday_on_or_before(date(year, month, min(day_of_month, last_day)))


#: The calendar behind the module-level functions.
DEFAULT_CALENDAR = UKCalendar()


def is_bank_holiday(d: date) -> bool:
    """True if ``d`` is a bank holiday in England and Wales."""
    return DEFAULT_CALENDAR.is_bank_holiday(d)


def bank_holidays(year: int) -> list[date]:
    """Return the weekday bank holidays of ``year`` in England and Wales, in order."""
    return DEFAULT_CALENDAR.bank_holidays(year)


def is_working_day(d: date) -> bool:
    """True if ``d`` is Monday to Friday and not a bank holiday in England and Wales."""
    return DEFAULT_CALENDAR.is_working_day(d)


def working_day_on_or_after(d: date) -> date:
    """Return ``d`` if it is a working day, else the first working day after it."""
    return DEFAULT_CALENDAR.working_day_on_or_after(d)


def working_day_on_or_before(d: date) -> date:
    """Return ``d`` if it is a working day, else the last working day before it."""
    return DEFAULT_CALENDAR.working_day_on_or_before(d)


def next_working_day(d: date) -> date:
    """Return the first working day strictly after ``d``."""
    return DEFAULT_CALENDAR.next_working_day(d)


def previous_working_day(d: date) -> date:
    """Return the last working day strictly before ``d``."""
    return DEFAULT_CALENDAR.previous_working_day(d)


def last_working_day_of_month(year: int, month: int) -> date:
    """Return the last working day of the month."""
    return DEFAULT_CALENDAR.last_working_day_of_month(year, month)


def add_working_days(d: date, n: int) -> date:
    """Step ``n`` working days from ``d``, not counting ``d``; see :class:`UKCalendar`."""
    return DEFAULT_CALENDAR.add_working_days(d, n)


def working_days_between(start: date, end: date) -> int:
    """Count the working days in ``(start, end]``; negative when ``end < start``."""
    return DEFAULT_CALENDAR.working_days_between(start, end)


def payday_on_or_before(d: date) -> date:
    """Move a payday that is not a working day to the previous working day."""
    return DEFAULT_CALENDAR.payday_on_or_before(d)


def payday_in_month(year: int, month: int, day_of_month: int) -> date:
    """Return the actual payday in a month for pay nominally due on ``day_of_month``."""
    return DEFAULT_CALENDAR.payday_in_month(year, month, day_of_month)


def local_date(instant: datetime, tz: str = DEFAULT_TIMEZONE) -> date:
    """Return the calendar date of an aware ``instant`` in time zone ``tz``.

    23:30 UTC on 30 June is already 1 July in London (BST). Naive
    datetimes are refused with ``ValueError``: their meaning is a guess.
    """
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("local_date needs a timezone-aware datetime")
    return instant.astimezone(ZoneInfo(tz)).date()
