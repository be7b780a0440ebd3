"""Results: a fitted series as a commitment, with its mandate, status and confidence.

A series is stopped when expected dates after its last payment were missed
(one for monthly and longer cadences, two for weekly, fortnightly and
four-weekly). Confidence = fit x occurrences x amount stability; a matching
direct debit or standing order halves the remaining doubt and supplies the
next date.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta
from fractions import Fraction

from potwise.domain.calendar import UKCalendar
from potwise.domain.recurring.amounts import TWO_PERCENT, amount_changes, close, close_steps
from potwise.domain.recurring.cadences import PERIODIC, tolerance_days
from potwise.domain.recurring.model import AMOUNT_OF, DetectedCommitment, Mandate
from potwise.domain.recurring.series import Series
from potwise.domain.schedules import PERIOD_DAYS_APPROX, Cadence, Schedule, occurrences


def mandate_for(series: Series, payee: str, mandates: Sequence[Mandate]) -> Mandate | None:
    latest = series.matched[-1]
    best: tuple[int, str, Mandate] | None = None
    for mandate in mandates:
        if mandate.payee != payee:
            continue
        if mandate.account_id and latest.account_id and mandate.account_id != latest.account_id:
            continue
        distance = 0
        if mandate.amount is not None:
            if not close(latest.amount, mandate.amount, Fraction(1, 10)):
                continue
            distance = abs(latest.amount - mandate.amount)
        candidate = (distance, mandate.id, mandate)
        if best is None or candidate[:2] < best[:2]:
            best = candidate
    return None if best is None else best[2]


def _confidence(series: Series, with_mandate: bool) -> float:
    matched = series.matched
    m = len(matched)
    fit = series.fit.score(m + series.extra)
    count = Fraction(m, m + 1)
    pairs = max(m - 1, 1)
    steady = sum(close_steps(list(map(AMOUNT_OF, matched)), TWO_PERCENT))
    stability = Fraction(85, 100) + Fraction(15, 100) * Fraction(steady, pairs)
    value = fit * count * stability
    if with_mandate:
        value += (1 - value) / 2
    return round(float(min(value, Fraction(1))), 3)


def _key(payee: str, direction: str, schedule: Schedule) -> str:
    if schedule.cadence in PERIODIC:
        period = PERIOD_DAYS_APPROX[schedule.cadence]
        day = f"d{schedule.anchor.toordinal() % period}"
    elif schedule.cadence is Cadence.MONTHLY_LAST_WORKING_DAY:
        day = "last"
    else:
        day = str(schedule.day_of_month)
        if schedule.cadence in (Cadence.QUARTERLY, Cadence.YEARLY):
            months = 3 if schedule.cadence is Cadence.QUARTERLY else 12
            day = f"{schedule.anchor.month % months}-{day}"
    return f"{direction}:{payee}:{schedule.cadence.value}:{day}"


def _status(
    schedule: Schedule, last: date, today: date, mandate: Mandate | None, calendar: UKCalendar
) -> tuple[bool, date | None, tuple[date, ...]]:
    """(still running, next date, missed dates) of a series last paid on ``last``."""
    tol = tolerance_days(schedule.cadence)
    after = occurrences(
        schedule, last + timedelta(days=tol + 1), today + timedelta(days=400), calendar
    )
    missed = tuple(d for d in after if d + timedelta(days=tol) < today)
    allowed = 2 if schedule.cadence in PERIODIC else 1
    active = len(missed) < allowed
    if mandate is not None and not mandate.active:
        active = False
    next_date: date | None = None
    if active:
        upcoming = [d for d in after if d + timedelta(days=tol) >= today]
        next_date = upcoming[0] if upcoming else None
        if mandate is not None and mandate.next_date is not None and mandate.next_date >= today:
            next_date = mandate.next_date
    return active, next_date, missed


def commitment_from(
    series: Series,
    payee: str,
    direction: str,
    today: date,
    mandate: Mandate | None,
    calendar: UKCalendar,
) -> DetectedCommitment:
    """The commitment a fitted series of ``payee``'s makes, as of ``today``."""
    matched = series.matched
    schedule = series.fit.schedule
    last = matched[-1].on
    active, next_date, missed = _status(schedule, last, today, mandate, calendar)
    accounts = Counter(f.account_id for f in matched[-3:])
    account = max(accounts, key=lambda a: (accounts[a], a == matched[-1].account_id, a))
    return DetectedCommitment(
        key=_key(payee, direction, schedule),
        payee=payee,
        direction=direction,
        account_id=account,
        amount=matched[-1].amount,
        currency=matched[-1].currency,
        schedule=schedule,
        first_date=matched[0].on,
        last_date=last,
        next_date=next_date,
        active=active,
        confidence=_confidence(series, mandate is not None),
        evidence=tuple(f.id for f in matched),
        changes=amount_changes(matched),
        missed=missed if not active else (),
        mandate_id=None if mandate is None else mandate.id,
        description=matched[-1].description,
    )
