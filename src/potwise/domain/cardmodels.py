"""Credit-card repayment models: when and how much each card will take from the bank.

Per card the user picks a :class:`RepaymentMode`:

* ``pay_in_full`` (e.g. American Express by direct debit): on the next due
  date, the last statement balance when the provider reports one and it is
  still due (before the provider's due date; without one, as for American
  Express, when the card was not repaid since the statement and the next due
  date is within :data:`STATEMENT_TO_DUE_DAYS` of it), else everything owed
  now; whatever is owed beyond that statement is paid on the following due
  date.
* ``fixed``: a fixed amount each due date (never more than is owed).
* ``minimum``: the minimum payment rule ``max(floor, percent of the
  balance + that month's interest)``, never more than is owed (default:
  £25, 1 % + interest). The provider's own minimum due, when reported, is
  used for the first payment.

Pay-down models carry interest: each month after the first payment, the
balance left grows by ``annual_rate / 1200`` (nominal annual percent),
rounded half to even to the penny.

Only what is **owed now** is modelled: future card spending is part of the
everyday spending estimate (counted as if paid the day it is spent), so
nothing is counted twice.

Due dates: the user's ``due_day`` if set; else the provider's due date
(and the same day in later months); else the day of the month the card was
repaid on most often in its last six repayments. A due date on a weekend
or bank holiday is collected on the next working day. With none of these,
no repayment can be scheduled and none is returned (the caller says so).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction

from potwise.domain.calendar import DEFAULT_CALENDAR, UKCalendar
from potwise.domain.cashevents import CashEvent, EventKind
from potwise.domain.schedules import Cadence, Roll, Schedule, occurrences

__all__ = [
    "CardModel",
    "CardState",
    "MinimumRule",
    "RepaymentMode",
    "card_due_dates",
    "infer_due_day",
    "minimum_payment",
    "repayment_events",
]


class RepaymentMode(StrEnum):
    PAY_IN_FULL = "pay_in_full"
    FIXED = "fixed"
    MINIMUM = "minimum"


@dataclass(frozen=True, slots=True)
class MinimumRule:
    """``max(floor, percent % of the balance + interest)``, capped at the balance."""

    floor: int = 2500
    percent: Fraction = Fraction(1)
    plus_interest: bool = True


@dataclass(frozen=True, slots=True)
class CardModel:
    """How the user repays one card, and from which current account."""

    card_id: str
    label: str
    mode: RepaymentMode = RepaymentMode.PAY_IN_FULL
    pay_from_account_id: str = ""
    fixed_amount: int | None = None
    minimum: MinimumRule = field(default_factory=MinimumRule)
    annual_rate: Fraction = Fraction(0)
    due_day: int | None = None


@dataclass(frozen=True, slots=True)
class CardState:
    """What we know of a card now. ``owed`` is positive pence owed (0 if in credit);
    what a card owes is read by :func:`potwise.domain.cards.owed_on_card`."""

    card_id: str
    owed: int
    statement_balance: int | None = None
    statement_date: date | None = None
    due_date: date | None = None
    minimum_due: int | None = None
    repayment_dates: tuple[date, ...] = ()


def _round_half_even(value: Fraction) -> int:
    floor = value.numerator // value.denominator
    rest = value - floor
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and floor % 2 == 1):
        return floor + 1
    return floor


def infer_due_day(repayment_dates: Sequence[date]) -> int | None:
    """The day of the month most of the last six repayments were made on (latest wins ties)."""
    recent = sorted(repayment_dates)[-6:]
    if not recent:
        return None
    counts = Counter(d.day for d in recent)
    best = max(counts.values())
    return next(d.day for d in reversed(recent) if counts[d.day] == best)


def card_due_dates(
    model: CardModel,
    state: CardState,
    today: date,
    until: date,
    calendar: UKCalendar = DEFAULT_CALENDAR,
) -> list[date]:
    """The card's payment dates in ``[today, until]`` (see the module docstring)."""
    if model.due_day is not None:
        day = model.due_day
        provider_first: date | None = None
    elif state.due_date is not None:
        day = state.due_date.day
        provider_first = state.due_date if state.due_date >= today else None
    else:
        inferred = infer_due_day(state.repayment_dates)
        if inferred is None:
            return []
        day, provider_first = inferred, None
    schedule = Schedule(Cadence.MONTHLY, today, Roll.NEXT, day_of_month=day)
    dates = occurrences(schedule, today, until, calendar)
    if provider_first is not None and provider_first <= until:
        dates = [provider_first, *(d for d in dates if d > provider_first + timedelta(days=7))]
    return dates


def minimum_payment(balance: int, interest: int, rule: MinimumRule) -> int:
    """The minimum payment on ``balance`` pence owed, with ``interest`` charged this month."""
    if balance <= 0:
        return 0
    share = _round_half_even(balance * rule.percent / 100)
    return min(balance, max(rule.floor, share + (interest if rule.plus_interest else 0)))


#: A statement is paid by the first due date this soon after it (issuers allow 3-4 weeks).
STATEMENT_TO_DUE_DAYS = 45


def _statement_due(state: CardState, today: date, dates: Sequence[date]) -> bool:
    """Whether the last statement is still to be paid on the next due date: before the
    provider's due date; without one (American Express), when the card was not repaid
    since the statement and the next due date follows it closely."""
    if state.due_date is not None:
        return state.due_date >= today
    if state.statement_date is None or not dates:
        return False
    if any(d > state.statement_date for d in state.repayment_dates):
        return False
    return 0 <= (dates[0] - state.statement_date).days <= STATEMENT_TO_DUE_DAYS


def repayment_events(
    model: CardModel,
    state: CardState,
    today: date,
    until: date,
    calendar: UKCalendar = DEFAULT_CALENDAR,
) -> list[CashEvent]:
    """The repayments of what the card owes now, as cash events (money leaving), in order."""
    if state.owed <= 0:
        return []
    dates = card_due_dates(model, state, today, until, calendar)
    amounts: list[int] = []
    if model.mode is RepaymentMode.PAY_IN_FULL:
        first = state.owed
        if state.statement_balance is not None and _statement_due(state, today, dates):
            first = min(max(state.statement_balance, 0), state.owed)
        amounts = [first, state.owed - first][: len(dates)]
    else:
        monthly = model.annual_rate / 1200
        balance = state.owed
        for index in range(len(dates)):
            interest = _round_half_even(balance * monthly) if index > 0 else 0
            balance += interest
            if model.mode is RepaymentMode.FIXED:
                pay = min(balance, max(model.fixed_amount or 0, 0))
            elif index == 0 and state.minimum_due is not None:
                pay = min(balance, state.minimum_due)
            else:
                pay = minimum_payment(balance, interest, model.minimum)
            if pay <= 0:
                break
            amounts.append(pay)
            balance -= pay
            if balance <= 0:
                break
    return [
        CashEvent(
            on,
            -amount,
            f"{model.label} repayment",
            EventKind.CARD_REPAYMENT,
            model.pay_from_account_id,
            model.card_id,
        )
        for on, amount in zip(dates, amounts, strict=False)
        if amount > 0
    ]
