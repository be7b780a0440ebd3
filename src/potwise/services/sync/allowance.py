"""TrueLayer's unattended-access allowance: calls without the user present, per consent per 24 h.

Every unattended call is logged; the remaining allowance is the configured
number minus the calls of the last 24 hours. When the bank answers
`provider_request_limit_exceeded` anyway, unattended calls for that consent
pause until the window resets — they are never retried into the wall.
A sync spends the allowance through a :class:`Spender`, which books calls
before they are made; housekeeping forgets calls no window counts any more.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from potwise import clock
from potwise.banks.errors import UnattendedLimitReached
from potwise.db.models import Connection, UnattendedCall, table_of
from potwise.logs import get_logger
from potwise.services.connections import ConnectionsContext
from potwise.services.errors import NotFound
from potwise.services.sync.runs import ConnectionSnapshot
from potwise.settings import Settings

log = get_logger(__name__)
T = TypeVar("T")

WINDOW = timedelta(hours=24)
# Our clock and the bank's never agree exactly, and the bank counts a call when it
# arrives: a call is counted as ours for this much longer than the bank counts it.
MARGIN = timedelta(minutes=2)
# How long a call stays in the window as we count it.
COUNTED = WINDOW + MARGIN
# Logged calls are kept a day longer than the window counts them, so a clock set
# back a little, or a sync booking while housekeeping runs, still sees its window whole.
KEEP = WINDOW + timedelta(hours=24)

# Every unattended sync counts and books its calls: statements built once, on the table.
_CALLS = table_of(UnattendedCall)
_USED = (
    select(func.count())
    .select_from(_CALLS)
    .where(_CALLS.c.connection_id == bindparam("connection_id"), _CALLS.c.at > bindparam("since"))
)
_BOOK = insert(_CALLS).returning(_CALLS.c.id, sort_by_parameter_order=True)
_FORGET = delete(_CALLS).where(_CALLS.c.id.in_(bindparam("call_ids", expanding=True)))
_MADE_AT = update(_CALLS).where(_CALLS.c.id == bindparam("call_id")).values(at=bindparam("made"))


def calls_in_window(db: Session, connection_id: str, now: datetime) -> list[datetime]:
    return list(
        db.scalars(
            select(UnattendedCall.at)
            .where(UnattendedCall.connection_id == connection_id, UnattendedCall.at > now - COUNTED)
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
    used = db.scalar(_USED, {"connection_id": connection_id, "since": now - COUNTED})
    return max(0, allowance - int(used or 0))


def next_reset(db: Session, connection: Connection, now: datetime) -> datetime | None:
    """When the next unattended call frees up (None when some are free now)."""
    if connection.unattended_paused_until is not None and connection.unattended_paused_until > now:
        return connection.unattended_paused_until
    calls = calls_in_window(db, connection.id, now)
    return calls[0] + COUNTED if calls else None


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
        until = (calls[0] + COUNTED) if calls else now + COUNTED
    connection.unattended_paused_until = until
    return until


def forget_old(db: Session, now: datetime) -> int:
    """Delete logged calls older than any window needs (`KEEP`); returns how many."""
    result = db.execute(delete(UnattendedCall).where(UnattendedCall.at < now - KEEP))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def summary(db: Session, settings: Settings, connection_id: str, now: datetime) -> dict[str, Any]:
    """The TrueLayer allowance of calls without the user present, and what is left of it."""
    connection = db.get(Connection, connection_id)
    if connection is None:
        raise NotFound("No such connection.")
    allowance = settings.unattended_allowance(connection.provider_id)
    paused = connection.unattended_paused_until
    return {
        "allowance": allowance,
        "remaining": remaining(db, connection, allowance, now),
        "next_reset": next_reset(db, connection, now),
        "paused_until": paused if paused is not None and paused > now else None,
    }


def _now() -> datetime:
    return clock.now()


class Deferred(Exception):
    """An unattended call was not made: the allowance for this consent is spent."""


class Spender:
    """Decides whether an unattended call may be made, and logs it when it is.

    The allowance is booked ahead, a stage's worth of calls in one write, in
    priority order (`book`); each call then spends a booking (`call`). A
    booking is written before the call it pays for, so a crash never leaves
    an unlogged call; bookings left unspent (a stage cut short by an error)
    are given back at the end (`give_back`). Only this sync books for its
    consent while it holds the connection's sync lease.
    """

    def __init__(
        self, ctx: ConnectionsContext, snapshot: ConnectionSnapshot, attended: bool, now: datetime
    ) -> None:
        self.ctx = ctx
        self.snapshot = snapshot
        self.attended = attended
        self.now = now
        self.deferred = 0
        self._lock = threading.Lock()
        self._booked: list[tuple[int, str]] = []
        self.allowance = ctx.settings.unattended_allowance(snapshot.provider_id)
        # Read under the lease when the sync started; only `call` pauses meanwhile.
        self._paused_until = snapshot.unattended_paused_until

    def book(self, endpoints: Sequence[str]) -> None:
        """Book the allowance for these calls, the most important first."""
        if self.attended or not endpoints:
            return
        with self._lock, self.ctx.session_factory() as db:
            left = free(db, self.snapshot.id, self._paused_until, self.allowance, self.now)
            granted = list(endpoints[:left])
            if granted:
                ids = record_many(db, self.snapshot.id, granted, _now())
                db.commit()
                self._booked.extend(zip(ids, granted, strict=True))

    def can_call(self) -> bool:
        """Whether this sync may make another call (the user is present, or a booking
        is left)."""
        with self._lock:
            return self.attended or bool(self._booked)

    def _spend(self, endpoint: str) -> int | None:
        """Take a booking for `endpoint` (or any left); its id, or None."""
        with self._lock:
            for index, (call_id, booked) in enumerate(self._booked):
                if booked == endpoint:
                    del self._booked[index]
                    return call_id
            if self._booked:
                return self._booked.pop(0)[0]
            return None

    def _made_now(self, call_id: int) -> None:
        """The booked call was just made: it is logged at the moment its answer came
        back (never before the bank counted it; the booking, written before the call,
        may be a while earlier)."""
        with self.ctx.session_factory() as db:
            db.execute(_MADE_AT, {"call_id": call_id, "made": _now()})
            db.commit()

    def call(self, endpoint: str, fn: Callable[[], T]) -> T:
        """Make the call `fn` to `endpoint` on a booking (or with the user present);
        raises :class:`Deferred` when none is left or the bank says the allowance is spent."""
        call_id = 0
        if not self.attended:
            spent = self._spend(endpoint)
            if spent is None:
                with self._lock:
                    self.deferred += 1
                raise Deferred(endpoint)
            call_id = spent
        try:
            return fn()
        except UnattendedLimitReached as exc:
            with self.ctx.session_factory() as db:
                connection = db.get(Connection, self.snapshot.id)
                if connection is not None:
                    until = pause(db, connection, _now(), exc.retry_after)
                    db.commit()
                    with self._lock:
                        self._paused_until = until
                    log.warning(
                        "sync.unattended_paused", connection_id=self.snapshot.id, until=until
                    )
            with self._lock:
                self.deferred += 1
            raise Deferred(endpoint) from exc
        finally:
            if not self.attended:
                self._made_now(call_id)

    def give_back(self) -> None:
        """Unspent bookings return to the allowance (the calls were never made)."""
        with self._lock:
            unspent = [call_id for call_id, _ in self._booked]
            self._booked.clear()
        if unspent:
            with self.ctx.session_factory() as db:
                forget(db, unspent)
                db.commit()
