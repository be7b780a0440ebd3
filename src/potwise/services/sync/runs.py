"""A sync run's bookkeeping: the connection as the run read it, what the run found,
and its start and end as recorded in `sync_runs`.

A run starts in the unit of work that takes the connection's sync lease and
ends in the one that gives it back; a run that could not take the lease is
recorded as skipped. Every run is recorded with its counts, calls, retries and
errors, and read back for the API and the pages (:func:`recent`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, or_, update
from sqlalchemy.orm import Session

from potwise import clock
from potwise.banks.http import CallStats
from potwise.db.models import Connection, SyncRun, new_id, table_of
from potwise.db.scoping import get_owned, owned
from potwise.logs import get_logger
from potwise.services import connections, leases
from potwise.services.connections import ConnectionsContext
from potwise.services.errors import NotFound
from potwise.services.sync.store.scope import Scope

log = get_logger(__name__)

# What every run writes about itself, built once on the tables and run with
# parameters: building and caching statements per run cost more CPU than
# running them, and a scheduled cycle runs thousands.
_RUNS = table_of(SyncRun)
_CONNECTIONS = table_of(Connection)
_START_RUN = insert(_RUNS)
_END_RUN = update(_RUNS).where(_RUNS.c.id == bindparam("run_id"))
_THIS_CONNECTION = _CONNECTIONS.c.id == bindparam("connection_id")
_SYNCED = update(_CONNECTIONS).where(_THIS_CONNECTION)
_ACTIVE = {"status": connections.STATUS_ACTIVE, "status_reason": None}
# A Monzo run that answered in full (approval given, token accepted) ...
_MONZO_ACTIVE_AGAIN = (
    update(_CONNECTIONS)
    .where(
        _THIS_CONNECTION,
        or_(
            _CONNECTIONS.c.status != connections.STATUS_ACTIVE,
            _CONNECTIONS.c.status_reason.is_not(None),
        ),
    )
    .values(**_ACTIVE)
)
# ... a full sync of a connection whose last one failed ...
_ACTIVE_AGAIN = (
    update(_CONNECTIONS)
    .where(
        _THIS_CONNECTION,
        _CONNECTIONS.c.status.in_([connections.STATUS_ERROR, connections.STATUS_RETRYING]),
    )
    .values(**_ACTIVE)
)
# ... and any answer in full from a bank that could not be reached before.
_REACHED_AGAIN = (
    update(_CONNECTIONS)
    .where(_THIS_CONNECTION, _CONNECTIONS.c.status == connections.STATUS_RETRYING)
    .values(**_ACTIVE)
)


@dataclass
class RunRecord:
    """What a run found and what went wrong; safe to add to from worker threads."""

    counts: dict[str, int] = field(default_factory=dict)
    errors: list[dict[str, str]] = field(default_factory=list)
    stats: CallStats = field(default_factory=CallStats)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, name: str, n: int = 1) -> None:
        with self._lock:
            self.counts[name] = self.counts.get(name, 0) + n

    def error(self, where: str, exc: BaseException) -> None:
        message = getattr(exc, "message", None) or type(exc).__name__
        code = getattr(exc, "code", type(exc).__name__)
        with self._lock:
            self.errors.append({"where": where, "code": str(code), "message": str(message)})

    def start_over(self) -> None:
        """Forget what an abandoned attempt found (its calls and retries still count)."""
        with self._lock:
            self.counts.clear()
            self.errors.clear()


@dataclass(frozen=True)
class ConnectionSnapshot:
    id: str
    user_id: str
    provider: str
    provider_id: str | None
    full_history_until: datetime | None
    synced_before: bool
    status: str
    # Until when TrueLayer's unattended calls are paused for this consent (only
    # this sync, holding the connection's lease, can pause them meanwhile).
    unattended_paused_until: datetime | None = None
    # A light refresh for a decision: balances (and pending items) only,
    # optionally of some accounts; no transaction history, no account lists
    # when the accounts are already known.
    balances_only: bool = False
    only_accounts: frozenset[str] | None = None

    def wanted(self, external_id: str) -> bool:
        return self.only_accounts is None or external_id in self.only_accounts

    @property
    def scope(self) -> Scope:
        bank = "monzo" if self.provider == "monzo" else (self.provider_id or "truelayer")
        return Scope(self.user_id, self.id, bank)

    def in_full_history_window(self, now: datetime) -> bool:
        # A Monzo connection still marked as awaiting approval that can now read
        # data was approved moments ago: its full-history window is open.
        if self.status == connections.STATUS_AWAITING_APPROVAL:
            return True
        return self.full_history_until is not None and now < self.full_history_until


@dataclass
class Lease:
    """The connection's sync lease as this sync holds it."""

    key: str
    owner: str
    given_back: bool = False


def _now() -> datetime:
    return clock.now()


def start(
    db: Session,
    connection_id: str,
    *,
    trigger: str,
    balances_only: bool,
    only_accounts: set[str] | None,
) -> tuple[ConnectionSnapshot, Connection, SyncRun]:
    """Read the connection and record the run's start (under the lease just taken)."""
    connection = db.get(Connection, connection_id)
    if connection is None:
        raise NotFound("No such connection.")
    snapshot = ConnectionSnapshot(
        id=connection.id,
        user_id=connection.user_id,
        provider=connection.provider,
        provider_id=connection.provider_id,
        full_history_until=connection.full_history_until,
        synced_before=connection.last_synced_at is not None,
        status=connection.status,
        unattended_paused_until=connection.unattended_paused_until,
        balances_only=balances_only,
        only_accounts=frozenset(only_accounts) if only_accounts is not None else None,
    )
    run = SyncRun(
        id=new_id(),
        user_id=connection.user_id,
        connection_id=connection.id,
        trigger=trigger,
        started_at=_now(),
        finished_at=None,
        status="running",
        counts={},
        api_calls=0,
        retries=0,
        errors=[],
    )
    db.execute(_START_RUN, {c.name: getattr(run, c.name) for c in _RUNS.columns})
    return snapshot, connection, run


def finish(
    ctx: ConnectionsContext,
    run: SyncRun,
    snapshot: ConnectionSnapshot,
    record: RunRecord,
    status: str,
    lease: Lease,
) -> None:
    """Record the run's end (on `run` too) and give the lease back, in one unit of work."""
    ended = {
        "finished_at": _now(),
        "status": status,
        "counts": dict(record.counts),
        "errors": list(record.errors),
        "api_calls": record.stats.calls,
        "retries": record.stats.retries,
    }
    with ctx.session_factory() as db:
        reactivated = _write_end(db, run, snapshot, ended, lease)
        db.commit()
    lease.given_back = True
    for name, value in ended.items():
        setattr(run, name, value)
    if reactivated:
        log.warning(
            "connections.status_changed",
            connection_id=snapshot.id,
            status=connections.STATUS_ACTIVE,
            reason=None,
        )
    log.info(
        "sync.finished",
        connection_id=snapshot.id,
        provider=snapshot.provider,
        status=status,
        api_calls=run.api_calls,
        retries=run.retries,
        counts=run.counts,
        errors=len(run.errors),
    )


def _write_end(
    db: Session, run: SyncRun, snapshot: ConnectionSnapshot, ended: dict[str, Any], lease: Lease
) -> int:
    """Write the run's end, what it means for the connection, and give the lease up
    (uncommitted); returns whether the connection became active again."""
    status = ended["status"]
    full = status in {"succeeded", "partial"} and not snapshot.balances_only
    this = {"connection_id": snapshot.id}
    written = db.execute(_END_RUN, {"run_id": run.id, **ended})
    if not written.rowcount:  # type: ignore[attr-defined]
        # Deleted with its connection while syncing.
        raise NotFound("The connection was removed during the sync.")
    if full:
        db.execute(_SYNCED, {**this, "last_synced_at": ended["finished_at"]})
    reactivate = None
    if status == "succeeded" and snapshot.provider == "monzo":
        reactivate = _MONZO_ACTIVE_AGAIN
    elif status == "succeeded" and full:
        reactivate = _ACTIVE_AGAIN
    elif status == "succeeded":
        reactivate = _REACHED_AGAIN
    reactivated = 0
    if reactivate is not None:
        reactivated = db.execute(reactivate, this).rowcount  # type: ignore[attr-defined]
    leases.give_up(db, lease.key, lease.owner)
    return int(reactivated)


def record_skipped(ctx: ConnectionsContext, connection_id: str, trigger: str) -> SyncRun:
    """Record a run that did not happen: another sync of the connection holds the lease."""
    with ctx.session_factory() as db:
        connection = db.get(Connection, connection_id)
        if connection is None:
            raise NotFound("No such connection.")
        now = _now()
        run = SyncRun(
            user_id=connection.user_id,
            connection_id=connection_id,
            trigger=trigger,
            started_at=now,
            finished_at=now,
            status="skipped",
            errors=[
                {
                    "where": "lease",
                    "code": "already_running",
                    "message": "Another sync of this connection is running.",
                }
            ],
        )
        db.add(run)
        db.commit()
        log.info("sync.skipped", connection_id=connection_id, reason="already_running")
        return run


def recent(
    db: Session, user_id: str, *, connection_id: str | None = None, limit: int = 50
) -> list[SyncRun]:
    """The user's latest runs, newest first (of one connection when given)."""
    statement = owned(SyncRun, user_id)
    if connection_id is not None:
        if get_owned(db, Connection, connection_id, user_id) is None:
            raise NotFound("No such connection.")
        statement = statement.where(SyncRun.connection_id == connection_id)
    return list(db.scalars(statement.order_by(SyncRun.started_at.desc()).limit(limit)))
