"""Alembic, driven from code: upgrade, current revision, and a models-vs-migrations check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from potwise.db.migration_lock import migration_lock
from potwise.db.models import Base
from potwise.db.queue_schema import is_queue_table

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    """An Alembic config that runs on `engine` (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to `revision`, under the database's migration lock: of the
    processes starting together one migrates, the others wait and then find nothing
    left to do."""
    with migration_lock(engine):
        command.upgrade(alembic_config(engine), revision)


def head_revision() -> str | None:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    return script.get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_at_head(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()


def _ours(name: str | None, type_: str, _parent: Any) -> bool:
    # The task queue's tables (migration 0020, PostgreSQL only) are no model's.
    return not (type_ == "table" and is_queue_table(name or ""))


def model_drift(engine: Engine) -> list[Any]:
    """Differences between the models and the migrated database (empty when they agree);
    the task queue's own tables are not the models' business."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "render_as_batch": True, "include_name": _ours},
        )
        return list(compare_metadata(context, Base.metadata))
