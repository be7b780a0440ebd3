"""Builders for the cash-flow tests: transaction facts on real UK calendars."""

from __future__ import annotations

import calendar as _stdlib_calendar
from collections.abc import Iterable
from datetime import date, timedelta

from potwise.domain.calendar import DEFAULT_CALENDAR
from potwise.domain.recurring import TxnFact

CAL = DEFAULT_CALENDAR


def months(start: date, count: int) -> list[tuple[int, int]]:
    """``count`` (year, month) pairs from ``start``'s month on."""
    out = []
    year, month = start.year, start.month
    for _ in range(count):
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def day_in(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, _stdlib_calendar.monthrange(year, month)[1]))


def monthly_dates(
    start: date, count: int, day: int, roll: str = "next", skip: Iterable[int] = ()
) -> list[date]:
    """Dates of a monthly payment on ``day``, rolled as UK banks roll them."""
    skipped = set(skip)
    out = []
    for year, month in months(start, count):
        if month in skipped:
            continue
        nominal = day_in(year, month, day)
        if roll == "next":
            out.append(CAL.working_day_on_or_after(nominal))
        elif roll == "previous":
            out.append(CAL.working_day_on_or_before(nominal))
        else:
            out.append(nominal)
    return out


def every(start: date, days: int, count: int) -> list[date]:
    return [start + timedelta(days=days * i) for i in range(count)]


def facts(
    payee: str,
    dates: Iterable[date],
    amount: int | list[int],
    *,
    account: str = "acc-current",
    prefix: str | None = None,
    classification: str | None = None,
) -> list[TxnFact]:
    """One fact per date; ``amount`` fixed or one per date."""
    dates = list(dates)
    amounts = amount if isinstance(amount, list) else [amount] * len(dates)
    tag = prefix or payee.replace(" ", "-")
    return [
        TxnFact(
            id=f"{tag}-{i:03d}",
            on=d,
            amount=a,
            payee=payee,
            account_id=account,
            description=payee.upper(),
            classification=classification,
        )
        for i, (d, a) in enumerate(zip(dates, amounts, strict=True))
    ]
