"""Each TrueLayer connection's refresh plan, kept: which are due, and what to show.

The plan itself is `potwise.domain.refresh_plan` (when a consent's few unattended
calls a day are spent). This module reads what it needs from the database (the
allowance left, the connection's accounts, its last planned refresh and the
user's zone), says which connections are due now, and runs them. A planned
refresh is a full sync with the scheduler's trigger; a run it sets off decides on
what it has just read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from potwise.db.models import Account, Connection, SyncRun
from potwise.domain.refresh_plan import RefreshPlan, plan_for
from potwise.services import connections, zones
from potwise.services.connections import ConnectionsContext
from potwise.services.errors import NotFound
from potwise.services.sync import allowance
from potwise.settings import Settings

__all__ = ["PLAN_TRIGGER", "due_ids", "plan_of", "run_due", "summary", "view"]

#: The sync trigger of a planned refresh: the scheduler's.
PLAN_TRIGGER = "schedule"
# Connections refreshed side by side when several are due together.
REFRESH_WORKERS = 8


def plan_of(db: Session, settings: Settings, connection: Connection) -> RefreshPlan:
    """The connection's plan: its allowance, over its open accounts and cards."""
    accounts = db.scalar(
        select(func.count())
        .select_from(Account)
        .where(Account.connection_id == connection.id, Account.closed.is_(False))
    )
    return plan_for(settings.unattended_allowance(connection.provider_id), int(accounts or 1))


def _last_attempt(db: Session, connection_id: str) -> tuple[datetime | None, bool]:
    """When the connection was last read in full (a planned refresh, whatever became
    of it, or any full sync that succeeded: one with the user present reads the cards
    as well as a planned one), and whether that attempt failed."""
    row = db.execute(
        select(SyncRun.started_at, SyncRun.status)
        .where(
            SyncRun.connection_id == connection_id,
            SyncRun.trigger != "automation",
            SyncRun.status != "skipped",  # another sync held the connection: it counts
            or_(SyncRun.trigger == PLAN_TRIGGER, SyncRun.status == "succeeded"),
        )
        .order_by(SyncRun.started_at.desc())
        .limit(1)
    ).first()
    if row is None:
        return None, False
    return row[0], row[1] not in ("succeeded", "running")


def _is_due(db: Session, settings: Settings, connection: Connection, now: datetime) -> bool:
    plan = plan_of(db, settings, connection)
    zone = zones.user_zone(db, connection.user_id, settings.timezone)
    last, failed = _last_attempt(db, connection.id)
    free = allowance.remaining(db, connection, plan.allowance, now)
    return plan.due(now, zone, last_attempt=last, last_failed=failed, free_calls=free)


def due_ids(ctx: ConnectionsContext, now: datetime) -> list[str]:
    """TrueLayer connections whose planned refresh is due now (not those waiting
    to be re-connected)."""
    with ctx.session_factory() as db:
        candidates = db.scalars(
            select(Connection)
            .where(
                Connection.provider == "truelayer",
                Connection.status.not_in(
                    [connections.STATUS_NEEDS_RECONNECT, connections.STATUS_AWAITING_APPROVAL]
                ),
            )
            .order_by(Connection.created_at)
        ).all()
        return [c.id for c in candidates if _is_due(db, ctx.settings, c, now)]


def run_due(ctx: ConnectionsContext, now: datetime) -> int:
    """Refresh every connection whose plan says so; returns how many ran."""
    from potwise.services.sync import engine  # engine → schedule → this module

    ids = due_ids(ctx, now)
    if ids:
        engine.sync_many(ctx, ids, trigger=PLAN_TRIGGER, max_workers=REFRESH_WORKERS)
    return len(ids)


def view(db: Session, settings: Settings, connection: Connection, now: datetime) -> dict[str, Any]:
    """What the connections page shows of the plan: the day's times (the user's
    zone), what a refresh costs, when the last ran and when the next is."""
    plan = plan_of(db, settings, connection)
    zone: ZoneInfo = zones.user_zone(db, connection.user_id, settings.timezone)
    last, failed = _last_attempt(db, connection.id)
    upcoming = plan.next_slot(now, zone)
    if _is_due(db, settings, connection, now):
        upcoming = now
    return {
        "times": [moment.strftime("%H:%M") for moment in plan.times],
        "calls_per_refresh": plan.calls_per_refresh,
        "allowance": plan.allowance,
        "last_refresh_at": last,
        "last_refresh_failed": failed,
        "next_refresh_at": upcoming,
        "timezone": zone.key,
    }


def summary(db: Session, settings: Settings, connection_id: str, now: datetime) -> dict[str, Any]:
    """The connection's unattended allowance (what is left of it) with its plan."""
    connection = db.get(Connection, connection_id)
    if connection is None:
        raise NotFound("No such connection.")
    budget = allowance.summary(db, settings, connection_id, now)
    return {**budget, "plan": view(db, settings, connection, now)}
