"""Spending breakdowns from the mirror, aggregated in the database.

One query per breakdown (:mod:`potwise.services.insight.cells`): the user's
spending in the range, and the range before it for the comparison, grouped in
SQL by time bucket, key (category or merchant), account kind and
pending-or-not. Buckets are the user's local months (or the range and the range
before it).

A finished breakdown is kept in memory (a few dozen, least recently used first
out) until the user's transactions or accounts change, checked by two index seeks
(:func:`_stamp`); the page and the API ask for the same few ranges again and again
between syncs.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from datetime import date, tzinfo
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from potwise.db.models import Account, Transaction
from potwise.db.scoping import for_user
from potwise.domain.spending import (
    Breakdown,
    GroupBy,
    Window,
    add_months,
    month_start,
    months_ending,
    previous_window,
    window_bounds,
)
from potwise.domain.spending import breakdown as fold_breakdown
from potwise.services.errors import InvalidInput
from potwise.services.insight.cells import is_spending, merchant_key_sql, spending_cells

DEFAULT_MONTHS = 12
#: The longest range a breakdown covers (ten years of months).
MAX_MONTHS = 120
TOP_MERCHANTS = 10
#: Category and merchant breakdowns of up to this many days compare with the days before.
COMPARE_AUTO_DAYS = 92
DRILL_DOWN_LIMIT = 200
#: Breakdowns kept in memory, across users (each is a few hundred small objects).
CACHE_SIZE = 64


def resolve_range(since: date | None, until: date | None, today: date) -> Window:
    """The range asked for, defaulting to the last twelve months up to the current one:
    ``since`` alone runs to the end of the current month, ``until`` alone looks back
    twelve months. Ranges are checked (order, at most ten years)."""
    end_of_this_month = add_months(month_start(today), 1)
    if since is None and until is None:
        months = months_ending(today, DEFAULT_MONTHS)
        return Window(months[0].start, months[-1].end)
    if until is None and since is not None:
        until = max(end_of_this_month, add_months(month_start(since), 1))
    if since is None and until is not None:
        since = add_months(month_start(until), -DEFAULT_MONTHS)
        if since >= until:
            since = add_months(since, -1)
    if since is None or until is None:  # pragma: no cover - both set above
        raise InvalidInput("since or until is missing.")
    if since >= until:
        raise InvalidInput("since must be before until.")
    if (until - since).days > MAX_MONTHS * 31:
        raise InvalidInput("A breakdown covers at most ten years; narrow since and until.")
    return Window(since, until)


def _month_windows(window: Window) -> list[Window]:
    """The month before the range, then each month of the range, clipped to it."""
    first = month_start(window.start)
    windows = [Window(add_months(first, -1), first)]
    start = first
    while start < window.end:
        end = add_months(start, 1)
        windows.append(Window(max(start, window.start), min(end, window.end)))
        start = end
    return windows


def compares(group_by: GroupBy, window: Window, compare: bool | None) -> bool:
    """Whether a breakdown looks at the period before. Months always do (each month
    against the one before). Categories and merchants do when asked, and by default
    for ranges of up to three months: comparing a year with the year before would
    double what is read, for a figure few people want."""
    if group_by is GroupBy.MONTH:
        return True
    if compare is not None:
        return compare
    return window.days <= COMPARE_AUTO_DAYS


def windows_for(group_by: GroupBy, window: Window) -> list[Window]:
    """The windows a breakdown reports: months (after the one before them) or the range
    before and the range."""
    if group_by is GroupBy.MONTH:
        return _month_windows(window)
    return [previous_window(window), window]


_lock = threading.Lock()
_cache: OrderedDict[tuple[Any, ...], tuple[tuple[Any, ...], Breakdown]] = OrderedDict()


def _stamp(db: Session, user_id: str) -> tuple[Any, ...]:
    """Changes whenever a breakdown of the user's could.

    A transaction added, changed or re-classified moves the latest ``updated_at``
    (one seek on ``ix_transactions_user_updated``). A pending row is only ever
    deleted by a sync in the same commit that updates its account (its balance or
    how far it is synced), and accounts go with their transactions, so the latest
    ``updated_at`` and the number of the user's accounts catch every removal, and
    any change of an account's kind.
    """
    latest = db.scalar(for_user(select(func.max(Transaction.updated_at)), Transaction, user_id))
    accounts = db.execute(
        for_user(select(func.count(), func.max(Account.updated_at)), Account, user_id)
    ).one()
    return latest, int(accounts[0]), accounts[1]


def forget(user_id: str | None = None) -> None:
    """Drop the kept breakdowns of one user, or of everyone."""
    with _lock:
        for key in [k for k in _cache if user_id is None or k[0] == user_id]:
            del _cache[key]


def breakdown(
    db: Session,
    user_id: str,
    *,
    group_by: GroupBy,
    window: Window,
    zone: tzinfo,
    currency: str = "GBP",
    compare: bool | None = None,
) -> Breakdown:
    """Spending in ``window`` grouped by month, category or merchant, with card vs cash,
    pending and the change from the period before (see :func:`compares`); grouped by
    merchant, the top merchants too. The same question asked again before anything
    changed is answered from memory."""
    key = (user_id, group_by, window, str(zone), currency, compare)
    stamp = _stamp(db, user_id)
    with _lock:
        kept = _cache.get(key)
        if kept is not None and kept[0] == stamp:
            _cache.move_to_end(key)
            return kept[1]
    result = _breakdown(
        db,
        user_id,
        group_by=group_by,
        window=window,
        zone=zone,
        currency=currency,
        compare=compare,
    )
    with _lock:
        _cache[key] = (stamp, result)
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return result


def _breakdown(
    db: Session,
    user_id: str,
    *,
    group_by: GroupBy,
    window: Window,
    zone: tzinfo,
    currency: str,
    compare: bool | None,
) -> Breakdown:
    windows = windows_for(group_by, window)
    looks_back = compares(group_by, window, compare)
    queried = windows if looks_back else windows[1:]
    cells = spending_cells(
        db, user_id, group_by=group_by, windows=queried, zone=zone, currency=currency
    )
    if not looks_back:
        cells = [dataclasses.replace(c, bucket=c.bucket + 1) for c in cells]
    return fold_breakdown(
        cells,
        group_by=group_by,
        currency=currency,
        windows=windows,
        top=TOP_MERCHANTS,
        compare=looks_back,
    )


def merchant_transactions(
    db: Session,
    user_id: str,
    *,
    merchant: str,
    window: Window,
    zone: tzinfo,
    currency: str = "GBP",
    limit: int = DRILL_DOWN_LIMIT,
) -> list[Transaction]:
    """The spending transactions grouped under one merchant key in ``window``, newest
    first: what a merchant's total is made of."""
    start, end = window_bounds(window, zone)
    statement = (
        select(Transaction)
        .where(
            Transaction.user_id == user_id,
            Transaction.created_at >= start,
            Transaction.created_at < end,
            Transaction.currency == currency,
            merchant_key_sql() == merchant,
            is_spending(),
        )
        .order_by(Transaction.created_at.desc(), Transaction.id.desc())
        .limit(limit)
    )
    return list(db.scalars(statement))


def currencies(db: Session, user_id: str) -> list[str]:
    """The currencies of the user's accounts, most used first (GBP when there are none)."""
    rows = db.execute(
        select(Account.currency, func.count())
        .where(Account.user_id == user_id)
        .group_by(Account.currency)
        .order_by(func.count().desc(), Account.currency)
    ).all()
    return [str(r[0]) for r in rows] or ["GBP"]


def categories(db: Session, user_id: str) -> list[str]:
    """The categories the user's transactions carry (read from the covering index)."""
    rows = db.scalars(
        select(Transaction.category)
        .where(Transaction.user_id == user_id, Transaction.category.is_not(None))
        .distinct()
    )
    return sorted(str(c) for c in rows)
