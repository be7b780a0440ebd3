"""Reading the rows classification decides: straight from the driver's cursor.

At 100,000 rows SQLAlchemy's per-row result handling cost more than the
query, so a user's rows are read in batches off the cursor, SQLite's
timestamps parsed with their offset, and each row kept with what is stored
of the columns a decision sets (to write only what changed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from potwise.db.models import Transaction, table_of
from potwise.db.types import sqlite_text
from potwise.domain import classify as domain

#: Ids per IN (...) list.
CHUNK = 500
_READ_BATCH = 5000

# The columns classification reads: the fields of `domain.Txn` in order, then the stored
# merchant key.
_COLUMNS = (
    Transaction.id,
    Transaction.account_id,
    Transaction.created_at,
    Transaction.amount,
    Transaction.currency,
    Transaction.status,
    Transaction.description,
    Transaction.merchant,
    Transaction.counterparty,
    Transaction.provider_category,
    Transaction.pot_external_id,
    Transaction.category,
    Transaction.category_source,
    Transaction.classification,
    Transaction.classification_source,
    Transaction.classification_reason,
    Transaction.linked_transaction_id,
    Transaction.merchant_key,
)


@dataclass(slots=True)
class Row:
    """A transaction as classification sees it, with what is stored of its decision."""

    txn: domain.Txn
    # What is stored of the columns a decision sets, in `domain.Outcome`'s order.
    stored: tuple[Any, ...]
    # SQLite's own row number, when the row was read in a full run: the write finds the
    # row by it (checking the id too) instead of seeking the primary key index.
    rowid: int | None = None

    @property
    def merchant_key(self) -> str | None:
        key: str | None = self.stored[0]
        return key


def _stored(values: Sequence[Any]) -> tuple[Any, ...]:
    # `_COLUMNS` from `Transaction.category` to `linked_transaction_id` are the last six
    # columns of `domain.Outcome`; the merchant key is its first.
    return (values[17], *values[11:17])


def _row(values: Sequence[Any]) -> Row:
    # `_COLUMNS` lists the fields of `domain.Txn` in order, then the stored merchant key.
    return Row(domain.Txn(*values[:17]), _stored(values))


def _load(db: Session, user_id: str, *conditions: Any) -> dict[str, Row]:
    statement = select(*_COLUMNS).where(Transaction.user_id == user_id, *conditions)
    return {values[0]: _row(values) for values in db.execute(statement)}


def _conditions(
    marker: str,
    moment: Callable[[datetime], Any],
    user_id: str,
    *,
    since: datetime | None,
    until: datetime | None,
    unclassified: bool,
    connection_ids: Sequence[str],
    updated_since: datetime | None,
) -> tuple[list[str], list[Any]]:
    """The WHERE clauses of :func:`read` and their parameters, in order."""
    conditions = [f"user_id = {marker}"]
    parameters: list[Any] = [user_id]
    if since is not None:
        conditions.append(f"created_at >= {marker}")
        parameters.append(moment(since))
    if until is not None:
        conditions.append(f"created_at <= {marker}")
        parameters.append(moment(until))
    if unclassified:
        conditions.append("classification IS NULL")
    if connection_ids:
        conditions.append(f"connection_id IN ({', '.join(marker for _ in connection_ids)})")
        parameters.extend(connection_ids)
    if updated_since is not None:
        conditions.append(f"updated_at >= {marker}")
        parameters.append(moment(updated_since))
    return conditions, parameters


def load_all(db: Session, user_id: str) -> dict[str, Row]:
    """Every row of the user, read straight from the driver's cursor in batches: at
    100,000 rows SQLAlchemy's per-row result handling cost more than the query."""
    return read(db, user_id)


def read(
    db: Session,
    user_id: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    unclassified: bool = False,
    connection_ids: Sequence[str] = (),
    updated_since: datetime | None = None,
) -> dict[str, Row]:
    """The user's rows that meet every condition given, read as :func:`load_all` reads:
    `since`/`until` bound `created_at` (inclusive), `unclassified` keeps rows never
    classified, `connection_ids` with `updated_since` keeps what a sync of those
    connections wrote."""
    connection = db.connection()
    sqlite = connection.dialect.name == "sqlite"
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"

    def moment(value: datetime) -> Any:
        # As the column type stores it: naive UTC text on SQLite (db.types).
        return sqlite_text(value) if sqlite else value

    conditions, parameters = _conditions(
        marker,
        moment,
        user_id,
        since=since,
        until=until,
        unclassified=unclassified,
        connection_ids=connection_ids,
        updated_since=updated_since,
    )
    names = ", ".join(column.key for column in _COLUMNS) + (", rowid" if sqlite else "")
    statement = f"SELECT {names} FROM transactions WHERE {' AND '.join(conditions)}"  # noqa: S608
    return _fetch(connection.connection, statement, tuple(parameters), sqlite=sqlite)


def _fetch(
    dbapi_connection: Any, statement: str, parameters: tuple[Any, ...], *, sqlite: bool
) -> dict[str, Row]:
    """The rows `statement` selects (the columns above, then SQLite's row number), in
    batches off the driver's cursor."""
    rows: dict[str, Row] = {}
    parse = datetime.fromisoformat
    make_txn = domain.Txn
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(statement, parameters)
        while batch := cursor.fetchmany(_READ_BATCH):
            if sqlite:
                # Stored as naive UTC text (see db.types.UTCDateTime); parsing it with
                # its offset is several times cheaper than replacing the zone after.
                for values in batch:
                    txn = make_txn(values[0], values[1], parse(values[2] + "+00:00"), *values[3:17])
                    rows[values[0]] = Row(txn, _stored(values), values[18])
            else:
                for values in batch:
                    txn = make_txn(values[0], values[1], _utc(values[2]), *values[3:17])
                    rows[values[0]] = Row(txn, _stored(values))
    finally:
        cursor.close()
    return rows


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is UTC:
        return moment
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


# What every sync's classification asks first, built once on the table.
_TXNS = table_of(Transaction)
_OF_USER = _TXNS.c.user_id == bindparam("user_id")
ANY_UNCLASSIFIED = select(_TXNS.c.id).where(_OF_USER, _TXNS.c.classification.is_(None)).limit(1)
ANY_CLASSIFIED = select(_TXNS.c.id).where(_OF_USER, _TXNS.c.classification.is_not(None)).limit(1)


def has_row(db: Session, user_id: str, statement: Any) -> bool:
    """Whether `statement` (one of the prebuilt questions above) finds a row of the user."""
    return db.scalar(statement, {"user_id": user_id}) is not None


def load_ids(db: Session, user_id: str, ids: Iterable[str]) -> dict[str, Row]:
    """The user's rows with these ids."""
    wanted = sorted(set(ids))
    found: dict[str, Row] = {}
    for start in range(0, len(wanted), CHUNK):
        found.update(_load(db, user_id, Transaction.id.in_(wanted[start : start + CHUNK])))
    return found


def existing_ids(db: Session, user_id: str, ids: Iterable[str]) -> set[str]:
    """Which of these ids are still the user's rows."""
    wanted = sorted(set(ids))
    found: set[str] = set()
    for start in range(0, len(wanted), CHUNK):
        found.update(
            db.scalars(
                select(Transaction.id).where(
                    Transaction.user_id == user_id,
                    Transaction.id.in_(wanted[start : start + CHUNK]),
                )
            )
        )
    return found
