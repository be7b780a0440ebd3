"""A detected commitment's expected dates, and the commitment a new payment pays."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from fractions import Fraction

from potwise.domain.calendar import DEFAULT_CALENDAR, UKCalendar
from potwise.domain.recurring.amounts import close
from potwise.domain.recurring.cadences import tolerance_days
from potwise.domain.recurring.model import DetectedCommitment, PaymentMatch, TxnFact
from potwise.domain.schedules import occurrences


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
        if not close(commitment.amount, fact.amount, amount_tolerance):
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
