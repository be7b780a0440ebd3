"""Safe to spend and the daily forecast: how much is really the user's, and what comes next.

**Safe to spend** (:func:`safe_to_spend`) is cash now minus everything
committed before the next payday:

* cash: the current accounts' balances, plus the pots the user included
  (pots are excluded unless included);
* minus every outgoing :class:`~potwise.domain.cashevents.CashEvent` dated
  before the next payday (confirmed bills, planned expenses, instalments,
  card repayments), overdue ones included. The window is ``[today,
  next_payday)``: a bill due **on** payday is paid from the new pay and is
  not subtracted. Money expected in before payday is not counted: it is
  not the user's until it arrives;
* plus, for card repayments due in the window, what pots not counted as
  cash already hold for them (``card_cover``), up to what is due - so a
  card-pot rule's money is not subtracted twice;
* minus what the user chose to set aside.

The breakdown lists each of these as a line and sums exactly to the
amount. The arranged overdraft is reported as a cushion, never added; the
cards' total owed is reported, never subtracted beyond the repayments due.

Per day until payday: ``days = (next_payday - today).days`` (today counts,
payday does not). ``per_day = max(amount, 0) // days`` and
``per_day_remainder = amount - per_day * days``, so ``per_day * days +
per_day_remainder == amount`` exactly; no penny is lost.

**Forecast** (:func:`forecast`): day 0 is today with today's balances
exactly. Each later day applies the events dated that day and the
everyday spending estimate for that weekday; events dated today or
earlier (due, not yet seen in the balance) land on day 1, keeping their
own date in the item. The low/high band is a likely (80 %) range for
everyday spending: weeks of spending are taken as independent, so the sum
of ``n`` weeks spreads by the weekly standard deviation times ``sqrt(n)``
and, being a sum of many weeks, is close to normal: the band is 1.2816
times that on each side, computed in integer pence. (Percentiles of single
weeks understate the spread of a sum when a few weeks are much dearer than
the rest: a holiday, a new sofa.) Card repayments covered by a credit-card
pot come with the money the pot gives back (:func:`card_cover_events`).

**Everyday spending** (:func:`everyday_spend`): spending (and refunds) of
the last ``lookback_days`` days before today, without commitments'
evidence, income, internal movements or what was spent on cards paid down
by fixed or minimum repayments. Card spending is counted the day it
happens, which is why card repayments only model what is owed now (see
:mod:`potwise.domain.cardmodels`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from potwise.domain.calendar import DEFAULT_CALENDAR, UKCalendar
from potwise.domain.cashevents import CashEvent, EventKind
from potwise.domain.errors import DomainError
from potwise.domain.recurring import (
    INTERNAL_CLASSIFICATIONS,
    DetectedCommitment,
    TxnFact,
    commitment_dates,
)

__all__ = [
    "MAX_FORECAST_DAYS",
    "AccountBalance",
    "BreakdownLine",
    "CardCover",
    "EverydaySpend",
    "Forecast",
    "ForecastDay",
    "InvalidHorizon",
    "PotBalance",
    "SafeToSpend",
    "SetAside",
    "card_cover_events",
    "commitment_events",
    "everyday_spend",
    "forecast",
    "safe_to_spend",
]

MAX_FORECAST_DAYS = 366


class InvalidHorizon(DomainError):
    """A forecast horizon outside 0-366 days, or a payday that is not after today."""

    code = "invalid_horizon"


@dataclass(frozen=True, slots=True)
class AccountBalance:
    """A current account's balance now (signed) and its arranged overdraft (positive)."""

    id: str
    name: str
    balance: int
    overdraft_limit: int = 0


@dataclass(frozen=True, slots=True)
class PotBalance:
    """A pot's balance; ``included`` when the user counts it as spendable cash."""

    id: str
    name: str
    balance: int
    included: bool = False


@dataclass(frozen=True, slots=True)
class SetAside:
    """Money the user chose to keep aside until payday (positive pence)."""

    label: str
    amount: int


@dataclass(frozen=True, slots=True)
class BreakdownLine:
    """One line of the safe-to-spend sum: ``kind`` is cash, pot, commitment, planned,
    instalment, card_repayment, card_cover or set_aside."""

    label: str
    amount: int
    kind: str
    on: date | None = None
    ref: str = ""


@dataclass(frozen=True, slots=True)
class SafeToSpend:
    """The answer, its exact breakdown, the per-day figure and what is shown beside it."""

    amount: int
    currency: str
    today: date
    next_payday: date
    breakdown: tuple[BreakdownLine, ...]
    days_to_payday: int
    per_day: int
    per_day_remainder: int
    overdraft_cushion: int
    cards_owed: int
    card_cover_used: int


def _fmt_day(d: date) -> str:
    return f"{d.day} {d.strftime('%b')}"


def safe_to_spend(
    *,
    today: date,
    next_payday: date,
    accounts: Sequence[AccountBalance],
    pots: Sequence[PotBalance] = (),
    events: Iterable[CashEvent] = (),
    set_asides: Sequence[SetAside] = (),
    card_cover: int = 0,
    cards_owed: int = 0,
    currency: str = "GBP",
) -> SafeToSpend:
    """How much is the user's to spend until ``next_payday`` (see the module docstring).

    ``card_cover`` is what pots that are *not* included hold for card
    repayments; ``cards_owed`` the total owed on cards, shown beside the
    answer.
    """
    if next_payday <= today:
        raise InvalidHorizon("the next payday must be after today")
    lines: list[BreakdownLine] = [
        BreakdownLine(a.name, a.balance, "cash", ref=a.id)
        for a in sorted(accounts, key=lambda a: (a.name, a.id))
    ]
    lines.extend(
        BreakdownLine(f"{p.name} pot", p.balance, "pot", ref=p.id)
        for p in sorted(pots, key=lambda p: (p.name, p.id))
        if p.included
    )
    due = sorted(
        (e for e in events if e.amount < 0 and e.on < next_payday),
        key=lambda e: (e.on, e.kind.value, e.label, e.ref, e.amount),
    )
    card_due = 0
    for event in due:
        label = f"{event.label} ({_fmt_day(event.on)})"
        lines.append(BreakdownLine(label, event.amount, event.kind.value, event.on, event.ref))
        if event.kind is EventKind.CARD_REPAYMENT:
            card_due -= event.amount
    cover = min(max(card_cover, 0), card_due)
    if cover:
        lines.append(BreakdownLine("Card repayments covered by pots", cover, "card_cover"))
    lines.extend(BreakdownLine(s.label, -s.amount, "set_aside") for s in set_asides)
    amount = sum(line.amount for line in lines)
    days = (next_payday - today).days
    per_day = max(amount, 0) // days
    return SafeToSpend(
        amount=amount,
        currency=currency,
        today=today,
        next_payday=next_payday,
        breakdown=tuple(lines),
        days_to_payday=days,
        per_day=per_day,
        per_day_remainder=amount - per_day * days,
        overdraft_cushion=sum(max(a.overdraft_limit, 0) for a in accounts),
        cards_owed=cards_owed,
        card_cover_used=cover,
    )


# ----------------------------------------------------------------- events


def commitment_events(
    commitments: Iterable[DetectedCommitment],
    today: date,
    until: date,
    calendar: UKCalendar = DEFAULT_CALENDAR,
) -> list[CashEvent]:
    """Cash events for the (confirmed) commitments' dates in ``[today, until]``, overdue
    next dates included; stopped commitments give none."""
    out: list[CashEvent] = []
    for c in commitments:
        kind = EventKind.INCOME if c.amount > 0 else EventKind.COMMITMENT
        label = c.description or c.payee
        out.extend(
            CashEvent(on, c.amount, label, kind, c.account_id, c.key, c.currency)
            for on in commitment_dates(c, today, until, calendar, overdue=True)
        )
    return sorted(out, key=lambda e: (e.on, e.ref))


@dataclass(frozen=True, slots=True)
class CardCover:
    """A pot kept to repay cards (a credit-card pot rule's pot, not counted as cash):
    what it holds, the cards it is kept for and the current account it belongs to."""

    pot_id: str
    label: str
    balance: int
    card_ids: frozenset[str]
    account_id: str = ""


def card_cover_events(events: Iterable[CashEvent], covers: Iterable[CardCover]) -> list[CashEvent]:
    """What credit-card pots give back to the current account when their cards are repaid.

    A credit-card pot rule keeps the pot equal to what the card owes, so the
    money for what is owed now has already left the current account; when
    the repayment goes out, the card owes less and the rule withdraws the
    excess the same day. Each covered card repayment among ``events`` is
    therefore met by money coming back from the pot, in date order, up to
    what the pot holds now (never more than the repayment). Without this
    the forecast would take the same money out twice.
    """
    repayments = sorted(
        (e for e in events if e.kind is EventKind.CARD_REPAYMENT and e.amount < 0),
        key=lambda e: (e.on, e.ref, e.amount, e.label),
    )
    uncovered = [-e.amount for e in repayments]
    out: list[CashEvent] = []
    for cover in sorted(covers, key=lambda c: c.pot_id):
        left = max(cover.balance, 0)
        for index, event in enumerate(repayments):
            if left <= 0:
                break
            if event.ref not in cover.card_ids or uncovered[index] <= 0:
                continue
            back = min(left, uncovered[index])
            left -= back
            uncovered[index] -= back
            out.append(
                CashEvent(
                    event.on,
                    back,
                    f"{cover.label} pot pays {event.label.removesuffix(' repayment')}",
                    EventKind.CARD_COVER,
                    cover.account_id or event.account_id,
                    cover.pot_id,
                    event.currency,
                )
            )
    return sorted(out, key=lambda e: (e.on, e.ref))


# ---------------------------------------------------------------- everyday


@dataclass(frozen=True, slots=True)
class EverydaySpend:
    """Typical everyday spending: pence per weekday (Monday first, positive = spent) and
    how far a week's spend may fall below or rise above its mean: 1.2816 standard
    deviations of the weekly totals (an 80 % range, for a sum of weeks)."""

    per_weekday: tuple[int, int, int, int, int, int, int]
    spread_below: int
    spread_above: int
    days_observed: int

    @staticmethod
    def none() -> EverydaySpend:
        """No everyday spending at all (no history)."""
        return EverydaySpend((0, 0, 0, 0, 0, 0, 0), 0, 0, 0)


#: z of the 90th percentile of a normal distribution, in ten-thousandths (80 % range).
_Z80 = 12816


def _spread(weeks: Sequence[int]) -> int:
    """1.2816 population standard deviations of ``weeks``, in whole pence (half up)."""
    n = len(weeks)
    if n < 2:
        return 0
    total = sum(weeks)
    variance_n2 = n * sum(w * w for w in weeks) - total * total  # variance x n^2
    sd = math.isqrt(variance_n2 // (n * n))
    return (sd * _Z80 + 5000) // 10000


def everyday_spend(
    facts: Iterable[TxnFact],
    today: date,
    *,
    exclude_ids: Iterable[str] = (),
    exclude_accounts: Iterable[str] = (),
    lookback_days: int = 182,
) -> EverydaySpend:
    """The everyday spending estimate from the ``lookback_days`` days before ``today``.

    Counts money out, and refunds (money in classified ``spending``); skips
    the ids in ``exclude_ids`` (the commitments' evidence), everything on
    ``exclude_accounts`` (cards paid down by fixed or minimum repayments:
    their spending leaves the bank only as those repayments, which are
    scheduled on their own), income and internal movements. Per-weekday
    means are rounded half to even.
    """
    if lookback_days < 7:
        raise InvalidHorizon("everyday spending needs at least a week of history")
    start = today - timedelta(days=lookback_days)
    excluded = frozenset(exclude_ids)
    skipped_accounts = frozenset(exclude_accounts)
    daily = [0] * lookback_days
    for fact in facts:
        if not start <= fact.on < today or fact.id in excluded:
            continue
        if fact.account_id in skipped_accounts:
            continue
        if fact.classification in INTERNAL_CLASSIFICATIONS or fact.classification == "income":
            continue
        if fact.amount > 0 and fact.classification != "spending":
            continue
        daily[(fact.on - start).days] -= fact.amount
    sums = [0] * 7
    counts = [0] * 7
    for index, spent in enumerate(daily):
        weekday = (start + timedelta(days=index)).weekday()
        sums[weekday] += spent
        counts[weekday] += 1
    per_weekday = tuple(_div_half_even(sums[w], counts[w]) for w in range(7))
    weeks = [sum(daily[-7 * (k + 1) : len(daily) - 7 * k]) for k in range(lookback_days // 7)]
    spread = _spread(weeks)
    return EverydaySpend(
        (
            per_weekday[0],
            per_weekday[1],
            per_weekday[2],
            per_weekday[3],
            per_weekday[4],
            per_weekday[5],
            per_weekday[6],
        ),
        spread,
        spread,
        lookback_days,
    )


def _div_half_even(numerator: int, denominator: int) -> int:
    if denominator <= 0:
        return 0
    quotient, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient % 2 == 1):
        quotient += 1
    return quotient


# ---------------------------------------------------------------- forecast


@dataclass(frozen=True, slots=True)
class ForecastDay:
    """One day: the total projected balance, its likely range, per-account balances,
    what lands that day and the everyday spending assumed."""

    date: date
    balance: int
    low: int
    high: int
    accounts: tuple[tuple[str, int], ...]
    items: tuple[CashEvent, ...]
    everyday: int


@dataclass(frozen=True, slots=True)
class Forecast:
    """The daily series, its low point and the first days below zero / below the overdraft."""

    days: tuple[ForecastDay, ...]
    low_point: tuple[date, int]
    first_below_zero: date | None
    first_below_overdraft: date | None
    overdraft_limit: int

    @property
    def breach(self) -> date | None:
        """The first day the balance goes below zero (None if never)."""
        return self.first_below_zero


def forecast(
    *,
    today: date,
    days: int,
    accounts: Sequence[AccountBalance],
    events: Iterable[CashEvent] = (),
    everyday: EverydaySpend | None = None,
    spending_account_id: str | None = None,
) -> Forecast:
    """Project the current accounts' balances for ``days`` days (0-366) after today.

    Events for an account not listed (or with no account) and the everyday
    spending land on ``spending_account_id`` (default: the first account).
    """
    if isinstance(days, bool) or not 0 <= days <= MAX_FORECAST_DAYS:
        raise InvalidHorizon(f"a forecast covers 0 to {MAX_FORECAST_DAYS} days")
    if not accounts:
        raise InvalidHorizon("a forecast needs at least one current account")
    everyday = everyday or EverydaySpend.none()
    ids = [a.id for a in accounts]
    main = spending_account_id if spending_account_id in ids else ids[0]
    index = {account_id: i for i, account_id in enumerate(ids)}
    end = today + timedelta(days=days)
    by_day: dict[int, list[CashEvent]] = {}
    for event in events:
        if event.on > end or days == 0:
            continue
        offset = max((event.on - today).days, 1)
        by_day.setdefault(offset, []).append(event)
    balances = [a.balance for a in accounts]
    total = sum(balances)
    overdraft = sum(max(a.overdraft_limit, 0) for a in accounts)
    out = [ForecastDay(today, total, total, total, tuple(zip(ids, balances, strict=True)), (), 0)]
    low_point = (today, total)
    below_zero = today if total < 0 else None
    below_overdraft = today if total < -overdraft else None
    for offset in range(1, days + 1):
        day = today + timedelta(days=offset)
        items = tuple(
            sorted(by_day.get(offset, ()), key=lambda e: (e.on, e.kind.value, e.label, e.ref))
        )
        for event in items:
            balances[index.get(event.account_id, index[main])] += event.amount
        spent = everyday.per_weekday[day.weekday()]
        balances[index[main]] -= spent
        total = sum(balances)
        # Independent weeks: the spread grows with the square root of the weeks elapsed.
        more = math.isqrt(everyday.spread_above**2 * offset // 7)
        less = math.isqrt(everyday.spread_below**2 * offset // 7)
        out.append(
            ForecastDay(
                day,
                total,
                total - more,
                total + less,
                tuple(zip(ids, balances, strict=True)),
                items,
                spent,
            )
        )
        if total < low_point[1]:
            low_point = (day, total)
        if below_zero is None and total < 0:
            below_zero = day
        if below_overdraft is None and total < -overdraft:
            below_overdraft = day
    return Forecast(tuple(out), low_point, below_zero, below_overdraft, overdraft)
