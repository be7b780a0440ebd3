"""Throw-away migrated databases for the benchmarks (not a benchmark itself).

`database("sqlite", name)` is a fresh SQLite file in a temporary folder;
`database("postgresql", name)` is a fresh schema on `PG_URL`, dropped afterwards
(`pg_schema` gives its name too).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

from potwise.db import migrate
from potwise.db.engine import make_engine

PG_URL = os.environ.get("POTWISE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def database(kind: str, name: str = "bench") -> Iterator[Engine]:
    """A migrated database of `kind` ("sqlite" or "postgresql"), removed on exit."""
    if kind == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="potwise-bench-"))
        engine = make_engine(f"sqlite:///{folder / f'{name}.db'}")
        try:
            migrate.upgrade(engine)
            yield engine
        finally:
            engine.dispose()
            shutil.rmtree(folder, ignore_errors=True)
        return
    with pg_schema("potwise_bench") as (_, engine):
        yield engine


@contextmanager
def pg_schema(prefix: str) -> Iterator[tuple[str, Engine]]:
    """A fresh migrated schema on `PG_URL` (its name starts with `prefix`) and an
    engine on it; the schema is dropped on exit."""
    schema = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(PG_URL, schema=schema)
    try:
        migrate.upgrade(engine)
        yield schema, engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def postgres_available() -> bool:
    try:
        admin = make_engine(PG_URL)
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
        admin.dispose()
    except Exception:  # any failure means "not here"
        return False
    return True
