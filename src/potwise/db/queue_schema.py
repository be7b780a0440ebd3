"""The task queue's own objects in a PostgreSQL database (migration 0020 creates them).

procrastinate keeps its jobs, workers and periodic defers in tables, types and
functions of its own, created unqualified in the first schema of the search path.
They are no model's: the models-vs-migrations check leaves them out, and what
drops potwise's tables (a migration's downgrade, a restore making room) drops
them with this.
"""

from __future__ import annotations

from sqlalchemy import Connection

#: Every queue object's name starts so.
PREFIX = "procrastinate_"
_TABLES = (
    "procrastinate_events",
    "procrastinate_periodic_defers",
    "procrastinate_jobs",
    "procrastinate_workers",
)
_TYPES = (
    "procrastinate_job_to_defer_v1",
    "procrastinate_job_event_type",
    "procrastinate_job_status",
)


def is_queue_table(name: str) -> bool:
    return name.startswith(PREFIX)


def drop_queue_schema(connection: Connection) -> None:
    """Drop the queue's tables, functions and types from the current schema (PostgreSQL;
    nothing to do elsewhere)."""
    if connection.dialect.name != "postgresql":
        return
    for name in _TABLES:
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {name} CASCADE")
    functions = connection.exec_driver_sql(
        "SELECT p.oid::regprocedure::text FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate%%'"
    ).fetchall()
    for (signature,) in functions:
        connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {signature} CASCADE")
    for name in _TYPES:
        connection.exec_driver_sql(f"DROP TYPE IF EXISTS {name} CASCADE")
