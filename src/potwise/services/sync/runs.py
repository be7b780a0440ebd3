"""Reading sync runs and the unattended-call budget, for the API and the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from potwise.db.models import Connection, SyncRun
from potwise.db.scoping import get_owned, owned
from potwise.services.errors import NotFound
from potwise.services.sync import budget
from potwise.settings import Settings


def recent(
    db: Session, user_id: str, *, connection_id: str | None = None, limit: int = 50
) -> list[SyncRun]:
    statement = owned(SyncRun, user_id)
    if connection_id is not None:
        if get_owned(db, Connection, connection_id, user_id) is None:
            raise NotFound("No such connection.")
        statement = statement.where(SyncRun.connection_id == connection_id)
    return list(db.scalars(statement.order_by(SyncRun.started_at.desc()).limit(limit)))


def unattended_budget(
    db: Session, settings: Settings, connection_id: str, now: datetime
) -> dict[str, Any]:
    """The TrueLayer allowance of calls without the user present, and what is left of it."""
    connection = db.get(Connection, connection_id)
    if connection is None:
        raise NotFound("No such connection.")
    allowance = settings.unattended_allowance(connection.provider_id)
    paused = connection.unattended_paused_until
    return {
        "allowance": allowance,
        "remaining": budget.remaining(db, connection, allowance, now),
        "next_reset": budget.next_reset(db, connection, now),
        "paused_until": paused if paused is not None and paused > now else None,
    }
