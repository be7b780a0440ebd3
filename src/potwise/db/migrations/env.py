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
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,  # SQLite ALTERs go through table copies
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
