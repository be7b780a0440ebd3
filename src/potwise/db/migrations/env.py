"""Alembic environment: the engine is handed in by `potwise.db.migrate`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from potwise.db.engine import make_engine
from potwise.db.models import Base

config = context.config
target_metadata = Base.metadata


def _engine() -> Engine:
    engine = config.attributes.get("engine")
    if engine is not None:
        return engine  # type: ignore[no-any-return]
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database given to the migrations")
    return make_engine(url)


def run_migrations_online() -> None:
    with _engine().connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite's ALTERs copy a table, drop the old one and rename the copy.
            # With foreign keys enforced, dropping `users` would cascade-delete
            # every row that belongs to a user. The pragma only takes effect
            # outside a transaction, so it is set before the migrations begin.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,  # SQLite ALTERs go through table copies
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
            if broken:
                raise RuntimeError(f"the migrations left rows without their parent: {broken[:5]}")


run_migrations_online()
