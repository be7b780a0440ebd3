"""Everyday spending: what the user typically spends each weekday, and how far a week
strays from it.

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

from potwise.domain.cashflow.inputs import InvalidHorizon
from potwise.domain.recurring import INTERNAL_CLASSIFICATIONS, TxnFact

__all__ = ["EverydaySpend", "everyday_spend"]


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
    daily = _spent_per_day(facts, start, today, frozenset(exclude_ids), frozenset(exclude_accounts))
    per_weekday = _weekday_means(daily, start)
    weeks = [sum(daily[-7 * (k + 1) : len(daily) - 7 * k]) for k in range(lookback_days // 7)]
    spread = _spread(weeks)
    return EverydaySpend(per_weekday, spread, spread, lookback_days)


def _spent_per_day(
    facts: Iterable[TxnFact],
    start: date,
    today: date,
    excluded: frozenset[str],
    skipped_accounts: frozenset[str],
) -> list[int]:
    """What counts as everyday spending on each day of ``[start, today)`` (positive = spent)."""
    daily = [0] * (today - start).days
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
    return daily


def _weekday_means(daily: Sequence[int], start: date) -> tuple[int, int, int, int, int, int, int]:
    """The mean spent on each weekday (Monday first), rounded half to even."""
    sums = [0] * 7
    counts = [0] * 7
    for index, spent in enumerate(daily):
        weekday = (start + timedelta(days=index)).weekday()
        sums[weekday] += spent
        counts[weekday] += 1
    means = [_div_half_even(sums[w], counts[w]) for w in range(7)]
    return (means[0], means[1], means[2], means[3], means[4], means[5], means[6])


def _div_half_even(numerator: int, denominator: int) -> int:
    if denominator <= 0:
        return 0
    quotient, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient % 2 == 1):
        quotient += 1
    return quotient
