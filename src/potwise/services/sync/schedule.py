"""Which connections to sync: on request, on the scheduler's cycle, while awaiting approval.

Monzo has no cap: every cycle. A TrueLayer consent answers only a few
unattended calls a day, so its refreshes follow a plan (`refresh_plan`), checked on
every cycle and every minute between them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from potwise.db.models import Connection
from potwise.services import connections
from potwise.services.connections import ConnectionsContext
from potwise.services.sync import refresh_plan


def owners(ctx: ConnectionsContext, connection_ids: Iterable[str]) -> dict[str, str]:
    """The user of each connection (connections that no longer exist are left out)."""
    wanted = sorted(set(connection_ids))
    found: dict[str, str] = {}
    with ctx.session_factory() as db:
        for start in range(0, len(wanted), 500):
            rows = db.execute(
                select(Connection.id, Connection.user_id).where(
                    Connection.id.in_(wanted[start : start + 500])
                )
            )
            found.update({str(r[0]): str(r[1]) for r in rows})
    return found


def due_connection_ids(ctx: ConnectionsContext, user_id: str | None = None) -> list[str]:
    """Connections to sync now on request (re-connect-needed and unapproved ones are left alone)."""
    with ctx.session_factory() as db:
        statement = select(Connection.id).where(
            Connection.status.not_in(
                [connections.STATUS_NEEDS_RECONNECT, connections.STATUS_AWAITING_APPROVAL]
            )
        )
        if user_id is not None:
            statement = statement.where(Connection.user_id == user_id)
        return list(db.scalars(statement.order_by(Connection.created_at)))


def scheduled_connection_ids(ctx: ConnectionsContext, now: datetime) -> list[str]:
    """Connections a scheduled cycle should sync now: every Monzo one (Monzo has no
    cap), and the TrueLayer ones whose refresh plan says so (`refresh_plan`: a
    consent answers only a few unattended calls a day)."""
    due = due_connection_ids(ctx)
    if not due:
        return due
    with ctx.session_factory() as db:
        monzo = set(
            db.scalars(
                select(Connection.id).where(
                    Connection.id.in_(due), Connection.provider != "truelayer"
                )
            )
        )
    planned = set(refresh_plan.due_ids(ctx, now))
    return [c for c in due if c in monzo or c in planned]


def awaiting_approval_ids(ctx: ConnectionsContext) -> list[str]:
    """Monzo connections waiting for the user's approval in the app (polled until given)."""
    with ctx.session_factory() as db:
        return list(
            db.scalars(
                select(Connection.id).where(
                    Connection.provider == "monzo",
                    Connection.status == connections.STATUS_AWAITING_APPROVAL,
                )
            )
        )
