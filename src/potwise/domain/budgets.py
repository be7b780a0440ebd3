"""Budgets: a cap on one category's spending per period, with progress, a projection,
rollover of unspent amounts and the alerts due.

Periods
    A budget runs per calendar month or per **pay period**, payday to payday,
    because people are paid on the 25th or the last working day, not the 1st.
    The payday is the anchor day of each month (the month's last day when the
    month is shorter), moved to the working day before when it falls on a
    weekend or an England and Wales bank holiday; or the last working day of
    the month. A period is ``[start, end)`` in local dates: a pay period starts
    on a payday and ends the day before the next one.

Spent
    Net spending in the budget's category in the period (purchases minus
    refunds, pending included; see :mod:`potwise.domain.spending` for what
    counts as spending), as a positive number of minor units.

Rollover
    With rollover on, what was left unspent in a period is added to the next
    one, period after period; an overspent period carries nothing (it never
    eats into the next cap). The chain starts at the period the budget was
    created in and looks back at most :data:`ROLLOVER_PERIODS` periods, so old
    history cannot grow a cap without bound. The current cap applies to past
    periods too (the table keeps no history of caps).

Projection
    Period-end spend at the current pace: what was spent so far, scaled from
    the days elapsed (today counted as a whole day) to the days in the period.
    A pace means something only once there is enough of it: nothing is
    projected until a quarter of the period has gone by (today counted) and
    the period holds at least three payments in the category
    (:func:`projection`); one purchase on the first day says nothing of the
    month. Once the period is over, the projection is what was spent.

Alerts
    At 80 % and 100 % of what is available, once per budget per period: the
    caller remembers which thresholds were sent; when one jump crosses both,
    one alert (the higher) is sent and both are remembered.

Nothing here reads the clock: "today" is an argument, a local date.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction
from itertools import pairwise
from typing import Final, Literal

from potwise.domain.calendar import DEFAULT_CALENDAR, UKCalendar
from potwise.domain.errors import DomainError
from potwise.domain.money import Money

__all__ = [
    "LAST_WORKING_DAY",
    "PROJECT_AFTER_PAYMENTS",
    "PROJECT_AFTER_SHARE",
    "ROLLOVER_PERIODS",
    "THRESHOLDS",
    "AlertDue",
    "InvalidBudget",
    "Period",
    "PeriodKind",
    "Progress",
    "alert_due",
    "alert_message",
    "carried_over",
    "parse_pay_day",
    "pay_day_label",
    "payday",
    "period_containing",
    "periods_ending",
    "progress",
    "projected_spend",
    "projection",
]

LAST_WORKING_DAY: Final = "last_working_day"
#: Alert thresholds, in percent of what is available in the period.
THRESHOLDS: Final = (80, 100)
#: How many past periods rollover looks back at, at most.
ROLLOVER_PERIODS: Final = 12

PayDay = int | Literal["last_working_day"]


class InvalidBudget(DomainError):
    code = "invalid_budget"


class PeriodKind(StrEnum):
    MONTH = "month"
    PAY_PERIOD = "pay_period"


def parse_pay_day(value: str | None) -> PayDay:
    """``"25"`` → 25, ``"last_working_day"`` → itself; anything else is refused."""
    if value == LAST_WORKING_DAY:
        return LAST_WORKING_DAY
    if value is not None and value.isdigit() and len(value) <= 2 and 1 <= int(value) <= 31:
        return int(value)
    raise InvalidBudget('The payday is a day of the month from 1 to 31, or "last_working_day".')


def pay_day_label(value: PayDay) -> str:
    """How a payday is written for people: "the 25th", "the last working day"."""
    if value == LAST_WORKING_DAY:
        return "the last working day"
    day = int(value)
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"the {day}{suffix}"


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """Local dates ``[start, end)``: ``end`` is the first day of the next period."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def payday(year: int, month: int, pay_day: PayDay, cal: UKCalendar = DEFAULT_CALENDAR) -> date:
    """The actual payday of a month: the anchor day (or the month's last day when it
    is shorter) moved to the working day before it, or the last working day."""
    if pay_day == LAST_WORKING_DAY:
        return cal.last_working_day_of_month(year, month)
    last = _stdlib_calendar.monthrange(year, month)[1]
    return cal.payday_on_or_before(date(year, month, min(int(pay_day), last)))


def period_containing(
    day: date,
    kind: PeriodKind,
    pay_day: PayDay | None = None,
    cal: UKCalendar = DEFAULT_CALENDAR,
) -> Period:
    """The period ``day`` falls in: its calendar month, or the pay period that began on
    the last payday on or before it."""
    if kind is PeriodKind.MONTH:
        first = day.replace(day=1)
        year, month = _add_months(first.year, first.month, 1)
        return Period(first, date(year, month, 1))
    if pay_day is None:
        raise InvalidBudget("A pay-period budget needs a payday.")
    # A payday moved back can fall in the month before its own, so look at the
    # paydays around `day` and take the pair that brackets it.
    paydays = [payday(*_add_months(day.year, day.month, k), pay_day, cal) for k in range(-2, 3)]
    for start, end in pairwise(paydays):
        if start <= day < end:
            return Period(start, end)
    raise AssertionError(f"no pay period contains {day}")  # pragma: no cover - paydays are monthly


def periods_ending(
    current: Period,
    count: int,
    kind: PeriodKind,
    pay_day: PayDay | None = None,
    cal: UKCalendar = DEFAULT_CALENDAR,
) -> list[Period]:
    """``count`` consecutive periods, oldest first, the last being ``current``."""
    periods = [current]
    while len(periods) < count:
        periods.append(period_containing(periods[-1].start - timedelta(days=1), kind, pay_day, cal))
    return periods[::-1]


def carried_over(cap: int, spent_before: Sequence[int]) -> int:
    """What rolls into the next period after the periods whose spending is given,
    oldest first: each period's unspent amount (cap plus what it received) carries
    on, an overspent one carries nothing."""
    carry = 0
    for spent in spent_before:
        carry = max(0, cap + carry - spent)
    return carry


def projected_spend(spent: int, period: Period, today: date) -> int:
    """Period-end spend at the pace so far (half-even rounding to the minor unit).

    Before the period, nothing is projected beyond what is spent; after it, the
    projection is what was spent.
    """
    if spent <= 0 or today >= period.last_day:
        return spent
    elapsed = max(1, (today - period.start).days + 1)
    numerator, denominator = spent * period.days, elapsed
    quotient, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient % 2 == 1):
        quotient += 1
    return quotient


#: A pace is projected once this share of the period has gone by (today counted)...
PROJECT_AFTER_SHARE: Final = Fraction(1, 4)
#: ...and the period holds at least this many payments in the category.
PROJECT_AFTER_PAYMENTS: Final = 3


def projection(spent: int, payments: int, period: Period, today: date) -> int | None:
    """Period-end spend at the pace so far, or None while it is too early to say: less
    than :data:`PROJECT_AFTER_SHARE` of the period gone by, or fewer than
    :data:`PROJECT_AFTER_PAYMENTS` payments (purchases and refunds) in it. From the
    period's last day on, what was spent."""
    if today >= period.last_day:
        return spent
    elapsed = (today - period.start).days + 1
    if elapsed <= 0 or Fraction(elapsed, period.days) < PROJECT_AFTER_SHARE:
        return None
    if payments < PROJECT_AFTER_PAYMENTS:
        return None
    return projected_spend(spent, period, today)


def _percent(spent: int, available: int) -> int:
    """Whole percent of ``available`` spent, rounded down (a bar shows 79 % until 80 %)."""
    return max(0, spent) * 100 // available


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a budget stands in one period."""

    period: Period
    cap: int
    rolled_over: int
    available: int
    spent: int
    remaining: int
    percent: int
    #: Period-end spend at the pace so far; None while too early to say (:func:`projection`).
    projected: int | None
    days_left: int

    @property
    def status(self) -> str:
        """``ok``, ``warning`` (80 % or projected over) or ``over`` (100 % or more)."""
        if self.percent >= THRESHOLDS[-1]:
            return "over"
        if self.percent >= THRESHOLDS[0]:
            return "warning"
        if self.projected is not None and self.projected > self.available:
            return "warning"
        return "ok"


def progress(
    cap: int, rolled_over: int, spent: int, period: Period, today: date, *, payments: int
) -> Progress:
    """Progress of a budget of ``cap`` (plus ``rolled_over``) with ``spent`` so far, in
    ``payments`` payments in the period."""
    if cap <= 0:
        raise InvalidBudget("A budget's amount must be more than zero.")
    if rolled_over < 0:
        raise ValueError("rolled_over is never negative")
    available = cap + rolled_over
    return Progress(
        period=period,
        cap=cap,
        rolled_over=rolled_over,
        available=available,
        spent=spent,
        remaining=available - spent,
        percent=_percent(spent, available),
        projected=projection(spent, payments, period, today),
        days_left=max(0, (period.end - max(today, period.start)).days),
    )


@dataclass(frozen=True, slots=True)
class AlertDue:
    """Thresholds to remember as sent, and the one to tell the user about."""

    record: tuple[int, ...]
    announce: int


def alert_due(state: Progress, already_sent: Collection[int]) -> AlertDue | None:
    """The alert to send now, or None: every threshold reached and not yet sent this
    period is recorded; the highest of them is announced."""
    reached = tuple(t for t in THRESHOLDS if state.percent >= t and t not in already_sent)
    if not reached:
        return None
    return AlertDue(record=reached, announce=max(reached))


def alert_message(category: str, currency: str, threshold: int, state: Progress) -> str:
    """The plain-English alert: what was spent of what, and what is left."""
    name = category.replace("_", " ")
    spent = Money(state.spent, currency).format()
    available = Money(state.available, currency).format()
    until = f"{state.period.last_day.day} {state.period.last_day:%b}"
    if threshold >= 100:
        over = Money(state.spent - state.available, currency).format()
        return (
            f"Your {name} budget is used up: {spent} spent of {available} "
            f"({over} over) in the period to {until}."
        )
    left = Money(state.remaining, currency).format()
    return (
        f"You have used {state.percent}% of your {name} budget: {spent} of {available}, "
        f"{left} left until {until}."
    )
