"""The daily forecast of the current accounts, with its likely range.

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
pot come with the money the pot gives back
(:func:`~potwise.domain.cashflow.events.card_cover_events`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from potwise.domain.cashevents import CashEvent
from potwise.domain.cashflow.everyday import EverydaySpend
from potwise.domain.cashflow.inputs import AccountBalance, InvalidHorizon

__all__ = ["MAX_FORECAST_DAYS", "Forecast", "ForecastDay", "forecast"]

MAX_FORECAST_DAYS = 366


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
    _check_horizon(days, accounts)
    spend = everyday or EverydaySpend.none()
    ledger = _Ledger.of(accounts, spending_account_id)
    by_day = _events_by_day(events, today, days)
    total = ledger.total()
    out = [ForecastDay(today, total, total, total, ledger.snapshot(), (), 0)]
    watch = _Watch.start(today, total, ledger.overdraft)
    for offset in range(1, days + 1):
        day = _next_day(ledger, spend, today + timedelta(days=offset), offset, by_day)
        out.append(day)
        watch.see(day.date, day.balance)
    return Forecast(
        tuple(out), watch.low_point, watch.below_zero, watch.below_overdraft, ledger.overdraft
    )


def _check_horizon(days: int, accounts: Sequence[AccountBalance]) -> None:
    if isinstance(days, bool) or not 0 <= days <= MAX_FORECAST_DAYS:
        raise InvalidHorizon(f"a forecast covers 0 to {MAX_FORECAST_DAYS} days")
    if not accounts:
        raise InvalidHorizon("a forecast needs at least one current account")


def _item_order(event: CashEvent) -> tuple[date, str, str, str]:
    return (event.on, event.kind.value, event.label, event.ref)


def _events_by_day(
    events: Iterable[CashEvent], today: date, days: int
) -> dict[int, tuple[CashEvent, ...]]:
    """The events by day offset, each day's in order; what is due today or earlier
    lands on day 1, what falls after the last day is left out."""
    if days == 0:
        return {}
    end = today + timedelta(days=days)
    by_day: dict[int, list[CashEvent]] = {}
    for event in events:
        if event.on > end:
            continue
        offset = max((event.on - today).days, 1)
        by_day.setdefault(offset, []).append(event)
    return {offset: tuple(sorted(items, key=_item_order)) for offset, items in by_day.items()}


@dataclass(slots=True)
class _Ledger:
    """The current accounts' running balances; what names no listed account, and the
    everyday spending, land on the spending account (``main``, an index)."""

    ids: list[str]
    balances: list[int]
    index: dict[str, int]
    main: int
    overdraft: int

    @classmethod
    def of(cls, accounts: Sequence[AccountBalance], spending_account_id: str | None) -> _Ledger:
        ids = [a.id for a in accounts]
        main = spending_account_id if spending_account_id in ids else ids[0]
        index = {account_id: i for i, account_id in enumerate(ids)}
        overdraft = sum(max(a.overdraft_limit, 0) for a in accounts)
        return cls(ids, [a.balance for a in accounts], index, index[main], overdraft)

    def apply(self, items: Iterable[CashEvent], spent: int) -> None:
        for event in items:
            self.balances[self.index.get(event.account_id, self.main)] += event.amount
        self.balances[self.main] -= spent

    def total(self) -> int:
        return sum(self.balances)

    def snapshot(self) -> tuple[tuple[str, int], ...]:
        return tuple(zip(self.ids, self.balances, strict=True))


def _next_day(
    ledger: _Ledger,
    spend: EverydaySpend,
    day: date,
    offset: int,
    by_day: dict[int, tuple[CashEvent, ...]],
) -> ForecastDay:
    """Day ``offset``: its events and everyday spending applied, with its likely range."""
    items = by_day.get(offset, ())
    spent = spend.per_weekday[day.weekday()]
    ledger.apply(items, spent)
    total = ledger.total()
    # Independent weeks: the spread grows with the square root of the weeks elapsed.
    more = math.isqrt(spend.spread_above**2 * offset // 7)
    less = math.isqrt(spend.spread_below**2 * offset // 7)
    return ForecastDay(day, total, total - more, total + less, ledger.snapshot(), items, spent)


@dataclass(slots=True)
class _Watch:
    """The lowest day so far, and the first days below zero and below the overdraft."""

    low_point: tuple[date, int]
    overdraft: int
    below_zero: date | None = None
    below_overdraft: date | None = None

    @classmethod
    def start(cls, today: date, total: int, overdraft: int) -> _Watch:
        watch = cls((today, total), overdraft)
        watch.see(today, total)
        return watch

    def see(self, day: date, total: int) -> None:
        if total < self.low_point[1]:
            self.low_point = (day, total)
        if self.below_zero is None and total < 0:
            self.below_zero = day
        if self.below_overdraft is None and total < -self.overdraft:
            self.below_overdraft = day
