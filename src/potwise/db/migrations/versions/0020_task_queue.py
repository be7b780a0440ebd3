"""task queue: procrastinate's schema, on PostgreSQL only

On PostgreSQL the scheduled work runs as procrastinate tasks (`potwise.jobs.queue`),
whose jobs, workers and periodic defers live in tables and functions of their own.
They are created here, from the SQL the installed procrastinate ships
(`SchemaManager.get_schema()`), unqualified, so they land in the first schema of the
connection's search path, beside potwise's own tables. SQLite keeps the in-process
scheduler and gets nothing.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 12:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

from potwise.db.queue_schema import drop_queue_schema

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _driver_execute(sql: str) -> None:
    # The schema is many statements with `%` inside; the driver runs it as one script
    # without parameters (nothing is interpolated), in the migration's transaction.
    cursor = op.get_bind().connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
    finally:
        cursor.close()


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    from procrastinate.schema import SchemaManager

    _driver_execute(SchemaManager.get_schema())


def downgrade() -> None:
    drop_queue_schema(op.get_bind())
