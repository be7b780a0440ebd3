"""Working days in England and Wales: salaries move to the previous working
day, direct debits to the next one, pendings settle after working days."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=256)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def previous_working_day(day: date) -> date:
    """The day itself if it is a working day, else the closest earlier one."""
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def next_working_day(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_days(day: date, count: int) -> date:
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def bank_holidays_between(first: date, last: date) -> list[date]:
    found: list[date] = []
    for year in range(first.year, last.year + 1):
        found.extend(d for d in _bank_holidays(year) if first <= d <= last)
    return sorted(found)
