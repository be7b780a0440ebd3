"""The database a restore goes into: is it empty, and making room for the backup."""

from __future__ import annotations

from sqlalchemy import Engine, MetaData, inspect, select, table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from potwise.db.queue_schema import drop_queue_schema, is_queue_table
from potwise.services.backup.errors import BackupError

KINDS = ("sqlite", "postgresql")
# Alembic's own bookkeeping: a migrated but unused database has one row here.
_BOOKKEEPING = "alembic_version"


def database_kind(database_url: str) -> str:
    """`sqlite` or `postgresql`, the kinds a backup knows."""
    kind = make_url(database_url).get_backend_name()
    if kind not in KINDS:
        raise BackupError(f"backups know SQLite and PostgreSQL, not {kind}")
    return kind


def unreachable(exc: OperationalError) -> BackupError:
    """The driver's first line (it names the host, never the password)."""
    lines = str(exc.orig or exc).strip().splitlines()
    return BackupError(f"cannot reach the database: {lines[0] if lines else 'no reason given'}")


def tables_with_rows(engine: Engine) -> list[str]:
    """The tables (Alembic's and the task queue's aside: no one's data) that hold at
    least one row."""
    try:
        return _tables_with_rows(engine)
    except OperationalError as exc:
        raise unreachable(exc) from exc


def _tables_with_rows(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        names = inspect(connection).get_table_names()
        return [
            name
            for name in sorted(names)
            if name != _BOOKKEEPING
            and not is_queue_table(name)
            and connection.execute(select(1).select_from(table(name)).limit(1)).first() is not None
        ]


def drop_empty_tables(engine: Engine) -> None:
    """Drop the tables of an empty migrated schema, so the backup's own come in whole.

    Only called once `tables_with_rows` found none holding a row."""
    metadata = MetaData()
    with engine.begin() as connection:
        # The queue's functions depend on its tables: they go first, together.
        drop_queue_schema(connection)
        metadata.reflect(connection)
        metadata.drop_all(connection)
