"""Payday: the user's main income, and the next day it lands.

The payday is the schedule of the largest recurring income (compared per
year, so weekly and monthly pay compare fairly), unless the user set one
(:class:`PaydayOverride`: a day of the month, or the last working day).
Pay due on a weekend or an England and Wales bank holiday is paid on the
previous working day: an override always uses that rule, and so does a
detected income whose data could not tell (roll ``none``); a detected
income that the data shows arriving on the next working day keeps that.

"Next payday" is the first payday strictly after ``today``: on payday
itself, today's pay has landed and the period runs to the next one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from potwise.domain.calendar import DEFAULT_CALENDAR, UKCalendar
from potwise.domain.errors import DomainError
from potwise.domain.recurring import DetectedCommitment
from potwise.domain.schedules import PER_YEAR, Cadence, Roll, Schedule, occurrences

__all__ = [
    "InvalidPayday",
    "PaydayOverride",
    "PaydayRule",
    "next_payday",
    "payday_rule",
    "paydays_between",
]


class InvalidPayday(DomainError):
    """A payday override that names no day."""

    code = "invalid_payday"


@dataclass(frozen=True, slots=True)
class PaydayOverride:
    """The user's own payday: ``day_of_month`` (1-31) or ``last_working_day``."""

    day_of_month: int | None = None
    last_working_day: bool = False

    def schedule(self, anchor: date) -> Schedule:
        """The override as a schedule (previous-working-day rule)."""
        if self.last_working_day:
            return Schedule(Cadence.MONTHLY_LAST_WORKING_DAY, anchor, Roll.PREVIOUS)
        if self.day_of_month is None or not 1 <= self.day_of_month <= 31:
            raise InvalidPayday("a payday needs a day of the month (1-31) or the last working day")
        return Schedule(Cadence.MONTHLY, anchor, Roll.PREVIOUS, day_of_month=self.day_of_month)


@dataclass(frozen=True, slots=True)
class PaydayRule:
    """Where paydays come from: ``source`` is ``override`` or ``detected``."""

    schedule: Schedule
    source: str
    payee: str | None = None
    amount: int | None = None
    commitment_key: str | None = None


def _yearly(c: DetectedCommitment) -> int:
    num, den = PER_YEAR[c.cadence]
    return c.amount * num // den


def payday_rule(
    commitments: Iterable[DetectedCommitment],
    *,
    today: date,
    override: PaydayOverride | None = None,
) -> PaydayRule | None:
    """The payday rule: the override if given, else the largest active recurring income.

    Returns None when there is neither (no regular income found).
    """
    if override is not None:
        return PaydayRule(override.schedule(today), "override")
    incomes = [c for c in commitments if c.direction == "in" and c.active and c.amount > 0]
    if not incomes:
        return None
    best = max(incomes, key=lambda c: (_yearly(c), c.confidence, c.key))
    schedule = best.schedule
    if schedule.roll is Roll.NONE:
        schedule = replace(schedule, roll=Roll.PREVIOUS)
    return PaydayRule(schedule, "detected", best.payee, best.amount, best.key)


def next_payday(rule: PaydayRule, today: date, calendar: UKCalendar = DEFAULT_CALENDAR) -> date:
    """The first payday strictly after ``today`` (working-day rule applied)."""
    end = today + timedelta(days=400)
    return occurrences(rule.schedule, today + timedelta(days=1), end, calendar)[0]


def paydays_between(
    rule: PaydayRule, start: date, end: date, calendar: UKCalendar = DEFAULT_CALENDAR
) -> list[date]:
    """Every payday in ``[start, end]``."""
    return occurrences(rule.schedule, start, end, calendar)
