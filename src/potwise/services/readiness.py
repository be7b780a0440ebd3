"""Whether the service can take requests: the database answers, its schema is current."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from potwise.db import migrate


@dataclass(frozen=True)
class Readiness:
    database_reachable: bool
    migrations_current: bool | None  # None when the database could not be asked


def check(engine: Engine) -> Readiness:
    """Ask the database for `SELECT 1`, then whether every migration is applied."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return Readiness(database_reachable=False, migrations_current=None)
    return Readiness(database_reachable=True, migrations_current=migrate.is_at_head(engine))
