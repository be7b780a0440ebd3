"""Writing the decisions that changed, all in the caller's one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.staging import staged
from potwise.db.types import sqlite_text
from potwise.domain import classify as domain
from potwise.services.insight.classify.reading import Row

_UPDATE_BATCH = 1000
_PG_UPDATE_BATCH = 5000
# From this many changed rows, PostgreSQL copies them into a staging table and updates
# from it in one statement (a fixed cost of about 2 ms: the temporary table).
COPY_MIN_ROWS = 1000


def changes_of(rows: dict[str, Row], outcomes: dict[str, domain.Outcome]) -> list[Change]:
    """The outcomes that differ from what is stored, with the row they go to."""
    changed: list[Change] = []
    for tid, outcome in outcomes.items():
        row = rows[tid]
        if row.stored != outcome:
            # `_UPDATE_COLUMNS` are `domain.Outcome`'s fields, in order.
            changed.append(Change((*outcome, tid), row.rowid))
    return changed


_UPDATE_COLUMNS = (
    "merchant_key",
    "category",
    "category_source",
    "classification",
    "classification_source",
    "classification_reason",
    "linked_transaction_id",
)


@dataclass(slots=True)
class Change:
    """One row's new decision."""

    values: tuple[Any, ...]  # `_UPDATE_COLUMNS` in order, then the transaction's id
    rowid: int | None


def store(db: Session, changes: list[Change]) -> None:
    """Write the changed rows, all in the caller's one transaction (it commits once, so a
    run that fails half-way leaves every row, and both halves of every pair, as they were).

    Straight through the driver: at 100,000 rows SQLAlchemy's per-row parameter
    handling cost more than the writes. SQLite runs one prepared UPDATE with many
    parameter sets, in row order, finding each row by its row number (and checking its
    id); PostgreSQL updates thousands of rows per statement from arrays, or, for a
    large run, copies the changes into a staging table and updates from it at once.
    """
    connection = db.connection()
    # Every row written carries the time it changed, as an ORM write would: the spending
    # breakdowns and the cash-flow detection kept in memory watch the latest `updated_at`
    # to know that a user's transactions changed.
    now = clock.now()
    if connection.dialect.name == "postgresql":
        if len(changes) >= COPY_MIN_ROWS:
            store_by_copy(db, changes, now)
        else:
            store_by_arrays(db, changes, now)
        return
    with _indexes_rebuilt(connection, _rewrites_most(connection, len(changes))):
        _store_sqlite(connection, changes, now)


def _store_sqlite(connection: Any, changes: list[Change], now: datetime) -> None:
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    assignments = ", ".join(f"{name} = {marker}" for name in _UPDATE_COLUMNS)
    assignments += f", updated_at = '{sqlite_text(now)}'"
    by_id = f"UPDATE transactions SET {assignments} WHERE id = {marker}"  # noqa: S608
    located = [c for c in changes if c.rowid is not None]
    rest = [c.values for c in changes if c.rowid is None]
    if located:
        located.sort(key=lambda c: c.rowid or 0)
        by_rowid = f"{by_id} AND rowid = {marker}"
        written = 0
        for start in range(0, len(located), _UPDATE_BATCH):
            batch = [(*c.values, c.rowid) for c in located[start : start + _UPDATE_BATCH]]
            written += connection.exec_driver_sql(by_rowid, batch).rowcount
        if written != len(located):
            # Row numbers moved since the read (a VACUUM) or rows went away: write those
            # by id alone (writing a row twice with the same values is harmless).
            rest.extend(c.values for c in located)
    for start in range(0, len(rest), _UPDATE_BATCH):
        connection.exec_driver_sql(by_id, rest[start : start + _UPDATE_BATCH])


# A run that rewrites at least this many rows, and at least half of the table, has
# SQLite build the indexes over the columns it writes afresh (see _indexes_rebuilt).
_REBUILD_MIN_ROWS = 20_000
# The columns a run writes: an index over any of them changes with every row written.
_WRITTEN = frozenset((*_UPDATE_COLUMNS, "updated_at"))


def _rewrites_most(connection: Any, rows: int) -> bool:
    if rows < _REBUILD_MIN_ROWS:
        return False
    total = connection.exec_driver_sql("SELECT count(*) FROM transactions").scalar()
    return rows * 2 >= int(total or 0)


@contextmanager
def _indexes_rebuilt(connection: Any, rebuild: bool) -> Iterator[None]:
    """On SQLite, when a run rewrites most of the table (a first sync, or everything
    classified again on a one-household instance), the indexes over the columns it
    writes are dropped first and built again afterwards, from their own definitions,
    in the same transaction.

    Changing an index entry is a delete and an insert in its B-tree, a random place in
    it for each row; building the index sorts once. At 100,000 rows building four
    indexes cost about half of keeping them up to date row by row. Readers keep
    their snapshot, indexes included (write-ahead log); a failed run rolls the drop
    back with the rest. The indexes are built again whatever happens in the block, so
    no caller can commit a table without them.
    """
    if not rebuild:
        yield
        return
    kept: list[str] = []
    indexes = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master "
        "WHERE type = 'index' AND tbl_name = 'transactions' AND sql IS NOT NULL"
    ).all()
    for name, definition in indexes:
        columns = {row[2] for row in connection.exec_driver_sql(f'PRAGMA index_info("{name}")')}
        # A partial index may name a written column in its condition alone.
        if columns & _WRITTEN or " where " in definition.lower():
            kept.append(definition)
            connection.exec_driver_sql(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        for definition in kept:
            connection.exec_driver_sql(definition)


def store_by_arrays(db: Session, changes: list[Change], now: datetime) -> None:
    """PostgreSQL, a few rows: the changes in batches, each one UPDATE joining the table
    to the new values unnested from arrays."""
    # One statement per batch joins the table to the new values unnested from arrays
    # (one parameter per column): no per-row round trip, parse or plan.
    names = (*_UPDATE_COLUMNS, "id")
    arrays = ", ".join("%s::text[]" for _ in names)
    assignments = ", ".join(f"{name} = v.{name}" for name in _UPDATE_COLUMNS)
    statement = (
        f"UPDATE transactions AS t SET {assignments}, updated_at = %s "  # noqa: S608 - ours
        f"FROM unnest({arrays}) AS v({', '.join(names)}) WHERE t.id = v.id"
    )
    connection = db.connection()
    for start in range(0, len(changes), _PG_UPDATE_BATCH):
        columns = zip(*(c.values for c in changes[start : start + _PG_UPDATE_BATCH]), strict=True)
        connection.exec_driver_sql(statement, (now, *(list(column) for column in columns)))


_STAGE = "potwise_staged_decisions"
_STAGED_COLUMNS = (*_UPDATE_COLUMNS, "id")
_STAGED_UPDATE = (
    "UPDATE transactions AS t SET "  # noqa: S608 - names fixed above
    + ", ".join(f"{name} = v.{name}" for name in _UPDATE_COLUMNS)
    + f", updated_at = %s FROM {_STAGE} AS v WHERE t.id = v.id"
)


def store_by_copy(db: Session, changes: list[Change], now: datetime) -> None:
    """PostgreSQL, many rows: COPY the changes (new values, then the id) into a staging
    table typed as the transactions' columns, then one UPDATE from it. The client sends
    rows instead of building one array per column, and the server plans a single join."""
    connection = db.connection()
    with staged(connection, _STAGE, "transactions", _STAGED_COLUMNS, (c.values for c in changes)):
        connection.exec_driver_sql(_STAGED_UPDATE, (now,))
