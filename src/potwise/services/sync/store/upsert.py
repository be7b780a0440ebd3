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
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, TypeVar, cast

from psycopg.errors import UniqueViolation
from sqlalchemy import Table, and_, bindparam, column, exists, or_, select
from sqlalchemy import table as table_clause
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from potwise.db.staging import staged
from potwise.db.types import UTCDateTime, aware_utc, sqlite_text

BATCH_SIZE = 1000
# From this many rows in one call, PostgreSQL writes through COPY and a staging table
# (about 2 ms of fixed cost: creating and dropping the temporary table).
COPY_MIN_ROWS = 1000

T = TypeVar("T")


def _insert(dialect: str, table: Table) -> Any:
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"unsupported database {dialect}")


#: What the upserts build once per table and shape: statements and bulk plans.
_BUILT: dict[tuple[Any, ...], Any] = {}
_BUILT_LOCK = threading.Lock()


def _built(key: tuple[Any, ...], build: Callable[[], T]) -> T:
    """`build()`'s result, made once per `key` and kept for the process."""
    found = _BUILT.get(key)
    if found is None:
        with _BUILT_LOCK:
            found = _BUILT.get(key)
            if found is None:
                found = _BUILT[key] = build()
    return cast(T, found)


def _upsert_statement(
    dialect: str, table: Table, update_columns: tuple[str, ...], conflict: tuple[str, ...]
) -> Any:
    return _built(
        ("statement", dialect, table.name, update_columns, conflict),
        lambda: _on_conflict(_insert(dialect, table), table, update_columns, conflict),
    )


def _on_conflict(
    insert: Any, table: Table, update_columns: tuple[str, ...], conflict: tuple[str, ...]
) -> Any:
    """`insert` upserting on `conflict`: a stored row takes the new values of
    `update_columns` when they differ from it (see :func:`_changed`)."""
    return insert.on_conflict_do_update(
        index_elements=list(conflict),
        set_={name: getattr(insert.excluded, name) for name in update_columns},
        where=_changed(table, insert.excluded, update_columns),
    )


def _changed(table: Table, new: Any, update_columns: Iterable[str]) -> Any:
    """The condition for updating a row that is already stored: the bank's answer
    (`new`: the statement's `excluded` or the staged columns) differs from it in some
    column (nulls compared as values). A row the bank sends again unchanged is left
    alone, `updated_at` included, so everything that watches `updated_at`
    (classification of what a sync touched, answers kept in memory) sees only real
    changes."""
    compared = [name for name in update_columns if name != "updated_at"]
    if not compared:
        return None
    return or_(*(table.c[name].is_distinct_from(new[name]) for name in compared))


@dataclass(frozen=True)
class _Plan:
    """A bulk write compiled once: its SQL, the row keys in the order it takes them,
    and which of those positions a column type converts (index, bind processor).

    Both bulk paths run on the driver with plain sequences: SQLAlchemy's per-row
    parameter handling cost about as much CPU as the database's own writing.
    """

    sql: str
    names: tuple[str, ...]
    converters: tuple[tuple[int, Any], ...]

    def values(self, rows: Iterable[dict[str, Any]]) -> Iterator[list[Any]]:
        """Each row's values in the plan's order, through the column types' bind
        processors. A value that is the very object the previous row had there (the
        batch's one `now`, first seen and updated) is converted once, not per row."""
        names = self.names
        pick = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
        last: list[list[Any]] = [[index, convert, None, None] for index, convert in self.converters]
        for row in rows:
            values = list(pick(row))
            try:
                for seen in last:
                    value = values[seen[0]]
                    if value is None:
                        continue
                    if value is not seen[2]:
                        seen[2], seen[3] = value, seen[1](value)
                    values[seen[0]] = seen[3]
            except Exception as error:
                # Raised as SQLAlchemy raises a value its column type refuses, row by row.
                raise StatementError(str(error), self.sql, None, error) from error
            yield values


def _converters(
    table: Table, names: Sequence[str], dialect: Any, timestamp: Callable[[Any], Any]
) -> tuple[tuple[int, Any], ...]:
    """The positions of `names` whose column type converts a value, with the function:
    `timestamp` for UTCDateTime columns (straight, instead of SQLAlchemy's two layers
    of processors), the type's own bind processor for the rest."""
    found = []
    for index, name in enumerate(names):
        column_type = table.c[name].type
        convert = (
            timestamp
            if isinstance(column_type, UTCDateTime)
            else column_type.bind_processor(dialect)
        )
        if convert is not None:
            found.append((index, convert))
    return tuple(found)


def _driver_upsert(
    dialect: Any,
    table: Table,
    columns: tuple[str, ...],
    update_columns: tuple[str, ...],
    conflict: tuple[str, ...],
) -> _Plan:
    """SQLite: the upsert with positional parameters, timestamps as SQLite's text."""

    def build() -> _Plan:
        insert = sqlite.insert(table).values({name: bindparam(name) for name in columns})
        statement = _on_conflict(insert, table, update_columns, conflict)
        compiled = statement.compile(dialect=dialect)
        names = tuple(compiled.positiontup or ())
        if set(names) != set(columns):  # pragma: no cover - a change in how SQLAlchemy compiles
            raise RuntimeError(f"unexpected parameters for {table.name}: {names}")
        converters = _converters(table, names, dialect, sqlite_text)
        return _Plan(compiled.string, names, converters)

    return _built(("sqlite", table.name, columns, update_columns, conflict), build)


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
            batch = list(map(tuple, driver.values(rows[start : start + BATCH_SIZE])))
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
    key = itemgetter(*conflict)
    return len(set(map(key, rows))) == len(rows)


_STAGE = "potwise_staged_upsert"


@dataclass(frozen=True)
class _StagedPlan(_Plan):
    """`sql` moves the staged rows with `ON CONFLICT DO UPDATE`; `update_sql` and
    `insert_sql` do the same in two statements (rows already stored, then the rest)."""

    update_sql: str = ""
    insert_sql: str = ""


def _staged_upsert(
    dialect: Any,
    table: Table,
    columns: tuple[str, ...],
    update_columns: tuple[str, ...],
    conflict: tuple[str, ...],
) -> _StagedPlan:
    """PostgreSQL: the statements moving staged rows into `table`."""

    def build() -> _StagedPlan:
        stage = table_clause(_STAGE, *(column(name) for name in columns))
        insert = postgresql.insert(table).from_select(list(columns), select(*stage.c))
        statement = _on_conflict(insert, table, update_columns, conflict)
        stored = and_(*(table.c[name] == stage.c[name] for name in conflict))
        update = table.update().values({name: stage.c[name] for name in update_columns})
        update = update.where(stored)
        if (changed := _changed(table, stage.c, update_columns)) is not None:
            update = update.where(changed)
        new = postgresql.insert(table).from_select(
            list(columns), select(*stage.c).where(~exists().where(stored))
        )
        converters = _converters(table, columns, dialect, aware_utc)
        return _StagedPlan(
            str(statement.compile(dialect=dialect)),
            columns,
            converters,
            update_sql=str(update.compile(dialect=dialect)),
            insert_sql=str(new.compile(dialect=dialect)),
        )

    return _built(("postgresql", table.name, columns, update_columns, conflict), build)


def upsert_by_copy(
    db: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    update_columns: Iterable[str],
    conflict: Sequence[str] = ("connection_id", "external_id"),
) -> None:
    """PostgreSQL's upsert for many rows: COPY into a staging table, then the rows
    already stored are updated (where a column differs, as the row-by-row statement's
    `ON CONFLICT` clause does) and the others inserted (see :func:`copyable` for when
    this agrees with one statement per row).

    Two plain statements, because `ON CONFLICT` costs a speculative insertion per row
    (about 15 % of a first sync's write). Should another writer store one of these
    keys between the two (a webhook's transaction), the insert meets the unique key:
    both are undone to a savepoint and the single `INSERT ... ON CONFLICT DO UPDATE`
    runs instead, which settles such a race as the row-by-row path does.
    """
    connection = db.connection()
    plan = _staged_upsert(
        connection.dialect, table, tuple(rows[0]), tuple(update_columns), tuple(conflict)
    )
    with staged(connection, _STAGE, table.name, plan.names, plan.values(rows)):
        try:
            with connection.begin_nested():
                connection.exec_driver_sql(plan.update_sql)
                connection.exec_driver_sql(plan.insert_sql)
        except IntegrityError as error:
            if not isinstance(error.orig, UniqueViolation):
                raise
            connection.exec_driver_sql(plan.sql)
