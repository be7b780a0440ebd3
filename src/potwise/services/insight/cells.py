"""Spending aggregated in the database: the cells breakdowns and budgets fold.

One query per question: the rows of the user's spending in a range of windows
are grouped in SQL by window (bucket), key (category or merchant), account and
pending-or-not, so a year of a busy household is a few hundred aggregated rows,
never every transaction. Windows are the user's local dates, turned into UTC
instants in Python and compared in a ``CASE``, which is portable between SQLite
and PostgreSQL and uses the ``(user_id, created_at)`` index.

What counts as spending is :func:`potwise.domain.spending.effective_classification`,
written here as SQL (:func:`is_spending`): the two must agree, and a test holds
them to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from itertools import pairwise
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, literal_column, or_, select
from sqlalchemy.orm import Session

from potwise.db.models import Account, Transaction
from potwise.domain.spending import Cell, Classification, GroupBy, Window, window_bounds


def is_spending() -> ColumnElement[bool]:
    """Rows that count as spending: classified so, or not classified yet, naming no
    pot, and money out. Declined rows never count."""
    return and_(
        Transaction.status != "declined",
        or_(
            Transaction.classification == Classification.SPENDING.value,
            and_(
                Transaction.classification.is_(None),
                Transaction.pot_external_id.is_(None),
                Transaction.amount < 0,
            ),
        ),
    )


def merchant_key_sql() -> ColumnElement[Any]:
    """What groups a merchant: the normalised key (the classifier derives it from the
    merchant, the counterparty or the description), else the merchant's name. Rows
    with neither (not classified yet, no merchant) group under NULL: "No merchant".
    Only indexed columns, so the breakdown reads the index alone."""
    return func.coalesce(Transaction.merchant_key, Transaction.merchant)


def _bucket(bounds: Sequence[tuple[datetime, datetime]]) -> ColumnElement[int]:
    """The index of the window a row falls in, as SQL.

    Rows are already limited to the windows, which follow each other in time (with
    or without days between them), so the bucket is found by bisecting their ends: nested
    ``CASE``s make about log2(n) comparisons a row instead of n.
    """
    ends = [end for _, end in bounds]

    def pick(low: int, high: int) -> ColumnElement[int]:
        # The row's bucket is in [low, high]; every boundary below `low` is passed.
        if low == high:
            return literal(low)
        middle = (low + high) // 2
        return case(
            (Transaction.created_at < ends[middle], pick(low, middle)),
            else_=pick(middle + 1, high),
        )

    return pick(0, len(bounds) - 1)


def spending_cells(
    db: Session,
    user_id: str,
    *,
    group_by: GroupBy,
    windows: Sequence[Window],
    zone: tzinfo,
    currency: str,
    category: str | None = None,
) -> list[Cell]:
    """Spending per window (its index is the cell's bucket) and per group key, account
    kind and pending-or-not, aggregated in the database.

    Bucket, account and pending-or-not are folded into one integer in SQL: SQLite
    groups by sorting, and sorting on one small integer (plus the key) costs half of
    sorting on three columns, one of them a 32-character id.
    """
    bounds = [window_bounds(w, zone) for w in windows]
    kinds = account_kinds(db, user_id)
    account_ids = sorted(kinds)
    slots = len(account_ids) + 1  # the last slot: an account we did not list (none)
    pending = case((Transaction.status == "pending", 1), else_=0)
    slot = ((_bucket(bounds) * slots + _account_slot(account_ids)) * 2 + pending).label("slot")
    key, label = _group_columns(group_by)
    refunds = func.sum(case((Transaction.amount > 0, Transaction.amount), else_=0))
    statement = (
        select(
            slot,
            key.label("key"),
            func.sum(Transaction.amount),
            func.count(),
            refunds,
            label,
        )
        .where(
            Transaction.user_id == user_id,
            Transaction.created_at >= bounds[0][0],
            Transaction.created_at < bounds[-1][1],
            Transaction.currency == currency,
            is_spending(),
        )
        .group_by(literal_column("slot"), literal_column("key"))
    )
    if category is not None:
        statement = statement.where(Transaction.category == category)
    if any(a[1] != b[0] for a, b in pairwise(bounds)):
        # Windows with days between them (this month so far and the same days of last
        # month): the days between count in neither.
        statement = statement.where(
            or_(*(and_(Transaction.created_at >= s, Transaction.created_at < e) for s, e in bounds))
        )
    return [_cell(row, slots, account_ids, kinds) for row in db.execute(statement)]


def _account_slot(account_ids: list[str]) -> ColumnElement[int]:
    """The index of the row's account among ``account_ids``; the last slot for any other."""
    if not account_ids:
        return literal(0)
    return case(
        {account_id: index for index, account_id in enumerate(account_ids)},
        value=Transaction.account_id,
        else_=literal(len(account_ids)),
    )


def _group_columns(group_by: GroupBy) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """What a cell is grouped by, and the display name read beside it."""
    if group_by is GroupBy.CATEGORY:
        return Transaction.category.expression, literal(None)
    if group_by is GroupBy.MERCHANT:
        return merchant_key_sql(), func.max(Transaction.merchant)
    return literal(None), literal(None)


def _cell(row: Sequence[Any], slots: int, account_ids: list[str], kinds: dict[str, str]) -> Cell:
    """One aggregated row, its folded slot unpacked into bucket, account kind and pending."""
    rest, is_pending = divmod(int(row[0]), 2)
    bucket, account_index = divmod(rest, slots)
    account_id = account_ids[account_index] if account_index < len(account_ids) else ""
    return Cell(
        bucket=bucket,
        key=row[1],
        account_kind=kinds.get(account_id, "other"),
        pending=bool(is_pending),
        amount=int(row[2] or 0),
        count=int(row[3]),
        refunds=int(row[4] or 0),
        label=row[5],
    )


def account_kinds(db: Session, user_id: str) -> dict[str, str]:
    """The kind of each of the user's accounts, by id. Grouping by account in SQL and
    naming kinds here spares the database a join per transaction."""
    rows = db.execute(select(Account.id, Account.kind).where(Account.user_id == user_id))
    return {str(r[0]): str(r[1]) for r in rows}


def spending_per_window(
    db: Session,
    user_id: str,
    *,
    windows: Sequence[Window],
    zone: tzinfo,
    currency: str,
    category: str,
) -> list[tuple[int, int]]:
    """(net spending, positive = spent; payments) in one category in each window, in
    one query."""
    spent = [0] * len(windows)
    payments = [0] * len(windows)
    cells = spending_cells(
        db,
        user_id,
        group_by=GroupBy.MONTH,
        windows=windows,
        zone=zone,
        currency=currency,
        category=category,
    )
    for cell in cells:
        spent[cell.bucket] -= cell.amount
        payments[cell.bucket] += cell.count
    return list(zip(spent, payments, strict=True))
