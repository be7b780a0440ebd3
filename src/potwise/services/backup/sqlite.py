"""SQLite: an online, consistent copy with SQLite's backup API, and loading one back.

The backup API copies the database as one read transaction, so the app may keep
running (and writing, in WAL mode) while it is taken.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

from potwise.services.backup.errors import BackupError

_BUSY_SECONDS = 30


def database_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("only a SQLite database in a file can be backed up or restored")
    return Path(database).expanduser()


def dump(database_url: str, into: Path) -> str:
    """Copy the database into the file `into`; its Alembic revision is returned."""
    source = database_path(database_url)
    if not source.is_file():
        raise BackupError(f"there is no database at {source}")
    try:
        with (
            closing(sqlite3.connect(source, timeout=_BUSY_SECONDS)) as live,
            closing(sqlite3.connect(into)) as copy,
        ):
            live.backup(copy)
            # One self-contained file: no write-ahead log beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
            revision = _revision(copy)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot copy the database at {source}: {exc}") from exc
    if revision is None:
        raise BackupError(
            f"{source} has no potwise schema (no migration applied); nothing to back up"
        )
    return revision


def _revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    return str(row[0]) if row else None


def load(database_url: str, copy: Path) -> None:
    """Replace the (empty) database's content with the copy, page by page."""
    target = database_path(database_url)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with (
            closing(sqlite3.connect(copy)) as source,
            closing(sqlite3.connect(target, timeout=_BUSY_SECONDS)) as live,
        ):
            source.backup(live)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot write the database at {target}: {exc}") from exc
