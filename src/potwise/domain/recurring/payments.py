"""A detected commitment's expected dates, the commitment a new payment pays, and the
occurrences payments already paid (:func:`settle_paid`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
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


#: How far ahead :func:`settle_paid` looks for the occurrence no payment paid yet.
_SETTLE_HORIZON = timedelta(days=800)


def settle_paid(
    commitment: DetectedCommitment,
    payments: Iterable[TxnFact],
    *,
    working_days: int = 2,
    amount_tolerance: Fraction = Fraction(3, 40),
    calendar: UKCalendar = DEFAULT_CALENDAR,
) -> DetectedCommitment:
    """``commitment`` with the occurrences ``payments`` already paid settled: its next
    date moves on to the first occurrence no payment pays.

    ``payments`` are the user's recent payments, pending or settled (a pending one
    has already left the balance, so the occurrence it pays must not be counted
    again). A payment pays an occurrence as in :func:`match_payment`: the same payee
    and direction, an amount within ``amount_tolerance`` and a date within
    ``working_days`` working days; each pays one occurrence, and a payment that is
    already the commitment's evidence (detection has moved past it) pays none. A
    stopped commitment is left as it is.
    """
    if not commitment.active or commitment.next_date is None:
        return commitment
    direction = commitment.direction
    evidence = set(commitment.evidence)
    candidates = sorted(
        (
            p
            for p in payments
            if p.payee == commitment.payee
            and ("in" if p.amount > 0 else "out") == direction
            and p.id not in evidence
            and close(commitment.amount, p.amount, amount_tolerance)
        ),
        key=lambda p: (p.on, p.id),
    )
    if not candidates:
        return commitment
    first = commitment.next_date
    upcoming = commitment_dates(commitment, first, first + _SETTLE_HORIZON, calendar)
    for expected in upcoming:
        paid = next(
            (
                p
                for p in candidates
                if abs(calendar.working_days_between(expected, p.on)) <= working_days
            ),
            None,
        )
        if paid is None:
            return commitment if expected == first else replace(commitment, next_date=expected)
        candidates.remove(paid)
    return commitment
