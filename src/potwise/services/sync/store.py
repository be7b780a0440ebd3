"""Writing what a bank said into the mirror: idempotent, batched upserts.

Every row is keyed by (connection_id, external_id), so running the same sync
twice changes nothing. Inserts go in batches through the dialect's
`INSERT ... ON CONFLICT DO UPDATE` (SQLite and PostgreSQL alike), one cached
statement executed with many parameter sets.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, insert, or_, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from potwise.db.models import (
    Account,
    BalanceSnapshot,
    DirectDebit,
    Pot,
    StandingOrder,
    Transaction,
    new_id,
    new_ids,
    table_of,
)
from potwise.db.types import UTCDateTime, sqlite_text
from potwise.domain import categories, mirror
from potwise.domain import classify as classification
from potwise.domain.merchants import merchant_key_for

BATCH_SIZE = 1000
# Columns refreshed when a transaction is seen again (pending → settled, merchant added).
_TRANSACTION_UPDATES = (
    "created_at",
    "settled_at",
    "amount",
    "currency",
    "local_amount",
    "local_currency",
    "status",
    "description",
    "merchant",
    "provider_category",
    "counterparty",
    "pot_external_id",
    "decline_reason",
    "updated_at",
)


def _insert(dialect: str, table: Table) -> Any:
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"unsupported database {dialect}")


_STATEMENTS: dict[tuple[str, str, tuple[str, ...], tuple[str, ...]], Any] = {}
_STATEMENTS_LOCK = threading.Lock()


def _upsert_statement(
    dialect: str, table: Table, update_columns: tuple[str, ...], conflict: tuple[str, ...]
) -> Any:
    key = (dialect, table.name, update_columns, conflict)
    statement = _STATEMENTS.get(key)
    if statement is None:
        with _STATEMENTS_LOCK:
            statement = _STATEMENTS.get(key)
            if statement is None:
                statement = _on_conflict(_insert(dialect, table), table, update_columns, conflict)
                _STATEMENTS[key] = statement
    return statement


def _on_conflict(
    insert: Any, table: Table, update_columns: tuple[str, ...], conflict: tuple[str, ...]
) -> Any:
    """`insert` upserting on `conflict`: a stored row takes the new values of
    `update_columns` when they differ from it (see :func:`_changed`)."""
    return insert.on_conflict_do_update(
        index_elements=list(conflict),
        set_={name: getattr(insert.excluded, name) for name in update_columns},
        where=_changed(table, insert, update_columns),
    )


def _changed(table: Table, insert: Any, update_columns: Iterable[str]) -> Any:
    """The condition for updating a row that is already stored: the bank's answer
    differs from it in some column (nulls compared as values). A row the bank sends
    again unchanged is left alone, `updated_at` included, so everything that watches
    `updated_at` (classification of what a sync touched, answers kept in memory)
    sees only real changes."""
    compared = [name for name in update_columns if name != "updated_at"]
    if not compared:
        return None
    return or_(*(table.c[name].is_distinct_from(insert.excluded[name]) for name in compared))


@dataclass(frozen=True)
class _DriverUpsert:
    """An upsert compiled once for SQLite, run on the driver with plain tuples.

    SQLAlchemy's per-row parameter handling cost about as much CPU as SQLite's
    own writing in a bulk ingest. Here each row becomes a tuple in the compiled
    statement's parameter order, and only the columns whose type converts a value
    (timestamps) are converted, by the same processors SQLAlchemy would use.
    """

    sql: str
    names: tuple[str, ...]
    converters: tuple[tuple[int, Any], ...]

    def parameters(self, rows: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
        names = self.names
        # The last value each converter saw and what it became: a batch shares one
        # `now` (first seen, updated), converted once instead of once per row.
        last: list[list[Any]] = [[index, convert, None, None] for index, convert in self.converters]
        out = []
        for row in rows:
            values = [row[name] for name in names]
            for seen in last:
                value = values[seen[0]]
                if value is None:
                    continue
                if value is not seen[2]:
                    seen[2], seen[3] = value, seen[1](value)
                values[seen[0]] = seen[3]
            out.append(tuple(values))
        return out


_DRIVER_UPSERTS: dict[tuple[Any, ...], _DriverUpsert] = {}


def _driver_upsert(
    dialect: Any,
    table: Table,
    columns: tuple[str, ...],
    update_columns: tuple[str, ...],
    conflict: tuple[str, ...],
) -> _DriverUpsert:
    key = (table.name, columns, update_columns, conflict)
    found = _DRIVER_UPSERTS.get(key)
    if found is not None:
        return found
    insert = sqlite.insert(table).values({name: bindparam(name) for name in columns})
    statement = _on_conflict(insert, table, update_columns, conflict)
    compiled = statement.compile(dialect=dialect)
    names = tuple(compiled.positiontup or ())
    if set(names) != set(columns):  # pragma: no cover - a change in how SQLAlchemy compiles
        raise RuntimeError(f"unexpected parameters for {table.name}: {names}")
    converters = []
    for index, name in enumerate(names):
        column_type = table.c[name].type
        convert = (
            sqlite_text
            if isinstance(column_type, UTCDateTime)
            else column_type.bind_processor(dialect)
        )
        if convert is not None:
            converters.append((index, convert))
    found = _DriverUpsert(compiled.string, names, tuple(converters))
    with _STATEMENTS_LOCK:
        _DRIVER_UPSERTS[key] = found
    return found


def _upsert(
    db: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    update_columns: Iterable[str],
    conflict: Sequence[str] = ("connection_id", "external_id"),
) -> None:
    if not rows:
        return
    dialect = db.get_bind().dialect
    if dialect.name == "sqlite":
        upsert = _driver_upsert(
            dialect, table, tuple(rows[0]), tuple(update_columns), tuple(conflict)
        )
        connection = db.connection()
        for start in range(0, len(rows), BATCH_SIZE):
            batch = upsert.parameters(rows[start : start + BATCH_SIZE])
            connection.exec_driver_sql(upsert.sql, batch)
        return
    # One parameterised statement run with many parameter sets (executemany): it is
    # compiled once and cached, where a multi-row VALUES list was compiled afresh for
    # every batch (a bind parameter per cell), which cost more than the inserting.
    # The statement object itself is built once per table and dialect too: building
    # its `excluded` columns cost more than a small page's insert.
    statement = _upsert_statement(
        db.get_bind().dialect.name, table, tuple(update_columns), tuple(conflict)
    )
    for start in range(0, len(rows), BATCH_SIZE):
        db.execute(statement, list(rows[start : start + BATCH_SIZE]))


# Statements every sync runs for each account and pot, built once on the tables.
_ACCOUNTS = table_of(Account)
_POTS = table_of(Pot)
_TRANSACTIONS = table_of(Transaction)
_ACCOUNT_IDS = select(_ACCOUNTS.c.external_id, _ACCOUNTS.c.id).where(
    _ACCOUNTS.c.connection_id == bindparam("connection_id"),
    _ACCOUNTS.c.user_id == bindparam("owner"),
)
_SET_BALANCE = update(_ACCOUNTS).where(
    _ACCOUNTS.c.id == bindparam("account_id"), _ACCOUNTS.c.user_id == bindparam("owner")
)
_SNAPSHOT = insert(table_of(BalanceSnapshot))
_POT_IDS = select(_POTS.c.external_id, _POTS.c.id).where(
    _POTS.c.connection_id == bindparam("connection_id"),
    _POTS.c.external_id.in_(bindparam("external_ids", expanding=True)),
)


@dataclass(frozen=True)
class Scope:
    """Whose data this is and which connection it came through."""

    user_id: str
    connection_id: str
    # What accounts show as their provider: "monzo", or the TrueLayer provider id.
    bank: str


def upsert_accounts(
    db: Session, scope: Scope, accounts: Sequence[mirror.BankAccount], now: datetime
) -> dict[str, str]:
    """Upsert accounts; returns external id → our id for every account of the connection."""
    rows = [
        {
            "id": new_id(),
            "user_id": scope.user_id,
            "connection_id": scope.connection_id,
            "external_id": a.external_id,
            "provider": scope.bank,
            "kind": a.kind.value,
            "name": a.name,
            "currency": a.currency,
            "closed": a.closed,
            "provider_type": a.provider_type,
            "display_suffix": a.display_suffix,
            "created_at": now,
            "updated_at": now,
        }
        for a in accounts
    ]
    if rows:
        _upsert(
            db,
            _ACCOUNTS,
            rows,
            ("kind", "name", "currency", "closed", "provider_type", "display_suffix", "updated_at"),
        )
    return account_ids(db, scope)


def account_ids(db: Session, scope: Scope) -> dict[str, str]:
    found = db.execute(_ACCOUNT_IDS, {"connection_id": scope.connection_id, "owner": scope.user_id})
    return {external_id: row_id for external_id, row_id in found}


def store_balance(
    db: Session, scope: Scope, account_id: str, balance: mirror.AccountBalance
) -> None:
    """Set the account's current balance and add a snapshot to its time series
    (neither when the account is not the user's)."""
    values: dict[str, Any] = {
        "balance": balance.balance,
        "available": balance.available,
        "balance_at": balance.at,
    }
    if balance.credit_limit is not None:
        values["credit_limit"] = balance.credit_limit
    if balance.has_statement:
        values["statement_balance"] = balance.statement_balance
        values["statement_date"] = balance.statement_date
        values["payment_due"] = balance.payment_due
        values["payment_due_date"] = balance.payment_due_date
    updated = db.execute(_SET_BALANCE, {"account_id": account_id, "owner": scope.user_id, **values})
    if not updated.rowcount:  # type: ignore[attr-defined]
        return
    db.execute(
        _SNAPSHOT,
        {
            "id": new_id(),
            "user_id": scope.user_id,
            "account_id": account_id,
            "pot_id": None,
            "at": balance.at,
            "balance": balance.balance,
            "available": balance.available,
            "currency": balance.currency,
        },
    )


def upsert_pots(
    db: Session,
    scope: Scope,
    pots: Sequence[mirror.BankPot],
    accounts: dict[str, str],
    now: datetime,
) -> int:
    """Upsert pots (deleted ones stay, flagged) and snapshot every balance."""
    rows = [
        {
            "id": new_id(),
            "user_id": scope.user_id,
            "connection_id": scope.connection_id,
            "account_id": accounts[p.account_external_id],
            "external_id": p.external_id,
            "name": p.name,
            "currency": p.currency,
            "balance": p.balance,
            "goal": p.goal,
            "deleted": p.deleted,
            "balance_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for p in pots
        if p.account_external_id in accounts
    ]
    if not rows:
        return 0
    _upsert(
        db,
        _POTS,
        rows,
        ("name", "currency", "balance", "goal", "deleted", "balance_at", "updated_at"),
    )
    found = db.execute(
        _POT_IDS,
        {"connection_id": scope.connection_id, "external_ids": [p.external_id for p in pots]},
    )
    ids = {external_id: row_id for external_id, row_id in found}
    kept = [p for p in pots if p.external_id in ids]
    snapshots = [
        {
            "id": snapshot_id,
            "user_id": scope.user_id,
            "account_id": None,
            "pot_id": ids[p.external_id],
            "at": now,
            "balance": p.balance,
            "available": None,
            "currency": p.currency,
        }
        for snapshot_id, p in zip(new_ids(len(kept)), kept, strict=True)
    ]
    if snapshots:
        db.execute(_SNAPSHOT, snapshots)
    return len(rows)


def upsert_transactions(
    db: Session,
    scope: Scope,
    account_id: str,
    transactions: Sequence[mirror.BankTransaction],
    now: datetime,
) -> int:
    """Upsert transactions of one account; the category chosen by us or the user is kept."""
    unique = _dedupe(transactions)
    rows = [
        {
            "id": row_id,
            "user_id": scope.user_id,
            "connection_id": scope.connection_id,
            "account_id": account_id,
            "external_id": t.external_id,
            "created_at": t.created_at,
            "settled_at": t.settled_at,
            "amount": t.amount,
            "currency": t.currency,
            "local_amount": t.local_amount,
            "local_currency": t.local_currency,
            "status": t.status.value,
            "description": t.description,
            "merchant": t.merchant,
            "category": t.category,
            "provider_category": t.provider_category or t.category,
            "counterparty": t.counterparty,
            "pot_external_id": t.pot_external_id,
            "decline_reason": t.decline_reason,
            "first_seen_at": now,
            "updated_at": now,
        }
        for row_id, t in zip(new_ids(len(unique)), unique, strict=True)
    ]
    if rows:
        _upsert(db, _TRANSACTIONS, rows, _TRANSACTION_UPDATES)
    return len(rows)


def _dedupe(transactions: Sequence[mirror.BankTransaction]) -> list[mirror.BankTransaction]:
    """One row per external id within a batch (the last word wins); ON CONFLICT
    cannot touch the same row twice in one statement."""
    latest: dict[str, mirror.BankTransaction] = {}
    for t in transactions:
        latest[t.external_id] = t
    return list(latest.values())


def _chosen(columns: Any = Transaction) -> Any:
    """Rows carrying the user's own category or classification (never NULL, so that
    its negation holds for rows with no source at all). `columns`: the model, or the
    table's columns for a Core statement."""
    return or_(
        func.coalesce(columns.category_source, "") == categories.SOURCE_USER,
        func.coalesce(columns.classification_source, "") == classification.SOURCE_USER,
    )


def drop_vanished_pending(
    db: Session,
    scope: Scope,
    account_id: str,
    still_pending: set[str],
    *,
    since: datetime | None = None,
) -> int:
    """Delete pending rows of an account that the bank no longer lists as pending.

    A pending item either settles under a new id (which the settled list
    brings in) or simply disappears (an authorisation released); either way
    keeping it would count money twice or count money that never moved.
    With `since`, only rows inside the window the bank answered for are considered.

    Rows the user categorised or classified themselves are kept here: their
    choice moves to the settled successor once the settled list has been read
    (:func:`settle_chosen_pending`), which removes them then.
    """
    statement = _DROP_VANISHED if since is None else _DROP_VANISHED_SINCE
    result = db.execute(
        statement,
        {
            "account_id": account_id,
            "connection_id": scope.connection_id,
            # An empty list keeps every pending row in the condition (NOT IN nothing).
            "still_pending": sorted(still_pending),
            "since": since,
        },
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# Pending rows of an account the bank no longer lists (see drop_vanished_pending).
_DROP_VANISHED = delete(_TRANSACTIONS).where(
    _TRANSACTIONS.c.account_id == bindparam("account_id"),
    _TRANSACTIONS.c.connection_id == bindparam("connection_id"),
    _TRANSACTIONS.c.status == "pending",
    ~_chosen(_TRANSACTIONS.c),
    _TRANSACTIONS.c.external_id.not_in(bindparam("still_pending", expanding=True)),
)
_DROP_VANISHED_SINCE = _DROP_VANISHED.where(_TRANSACTIONS.c.created_at >= bindparam("since"))


# How far a settled row's time may be from its pending item's: banks date settled
# rows by the posting day (often back-dated to midnight) and settle up to days later.
SETTLE_BEFORE = timedelta(days=2)
SETTLE_AFTER = timedelta(days=10)
# A settled amount may differ from the authorisation (a tip, fuel, a currency rate).
SETTLE_AMOUNT_DRIFT = 0.25


def _key(t: Transaction) -> str | None:
    return merchant_key_for(t.merchant, t.counterparty, t.description)


def _successor_score(
    pending: Transaction, settled: Transaction, keys: dict[str, str | None]
) -> tuple[int, float] | None:
    """How close `settled` is to being `pending` settled (lower is closer), or None;
    `keys` holds each row's merchant key by id."""
    if (pending.amount < 0) != (settled.amount < 0) or pending.currency != settled.currency:
        return None
    if not (
        pending.created_at - SETTLE_BEFORE
        <= settled.created_at
        <= pending.created_at + SETTLE_AFTER
    ):
        return None
    difference = abs(settled.amount - pending.amount)
    key = keys[pending.id]
    if key is None or key != keys[settled.id]:
        # Nothing names the merchant: only the very same amount and text will do.
        if difference or pending.description != settled.description:
            return None
    elif difference > abs(pending.amount) * SETTLE_AMOUNT_DRIFT:
        return None
    return difference, abs((settled.created_at - pending.created_at).total_seconds())


def _unlink(db: Session, t: Transaction) -> None:
    """Undo an automatic pairing of `t`; its partner is left to be classified again."""
    partner_id, t.linked_transaction_id = t.linked_transaction_id, None
    if partner_id is None:
        return
    partner = db.get(Transaction, partner_id)
    if partner is not None and partner.linked_transaction_id == t.id:
        partner.linked_transaction_id = None
        if partner.classification_source != classification.SOURCE_USER:
            partner.classification = None


def settle_chosen_pending(
    db: Session, scope: Scope, account_id: str, still_pending: set[str]
) -> int:
    """Move the user's choices from vanished pending rows to their settled successors.

    Call after the account's settled transactions were written. A TrueLayer
    pending item settles under a new id, so the user's category or
    classification on it would otherwise be lost with the row. Each vanished
    pending row the user chose for is matched one-to-one with the closest
    settled row of the same account (same direction and currency, dated within
    a few days, the same merchant and an amount within a quarter of it, or the
    very same amount and text when no merchant is known) that carries no choice
    of its own; the choice is copied, then every such pending row is removed,
    matched or not (an authorisation released never settles). Returns how many
    choices moved.
    """
    vanished = list(
        db.scalars(
            select(Transaction)
            .where(
                Transaction.account_id == account_id,
                Transaction.connection_id == scope.connection_id,
                Transaction.status == "pending",
                _chosen(),
                Transaction.external_id.not_in(still_pending) if still_pending else true(),
            )
            .order_by(Transaction.created_at, Transaction.id)
        )
    )
    if not vanished:
        return 0
    candidates = list(
        db.scalars(
            select(Transaction).where(
                Transaction.account_id == account_id,
                Transaction.connection_id == scope.connection_id,
                Transaction.status == "settled",
                Transaction.created_at >= vanished[0].created_at - SETTLE_BEFORE,
                Transaction.created_at <= vanished[-1].created_at + SETTLE_AFTER,
                ~_chosen(),
            )
        )
    )
    keys = {t.id: _key(t) for t in (*vanished, *candidates)}
    moved = 0
    for pending in vanished:
        scored = [
            (score, settled.id, settled)
            for settled in candidates
            if (score := _successor_score(pending, settled, keys)) is not None
        ]
        if scored:
            _, _, successor = min(scored, key=lambda item: (item[0], item[1]))
            candidates.remove(successor)
            if pending.category_source == categories.SOURCE_USER:
                successor.category = pending.category
                successor.category_source = pending.category_source
            if pending.classification_source == classification.SOURCE_USER:
                successor.classification = pending.classification
                successor.classification_source = pending.classification_source
                successor.classification_reason = pending.classification_reason
                _unlink(db, successor)
            moved += 1
        db.delete(pending)
    db.flush()
    return moved


def upsert_standing_orders(
    db: Session,
    scope: Scope,
    account_id: str,
    orders: Sequence[mirror.StandingOrder],
    now: datetime,
) -> int:
    rows = [
        {
            "id": new_id(),
            "user_id": scope.user_id,
            "connection_id": scope.connection_id,
            "account_id": account_id,
            "external_id": o.external_id,
            "payee": o.payee,
            "amount": o.amount,
            "currency": o.currency,
            "frequency": o.frequency,
            "next_date": o.next_date,
            "reference": o.reference,
            "updated_at": now,
        }
        for o in orders
    ]
    if rows:
        _upsert(
            db,
            table_of(StandingOrder),
            rows,
            ("payee", "amount", "currency", "frequency", "next_date", "reference", "updated_at"),
        )
    return len(rows)


def upsert_direct_debits(
    db: Session,
    scope: Scope,
    account_id: str,
    debits: Sequence[mirror.DirectDebit],
    now: datetime,
) -> int:
    rows = [
        {
            "id": new_id(),
            "user_id": scope.user_id,
            "connection_id": scope.connection_id,
            "account_id": account_id,
            "external_id": d.external_id,
            "payee": d.payee,
            "currency": d.currency,
            "last_amount": d.last_amount,
            "last_date": d.last_date,
            "status": d.status,
            "updated_at": now,
        }
        for d in debits
    ]
    if rows:
        _upsert(
            db,
            table_of(DirectDebit),
            rows,
            ("payee", "currency", "last_amount", "last_date", "status", "updated_at"),
        )
    return len(rows)
