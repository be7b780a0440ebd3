"""Engines and sessions: SQLite (WAL, foreign keys on) by default, PostgreSQL alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
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
        return engine
    if schema is not None:
        kwargs["connect_args"] = {"options": f"-csearch_path={schema}"}
    kwargs["pool_pre_ping"] = True
    return create_engine(url, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit (services return them)."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
