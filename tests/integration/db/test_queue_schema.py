"""Migration 0020: procrastinate's schema on PostgreSQL, in the database's own schema."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import Engine, text

from potwise.db import migrate

_COUNTS = text(
    "SELECT "
    "(SELECT count(*) FROM information_schema.tables "
    " WHERE table_name LIKE 'procrastinate%' AND table_schema = current_schema()), "
    "(SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
    " WHERE p.proname LIKE 'procrastinate%' AND n.nspname = current_schema())"
)


def _counts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as connection:
        row = connection.execute(_COUNTS).one()
    return int(row[0]), int(row[1])


def test_sqlite_gets_no_queue_tables(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with engine.connect() as connection:
        names = connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE name LIKE 'procrastinate%'"
        ).all()
    assert names == []
    assert migrate.is_at_head(engine)


def test_queue_schema_lands_in_the_search_paths_schema_and_comes_off_again(
    engine: Engine,
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    # The engine's search path is this test run's own schema: the queue's tables and
    # functions are counted there (current_schema()), not in public.
    tables, functions = _counts(engine)
    assert tables == 4  # jobs, workers, periodic defers, events
    assert functions > 10
    config = migrate.alembic_config(engine)
    try:
        command.downgrade(config, "0019")
        assert _counts(engine) == (0, 0)
    finally:
        migrate.upgrade(engine)
    assert _counts(engine) == (tables, functions)
