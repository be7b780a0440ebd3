"""Which connections to sync: on request, on the scheduler's cycle, while awaiting approval.

Monzo has no cap: every cycle. A TrueLayer consent answers only a few
unattended calls a day, so the cycle spaces its syncs to what its allowance
can pay for.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from potwise.db.models import Account, Connection, SyncRun
from potwise.services import connections
from potwise.services.connections import ConnectionsContext


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


# Calls every unattended TrueLayer sync needs at least, per account or card.
ESSENTIAL_CALLS_PER_ACCOUNT = 2


def scheduled_connection_ids(ctx: ConnectionsContext, now: datetime) -> list[str]:
    """Connections a scheduled cycle should sync now.

    Monzo has no cap: every cycle. A TrueLayer consent answers only a few
    unattended calls a day, so it is synced no more often than its allowance
    can pay for the essential calls (balance and pending of each account or
    card) — spread over the day instead of spent in the first hour.
    """
    due = due_connection_ids(ctx)
    if not due:
        return due
    with ctx.session_factory() as db:
        rows = db.execute(
            select(Connection.id, Connection.provider, Connection.provider_id).where(
                Connection.id.in_(due)
            )
        ).all()
        chosen = [
            connection_id
            for connection_id, provider, provider_id in rows
            if provider != "truelayer" or _allowance_pays(ctx, db, connection_id, provider_id, now)
        ]
    return [c for c in due if c in set(chosen)]


def _allowance_pays(
    ctx: ConnectionsContext, db: Session, connection_id: str, provider_id: str | None, now: datetime
) -> bool:
    """Whether a TrueLayer consent's allowance can pay for another scheduled sync now:
    its last one was at least the allowance's spacing ago."""
    allowance = ctx.settings.unattended_allowance(provider_id)
    accounts = (
        db.scalar(
            select(func.count())
            .select_from(Account)
            .where(Account.connection_id == connection_id, Account.closed.is_(False))
        )
        or 1
    )
    if allowance <= 0:
        return False
    spacing = timedelta(hours=24) * min(1.0, ESSENTIAL_CALLS_PER_ACCOUNT * accounts / allowance)
    last = db.scalar(
        select(func.max(SyncRun.started_at)).where(
            SyncRun.connection_id == connection_id,
            SyncRun.trigger == "schedule",
            SyncRun.status != "skipped",
        )
    )
    return last is None or now - last >= spacing


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
