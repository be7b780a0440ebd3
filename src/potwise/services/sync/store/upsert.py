"""The idempotent, batched upsert every write of the mirror goes through.

Every row is keyed by (connection_id, external_id), so running the same sync
twice changes nothing. Inserts go in batches through the dialect's
`INSERT ... ON CONFLICT DO UPDATE` (SQLite and PostgreSQL alike), one cached
statement executed with many parameter sets. On PostgreSQL a large write
(`COPY_MIN_ROWS` rows or more) is instead copied into a temporary staging table
and moved into place by one `INSERT ... SELECT` with the very same `ON CONFLICT`
clause (`potwise.db.staging`): the same rows win, the same columns change.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, column, or_, select
from sqlalchemy import table as table_clause
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from potwise.db.staging import staged
from potwise.db.types import UTCDateTime, sqlite_text

BATCH_SIZE = 1000
# From this many rows in one call, PostgreSQL writes through COPY and a staging table
# (about 2 ms of fixed cost: creating and dropping the temporary table).
COPY_MIN_ROWS = 1000


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


def upsert(
    db: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    update_columns: Iterable[str],
    conflict: Sequence[str] = ("connection_id", "external_id"),
) -> None:
    """Insert `rows` into `table`, or refresh `update_columns` of the rows already
    stored under the same `conflict` key."""
    if not rows:
        return
    dialect = db.get_bind().dialect
    if dialect.name == "sqlite":
        driver = _driver_upsert(
            dialect, table, tuple(rows[0]), tuple(update_columns), tuple(conflict)
        )
        connection = db.connection()
        for start in range(0, len(rows), BATCH_SIZE):
            batch = driver.parameters(rows[start : start + BATCH_SIZE])
            connection.exec_driver_sql(driver.sql, batch)
        return
    if len(rows) >= COPY_MIN_ROWS and copyable(table, rows, conflict):
        upsert_by_copy(db, table, rows, update_columns, conflict)
    else:
        upsert_by_statement(db, table, rows, update_columns, conflict)


def upsert_by_statement(
    db: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    update_columns: Iterable[str],
    conflict: Sequence[str] = ("connection_id", "external_id"),
) -> None:
    """PostgreSQL's upsert for a few rows: one statement per row, sent in batches."""
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


def copyable(table: Table, rows: Sequence[dict[str, Any]], conflict: Sequence[str]) -> bool:
    """Whether one `INSERT ... SELECT` gives what one statement per row gives: every
    conflict key appears once (one statement cannot update a row twice, where row by
    row the later row updates the earlier), and no column the rows leave out has a
    default computed in Python (which SQLAlchemy fills in per row)."""
    given = rows[0].keys()
    if any(c.default is not None and c.name not in given for c in table.columns):
        return False
    keys = {tuple(row[name] for name in conflict) for row in rows}
    return len(keys) == len(rows)


@dataclass(frozen=True)
class _StagedUpsert:
    """The statement moving staged rows into `table`, and how to convert each row."""

    sql: str
    columns: tuple[str, ...]
    converters: tuple[tuple[int, Any], ...]


_STAGE = "potwise_staged_upsert"
_STAGED_UPSERTS: dict[tuple[Any, ...], _StagedUpsert] = {}


def _staged_upsert(
    dialect: Any,
    table: Table,
    columns: tuple[str, ...],
    update_columns: tuple[str, ...],
    conflict: tuple[str, ...],
) -> _StagedUpsert:
    key = (table.name, columns, update_columns, conflict)
    found = _STAGED_UPSERTS.get(key)
    if found is not None:
        return found
    stage = table_clause(_STAGE, *(column(name) for name in columns))
    insert = postgresql.insert(table).from_select(list(columns), select(*stage.c))
    statement = _on_conflict(insert, table, update_columns, conflict)
    converters = tuple(
        (index, convert)
        for index, name in enumerate(columns)
        if (convert := table.c[name].type.bind_processor(dialect)) is not None
    )
    found = _StagedUpsert(str(statement.compile(dialect=dialect)), columns, converters)
    with _STATEMENTS_LOCK:
        _STAGED_UPSERTS[key] = found
    return found


def upsert_by_copy(
    db: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    update_columns: Iterable[str],
    conflict: Sequence[str] = ("connection_id", "external_id"),
) -> None:
    """PostgreSQL's upsert for many rows: COPY into a staging table, then one
    `INSERT ... SELECT ... ON CONFLICT DO UPDATE` with the clause the row-by-row
    statement has (see :func:`copyable` for when the two agree)."""
    connection = db.connection()
    plan = _staged_upsert(
        connection.dialect, table, tuple(rows[0]), tuple(update_columns), tuple(conflict)
    )
    with staged(connection, _STAGE, table.name, plan.columns, _converted(plan, rows)):
        connection.exec_driver_sql(plan.sql)


def _converted(plan: _StagedUpsert, rows: Sequence[dict[str, Any]]) -> Iterator[list[Any]]:
    """Each row's values in the plan's column order, through the column types' bind
    processors (timestamps: aware, in UTC; a naive one is refused as ever)."""
    columns, converters = plan.columns, plan.converters
    for row in rows:
        values = [row[name] for name in columns]
        try:
            for index, convert in converters:
                values[index] = convert(values[index])
        except Exception as error:
            # Raised as SQLAlchemy raises a value its column type refuses, row by row.
            raise StatementError(str(error), plan.sql, None, error) from error
        yield values
