"""PostgreSQL bulk writes: rows loaded with COPY into a temporary staging table.

A large write (a bank's whole history, a full re-classification) sent as one
statement per row costs a round trip, a bind and an executor start for each
row. COPY streams the rows into a temporary table in one protocol exchange;
one set-based statement then moves them into place (`INSERT … SELECT … ON
CONFLICT`, `UPDATE … FROM`), so the rules about which rows and columns change
stay in SQL the caller wrote, not in this module.

The staging table lives in the caller's transaction: created with the exact
types of the target's columns (so a value the target would refuse is refused
here, by the same type), dropped when the block ends, and dropped by
PostgreSQL at commit or with a rollback if the block never got there. Table
and column names come from the code (model tables and fixed names), never
from data: they are quoted as identifiers, and the values travel only
through COPY.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import errors, sql
from psycopg.pq import TransactionStatus
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError


@contextmanager
def staged(
    connection: Connection,
    name: str,
    like: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> Iterator[None]:
    """Inside the block, the temporary table `name` holds `rows`, each a sequence of
    values in the order of `columns`, typed as those columns of the table `like`.

    `rows` are already in the database driver's terms (what the column types'
    bind processors return). The table is dropped when the block ends.
    """
    # The driver's own cursor: COPY is psycopg's API, not the DB-API's.
    cursor = connection.connection.cursor()
    driver: Any = cursor
    try:
        _load(driver, name, like, columns, rows)
    except (psycopg.Error, OverflowError) as error:
        # As SQLAlchemy reports a statement's failure everywhere else (DataError,
        # IntegrityError, ...), so callers see one kind of error whichever path wrote.
        # An integer beyond the column's type fails in the binary encoder, before the
        # server could say "out of range" as it does to a statement.
        orig = (
            errors.NumericValueOutOfRange(str(error)) if isinstance(error, OverflowError) else error
        )
        raise DBAPIError.instance(f"COPY {name}", None, orig, psycopg.Error) from error
    finally:
        cursor.close()
    try:
        yield
    finally:
        _drop(connection, name)


def _load(
    driver: Any, name: str, like: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Create the staging table `name` and COPY `rows` into it."""
    names = sql.SQL(", ").join(sql.Identifier(column) for column in columns)
    driver.execute(
        sql.SQL(
            "CREATE TEMPORARY TABLE {name} ON COMMIT DROP AS "
            "SELECT {names} FROM {like} WITH NO DATA"
        ).format(name=sql.Identifier(name), names=names, like=sql.Identifier(like))
    )
    # Binary COPY with the staging table's own column types: the server reads
    # integers and timestamps without parsing text.
    driver.execute(
        "SELECT atttypid FROM pg_attribute WHERE attrelid = %s::regclass "
        "AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        (sql.Identifier(name).as_string(driver),),
    )
    types = [oid for (oid,) in driver.fetchall()]
    statement = sql.SQL("COPY {name} ({names}) FROM STDIN (FORMAT BINARY)").format(
        name=sql.Identifier(name), names=names
    )
    with driver.copy(statement) as copy:
        copy.set_types(types)
        write = copy.write_row
        for row in rows:
            write(row)


def _drop(connection: Connection, name: str) -> None:
    # After a failed statement the transaction is aborted and refuses this too; the
    # rollback that follows removes the table with everything else.
    driver: Any = connection.connection.driver_connection
    if driver.info.transaction_status != TransactionStatus.INERROR:
        cursor = connection.connection.cursor()
        try:
            cursor.execute(sql.SQL("DROP TABLE {name}").format(name=sql.Identifier(name)))
        finally:
            cursor.close()
