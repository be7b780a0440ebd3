"""TrueLayer's unattended-access allowance: calls without the user present, per consent per 24 h.

Every unattended call is logged; the remaining allowance is the configured
number minus the calls of the last 24 hours. When the bank answers
`provider_request_limit_exceeded` anyway, unattended calls for that consent
pause until the window resets — they are never retried into the wall.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func, insert, select
from sqlalchemy.orm import Session

from potwise.db.models import Connection, UnattendedCall, table_of

WINDOW = timedelta(hours=24)

# Every unattended sync counts and books its calls: statements built once, on the table.
_CALLS = table_of(UnattendedCall)
_USED = (
    select(func.count())
    .select_from(_CALLS)
    .where(_CALLS.c.connection_id == bindparam("connection_id"), _CALLS.c.at > bindparam("since"))
)
_BOOK = insert(_CALLS).returning(_CALLS.c.id, sort_by_parameter_order=True)
_FORGET = delete(_CALLS).where(_CALLS.c.id.in_(bindparam("call_ids", expanding=True)))


def calls_in_window(db: Session, connection_id: str, now: datetime) -> list[datetime]:
    return list(
        db.scalars(
            select(UnattendedCall.at)
            .where(UnattendedCall.connection_id == connection_id, UnattendedCall.at > now - WINDOW)
            .order_by(UnattendedCall.at)
        )
    )


def remaining(db: Session, connection: Connection, allowance: int, now: datetime) -> int:
    """Unattended calls still allowed now (0 while paused)."""
    return free(db, connection.id, connection.unattended_paused_until, allowance, now)


def free(
    db: Session, connection_id: str, paused_until: datetime | None, allowance: int, now: datetime
) -> int:
    """:func:`remaining` for a connection known by its id and pause (0 while paused)."""
    if paused_until is not None and paused_until > now:
        return 0
    used = db.scalar(_USED, {"connection_id": connection_id, "since": now - WINDOW})
    return max(0, allowance - int(used or 0))


def next_reset(db: Session, connection: Connection, now: datetime) -> datetime | None:
    """When the next unattended call frees up (None when some are free now)."""
    if connection.unattended_paused_until is not None and connection.unattended_paused_until > now:
        return connection.unattended_paused_until
    calls = calls_in_window(db, connection.id, now)
    return calls[0] + WINDOW if calls else None


def record_many(
    db: Session, connection_id: str, endpoints: Sequence[str], at: datetime
) -> list[int]:
    """Log these calls in one statement; their ids, in the order of `endpoints`."""
    rows = [{"connection_id": connection_id, "endpoint": e, "at": at} for e in endpoints]
    if not rows:
        return []
    written = db.execute(_BOOK, rows)
    return [int(i) for i in written.scalars()]


def forget(db: Session, call_ids: list[int]) -> None:
    """Remove booked calls that were never made."""
    db.execute(_FORGET, {"call_ids": call_ids})


def pause(
    db: Session, connection: Connection, now: datetime, retry_after: float | None
) -> datetime:
    """Stop unattended calls until the provider's window resets; returns until when."""
    if retry_after is not None and retry_after > 0:
        until = now + timedelta(seconds=retry_after)
    else:
        calls = calls_in_window(db, connection.id, now)
        until = (calls[0] + WINDOW) if calls else now + WINDOW
    connection.unattended_paused_until = until
    return until


def forget_old(db: Session, now: datetime) -> int:
    result = db.execute(delete(UnattendedCall).where(UnattendedCall.at < now - WINDOW))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
