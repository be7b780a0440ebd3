"""One migrating process at a time, across every process that starts together.

Web replicas, the worker and a `potwise db upgrade` may all start at once and each
migrate first. Whoever takes the lock migrates; the others wait for it, then find
the database at head and do nothing.

- PostgreSQL: a session-level advisory lock on a fixed key, taken on a connection
  of its own and held for the whole upgrade (Alembic's own connection commits as it
  goes, which would drop a transaction-level lock). The key is per database, so two
  schemas in one database migrate one after the other, which is harmless.
- SQLite: an exclusive `flock` on `<database file>.migrate.lock` beside the database.
  The kernel drops it when the process dies, so a crash never leaves it held.
  In-memory databases belong to one process and take no lock.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import structlog
from sqlalchemy import Engine, text

log = structlog.get_logger(__name__)

# Any fixed 64-bit number, the same in every potwise process: b"potwise!" read as an int.
ADVISORY_KEY = int.from_bytes(b"potwise!", "big", signed=True)
LOCK_SUFFIX = ".migrate.lock"


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """Hold the database's migration lock for the block; wait while another holds it."""
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine):
            yield
        return
    path = sqlite_lock_path(engine)
    if path is None:
        yield
        return
    with _file_lock(path):
        yield


def sqlite_lock_path(engine: Engine) -> Path | None:
    """`<database file>.migrate.lock`, or None for an in-memory database."""
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser().with_name(Path(database).name + LOCK_SUFFIX)


@contextmanager
def _advisory_lock(engine: Engine) -> Iterator[None]:
    with engine.connect() as connection:
        taken = connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}
        ).scalar_one()
        if not taken:
            log.info("db.migrate_waiting", lock="advisory")
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_KEY})
        # The lock belongs to the session, not the transaction: end the transaction so
        # the connection does not sit idle in one for the length of the upgrade.
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
            connection.commit()


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    # The file stays: removing it would let a process that opened the old one and a
    # process that created a new one both hold "the" lock.
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("db.migrate_waiting", lock="file")
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)
