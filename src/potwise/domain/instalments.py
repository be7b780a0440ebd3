"""Instalment plans (e.g. Monzo Flex): a purchase paid back in equal monthly payments.

Interest convention (amortised, equal payments, as Monzo Flex and most UK
instalment credit quote them): ``annual_rate`` is the nominal yearly rate
in percent; the monthly rate is exactly ``annual_rate / 1200``; the
payment is the annuity ``P = A * r / (1 - (1 + r) ** -n)`` computed with
exact fractions (``P = A / n`` at 0 %). The total repaid is ``n * P``
rounded half to even to the penny **once**; that total is then split in
``n`` instalments that differ by at most a penny, the larger ones first,
so the instalments always sum to the total exactly. Each instalment's
interest part follows the amortisation table (interest on the exact
outstanding balance), distributed over the instalments by largest
remainder so that the interest parts sum to the total interest exactly;
the principal part is the rest, so the principal parts sum to the amount
borrowed.

(A quoted *representative APR* is an effective annual rate; for a given
APR the equivalent nominal rate is ``12 * ((1 + APR) ** (1/12) - 1)``,
e.g. 29 % APR is about 25.8 % nominal. Callers that only know the APR
convert before calling; this module never takes floats.)

Payment dates: monthly on the first payment date's day of the month (the
month's last day when shorter), moved off weekends and bank holidays as
``roll`` says (no move by default: card-based plans collect on the date).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from potwise.domain.calendar import DEFAULT_CALENDAR, UKCalendar
from potwise.domain.cashevents import CashEvent, EventKind
from potwise.domain.errors import DomainError
from potwise.domain.money import Money
from potwise.domain.schedules import Cadence, Roll, Schedule

__all__ = ["Instalment", "InstalmentPlan", "InvalidPlan", "instalment_events", "instalment_plan"]

MAX_MONTHS = 120


class InvalidPlan(DomainError):
    """An instalment plan that cannot exist (no amount, no months, negative rate)."""

    code = "invalid_plan"


@dataclass(frozen=True, slots=True)
class Instalment:
    """One payment: ``amount`` pence due on ``on`` (positive), split in interest and principal."""

    number: int
    on: date
    amount: int
    interest: int
    principal: int


@dataclass(frozen=True, slots=True)
class InstalmentPlan:
    """The derived schedule. ``total == sum(i.amount for i in instalments)`` always."""

    principal: int
    months: int
    annual_rate: Fraction
    first_date: date
    total: int
    total_interest: int
    instalments: tuple[Instalment, ...]
    currency: str = "GBP"


def _round_half_even(value: Fraction) -> int:
    floor = value.numerator // value.denominator
    rest = value - floor
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and floor % 2 == 1):
        return floor + 1
    return floor


def instalment_plan(
    principal: int,
    months: int,
    annual_rate: Fraction | Decimal | int,
    first_date: date,
    *,
    currency: str = "GBP",
    roll: Roll = Roll.NONE,
    calendar: UKCalendar = DEFAULT_CALENDAR,
) -> InstalmentPlan:
    """Derive the exact schedule of a purchase of ``principal`` pence over ``months``.

    ``annual_rate`` is the nominal yearly interest rate in percent (``0``
    for interest-free, ``Fraction(259, 10)`` for 25.9 %). See the module
    docstring for the convention.
    """
    if isinstance(principal, bool) or not isinstance(principal, int) or principal <= 0:
        raise InvalidPlan("the amount of an instalment plan must be a positive number of pence")
    if isinstance(months, bool) or not 1 <= months <= MAX_MONTHS:
        raise InvalidPlan(f"an instalment plan runs 1 to {MAX_MONTHS} months")
    if isinstance(annual_rate, float | bool):
        raise TypeError("annual_rate must be a Fraction, Decimal or int")
    rate = Fraction(annual_rate)
    if rate < 0 or rate > 1000:
        raise InvalidPlan("the interest rate must be between 0 % and 1000 %")
    monthly = rate / 1200
    if monthly == 0:
        payment = Fraction(principal, months)
    else:
        payment = principal * monthly / (1 - (1 + monthly) ** -months)
    total = _round_half_even(payment * months)
    total_interest = total - principal
    # The amortisation table on exact values: interest on what is still owed.
    exact_interest: list[Fraction] = []
    balance = Fraction(principal)
    for _ in range(months):
        interest = balance * monthly
        exact_interest.append(interest)
        balance -= payment - interest
    amounts = [m.minor for m in Money(total, currency).split(months)]
    if total_interest > 0 and any(exact_interest):
        interests = [m.minor for m in Money(total_interest, currency).allocate(exact_interest)]
    else:
        interests = [0] * months
    schedule = Schedule(Cadence.MONTHLY, first_date, roll, day_of_month=first_date.day)
    nominal = schedule.nominal_dates(first_date, date(first_date.year + months // 12 + 1, 12, 31))
    instalments = tuple(
        Instalment(
            k + 1,
            schedule.actual(nominal[k], calendar),
            amounts[k],
            interests[k],
            amounts[k] - interests[k],
        )
        for k in range(months)
    )
    return InstalmentPlan(
        principal, months, rate, first_date, total, total_interest, instalments, currency
    )


def instalment_events(
    plan: InstalmentPlan, *, label: str, plan_id: str, account_id: str = ""
) -> list[CashEvent]:
    """The plan's payments as cash events (money leaving), in date order."""
    return [
        CashEvent(
            i.on,
            -i.amount,
            f"{label} ({i.number}/{plan.months})",
            EventKind.INSTALMENT,
            account_id,
            plan_id,
            plan.currency,
        )
        for i in plan.instalments
    ]
