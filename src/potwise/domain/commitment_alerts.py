"""When to tell the user about a commitment: a payment that did not arrive, a bill that rose.

Pure decisions: the service hands over one commitment at a time (its schedule,
expected amount, when it was first known, and the payee's payments in its
direction) and gets back the alerts due as of ``today``, each with a stable
``occurrence`` so the caller can send it once and never again.

**Missed.** An expected date whose matching window (``working_days`` working
days after it, 2 by default) has passed with no payment from the payee within
``working_days`` working days of it. Only the first miss after a payment is
news: when the occurrence before it was missed too, the series has stopped (a
cancelled subscription, a job left) and stays quiet.

**Rise** (bills only). The latest payment matched to an expected date is
larger than the one before it, by more than the amount tolerance (7.5 % by
default) or as a clear step (the two payments before it were the same amount).

Both look only at occurrences whose window closed once the commitment was
known (``known_on``) and within ``recent_days``: a new user's first sync brings
years of history, none of it news.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from potwise.domain.calendar import DEFAULT_CALENDAR, UKCalendar
from potwise.domain.money import Money
from potwise.domain.schedules import Schedule, occurrences

__all__ = [
    "MISSED",
    "RISE",
    "Alert",
    "AlertSettings",
    "Payment",
    "Watched",
    "alerts_due",
    "missed_occurrence",
    "price_rise",
]

MISSED = "missed"
RISE = "rise"


@dataclass(frozen=True, slots=True)
class Payment:
    """One settled payment from or to the commitment's payee (signed pence, local date)."""

    id: str
    on: date
    amount: int


@dataclass(frozen=True, slots=True)
class Watched:
    """A commitment as the alerts need it.

    ``amount`` is the expected amount, signed (negative: a bill); ``known_on``
    the local date the commitment was first known (detected or added);
    ``payments`` the payee's payments in the commitment's direction, any order.
    """

    id: str
    label: str
    direction: str  # "in" or "out"
    amount: int
    currency: str
    schedule: Schedule
    known_on: date
    payments: tuple[Payment, ...] = ()


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """How close a payment must land, and how far back an alert is still news."""

    working_days: int = 2
    amount_tolerance: Fraction = Fraction(3, 40)
    recent_days: int = 14


@dataclass(frozen=True, slots=True)
class Alert:
    """An alert to send once: ``occurrence`` is the expected date (missed) or the
    payment's id (rise)."""

    commitment_id: str
    kind: str
    occurrence: str
    message: str
    level: str


def _day(d: date) -> str:
    return f"{d.day} {d.strftime('%b')}"


def _margin(tol: int) -> timedelta:
    # Calendar days that surely hold ``tol`` working days (weekends, Christmas).
    return timedelta(days=tol * 3 + 5)


def _close(a: date, b: date, tol: int, cal: UKCalendar) -> bool:
    return abs(a - b) <= _margin(tol) and abs(cal.working_days_between(a, b)) <= tol


def _paid(expected: date, payments: Sequence[Payment], tol: int, cal: UKCalendar) -> bool:
    return any(_close(expected, p.on, tol, cal) for p in payments)


def _expected(w: Watched, start: date, end: date, cal: UKCalendar) -> list[date]:
    return occurrences(w.schedule, start, end, cal)


def missed_occurrence(
    w: Watched,
    today: date,
    settings: AlertSettings | None = None,
    calendar: UKCalendar = DEFAULT_CALENDAR,
) -> date | None:
    """The expected date that passed unpaid and is news as of ``today``, if any."""
    settings = settings or AlertSettings()
    tol = settings.working_days
    window_start = today - timedelta(days=settings.recent_days)
    # The series starts with its first payment (or, for one added by hand with none
    # yet, its first due date): an occurrence before that was never owed.
    starts = min((p.on for p in w.payments), default=w.schedule.anchor)
    series_start = calendar.add_working_days(starts, -tol)
    found: date | None = None
    for expected in _expected(w, window_start, today, calendar):
        deadline = calendar.add_working_days(expected, tol)
        if deadline >= today or deadline < w.known_on or expected < series_start:
            continue
        if _paid(expected, w.payments, tol, calendar):
            continue
        before = _expected(
            w, expected - timedelta(days=400), expected - timedelta(days=1), calendar
        )
        previous = before[-1] if before else None
        stopped = (
            previous is not None
            and previous >= series_start
            and not _paid(previous, w.payments, tol, calendar)
        )
        if not stopped:
            found = expected
    return found


def _matched(w: Watched, today: date, tol: int, cal: UKCalendar, wanted: int) -> list[Payment]:
    """The latest ``wanted`` payments that landed within ``tol`` working days of an
    expected date, oldest first."""
    out: list[Payment] = []
    for p in sorted(w.payments, key=lambda p: (p.on, p.id), reverse=True):
        if p.on > today:
            continue
        near = _expected(w, p.on - _margin(tol), p.on + _margin(tol), cal)
        if any(_close(e, p.on, tol, cal) for e in near):
            out.append(p)
            if len(out) == wanted:
                break
    return out[::-1]


def price_rise(
    w: Watched,
    today: date,
    settings: AlertSettings | None = None,
    calendar: UKCalendar = DEFAULT_CALENDAR,
) -> tuple[int, Payment] | None:
    """``(amount before, the payment at the higher amount)`` when a bill's latest
    payment rose and that is news as of ``today``; None otherwise."""
    settings = settings or AlertSettings()
    if w.direction != "out":
        return None
    paid = _matched(w, today, settings.working_days, calendar, 3)
    if not paid:
        return None
    latest = paid[-1]
    if latest.on < w.known_on or latest.on < today - timedelta(days=settings.recent_days):
        return None
    before = abs(paid[-2].amount) if len(paid) >= 2 else abs(w.amount)
    after = abs(latest.amount)
    if before == 0 or after <= before:
        return None
    tolerance = settings.amount_tolerance
    beyond = (after - before) * tolerance.denominator > before * tolerance.numerator
    step = len(paid) >= 3 and paid[-3].amount == paid[-2].amount
    if not (beyond or step):
        return None
    return before, latest


def alerts_due(
    w: Watched,
    today: date,
    settings: AlertSettings | None = None,
    calendar: UKCalendar = DEFAULT_CALENDAR,
) -> list[Alert]:
    """The alerts for ``w`` as of ``today`` (the caller drops those already sent)."""
    settings = settings or AlertSettings()
    out: list[Alert] = []
    missed = missed_occurrence(w, today, settings, calendar)
    if missed is not None:
        if w.direction == "out":
            amount = Money(abs(w.amount), w.currency).format()
            message = f"{w.label} {amount} expected on {_day(missed)} has not been paid"
        else:
            message = f"{w.label} expected on {_day(missed)} has not arrived"
        out.append(Alert(w.id, MISSED, missed.isoformat(), message, "warning"))
    rise = price_rise(w, today, settings, calendar)
    if rise is not None:
        before, payment = rise
        old = Money(before, w.currency).format()
        new = Money(abs(payment.amount), w.currency).format()
        out.append(Alert(w.id, RISE, payment.id, f"{w.label} rose from {old} to {new}", "info"))
    return out
