"""Engines and sessions: SQLite (WAL, foreign keys on) by default, PostgreSQL alike."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
    finally:
        cursor.close()


# How long a write waits for another thread's write transaction (SQLite's own
# busy timeout, set below, is the same).
WRITE_WAIT_SECONDS = 10.0
# Schema changes are writes too (the classifier rebuilds indexes in a transaction).
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")
_HOLDS_LOCK = "potwise_write_lock"


class _WriterLock:
    """One SQLite write transaction at a time per process, handed over at once.

    SQLite allows one writer; a second one waits in SQLite's busy handler,
    which sleeps in growing steps (up to 100 ms) and polls. With a sync
    writing from several threads that sleeping, not the writing, dominated.
    This lock is taken before a transaction's first write and released when
    it commits or rolls back (or its connection goes back to the pool), so
    writers in one process queue and wake the moment the lock frees. Other
    processes still meet SQLite's busy handler, as before.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def install(self, engine: Engine) -> None:
        event.listen(engine, "before_cursor_execute", self._before_execute)
        event.listen(engine, "commit", self._release)
        event.listen(engine, "rollback", self._release)
        event.listen(engine.pool, "checkin", self._checkin)

    def _before_execute(
        self,
        conn: Connection,
        _cursor: Any,
        statement: str,
        _parameters: Any,
        _context: Any,
        _executemany: bool,
    ) -> None:
        if conn.info.get(_HOLDS_LOCK) or not statement.lstrip()[:7].upper().startswith(_WRITES):
            return
        if not self._lock.acquire(timeout=WRITE_WAIT_SECONDS):
            raise OperationalError(statement, None, Exception("database is locked"))
        conn.info[_HOLDS_LOCK] = True

    def _release(self, conn: Connection) -> None:
        if conn.info.pop(_HOLDS_LOCK, False):
            self._lock.release()

    def _checkin(self, _dbapi_connection: Any, record: Any) -> None:
        if record.info.pop(_HOLDS_LOCK, False):
            self._lock.release()


def make_engine(database_url: str, *, schema: str | None = None, echo: bool = False) -> Engine:
    """Create the engine for `database_url`.

    For SQLite the database file's folder is created and the pragmas are set
    on every connection. `schema` (PostgreSQL only) pins the search path, so a
    test run can live in its own schema.
    """
    url = make_url(database_url)
    kwargs: dict[str, Any] = {"echo": echo, "future": True}
    if url.get_backend_name() == "sqlite":
        database = url.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        _WriterLock().install(engine)
        return engine
    if schema is not None:
        kwargs["connect_args"] = {"options": f"-csearch_path={schema}"}
    kwargs["pool_pre_ping"] = True
    return create_engine(url, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit (services return them)."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
