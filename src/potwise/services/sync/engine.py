"""The sync engine: one run of one connection, and many connections at once.

- One sync per connection at a time, across threads and processes (a lease).
- Accounts of one connection are fetched concurrently (bounded); connections
  sync concurrently with each other; one failing never stops the others.
- No database transaction is open while a bank is being called.
- First sync takes all the history the bank allows; later syncs start from
  the last settled point (the oldest still-pending item or the newest settled
  one), so an unchanged account costs one call per resource.
- Every run is recorded with its counts, calls, retries and errors (`runs`).

What each provider's sync does is in `monzo` and `truelayer`; what they share
in `accounts`; which connections are due in `schedule`.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from potwise import clock
from potwise.banks.errors import (
    AuthExpired,
    AwaitingApproval,
    BankError,
    ConsentExpired,
    ProviderUnavailable,
    RateLimited,
)
from potwise.db.models import Account, Connection, SyncRun
from potwise.logs import get_logger
from potwise.services import connections, leases
from potwise.services.connections import ConnectionsContext
from potwise.services.events import SyncFinished
from potwise.services.sync import runs
from potwise.services.sync.monzo import sync_monzo
from potwise.services.sync.runs import ConnectionSnapshot, Lease, RunRecord
from potwise.services.sync.schedule import owners
from potwise.services.sync.truelayer import sync_truelayer

log = get_logger(__name__)

SYNC_LEASE_TTL = timedelta(minutes=30)
# A read the user is waiting for (a button they pressed) waits this long for a sync of
# the same connection already running, polling its lease every LEASE_POLL_SECONDS.
ATTENDED_WAIT_SECONDS = 30.0
LEASE_POLL_SECONDS = 0.1


def _now() -> datetime:
    return clock.now()


def sync_connection(
    ctx: ConnectionsContext,
    connection_id: str,
    *,
    trigger: str = "manual",
    psu_ip: str | None = None,
    balances_only: bool = False,
    only_accounts: set[str] | None = None,
    announce: bool = True,
    wait: float = 0.0,
    lease_owner: str | None = None,
) -> SyncRun:
    """Sync one connection now and return its recorded run.

    `psu_ip` is the address of the person who asked (a page load or a
    button); it is only ever sent to TrueLayer when the user is present.
    `balances_only` (optionally for `only_accounts`, by the bank's ids)
    refreshes just balances and pending items, for an automation's decision.
    A finished full sync is announced (`SyncFinished`) unless `announce` is false:
    :func:`sync_many` announces a user's connections together. While another sync of
    the connection runs, this one waits up to `wait` real seconds for it to end, then
    reads itself (what that sync read may predate the question); past that it is
    recorded as skipped. `lease_owner` names the holder of the connection's lease (a
    queued job gives its own id, so the lease of a job whose worker died can be found
    and freed); by default a fresh token.
    """
    factory = ctx.session_factory
    lease = Lease(sync_lease_key(connection_id), lease_owner or uuid.uuid4().hex)
    started: list[tuple[ConnectionSnapshot, Connection, SyncRun]] = []

    def start(db: Session) -> None:
        started.append(
            runs.start(
                db,
                connection_id,
                trigger=trigger,
                balances_only=balances_only,
                only_accounts=only_accounts,
            )
        )

    # Taking the lease and recording the run's start are one unit of work; so are
    # recording its end and giving the lease back (see `runs.finish`).
    if not _take(factory, lease, start, wait):
        return runs.record_skipped(ctx, connection_id, trigger)
    [(snapshot, connection, run)] = started
    try:
        _run_and_finish(ctx, snapshot, run, lease, psu_ip, connection)
    finally:
        if not lease.given_back:
            with factory() as db:
                leases.release(db, lease.key, lease.owner)
    # Announced once the lease is released, so whoever reacts (the automations)
    # can refresh this connection's balances themselves.
    if announce and _announces(run, balances_only):
        ctx.events.publish(
            SyncFinished(user_id=run.user_id, connection_id=connection_id, trigger=trigger)
        )
    return run


def sync_lease_key(connection_id: str) -> str:
    """The name of the lease that keeps one sync of a connection at a time."""
    return f"sync:{connection_id}"


def _take(
    factory: Callable[[], Session], lease: Lease, start: Callable[[Session], None], wait: float
) -> bool:
    """Take the connection's lease (recording the run's start with it), waiting up to
    `wait` real seconds while another sync holds it."""
    deadline = time.monotonic() + wait
    while True:
        with factory() as db:
            if leases.try_acquire(db, lease.key, lease.owner, SYNC_LEASE_TTL, then=start):
                return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(LEASE_POLL_SECONDS)


def _run_and_finish(
    ctx: ConnectionsContext,
    snapshot: ConnectionSnapshot,
    run: SyncRun,
    lease: Lease,
    psu_ip: str | None,
    connection: Connection,
) -> None:
    """Run the sync and record its end (giving the lease back); a crash is recorded
    as a failed run, then raised."""
    record = RunRecord()
    try:
        status = _run(ctx, snapshot, record, psu_ip, connection)
    except Exception as exc:
        # A bug must not leave the run "running" forever: record it, then let it surface.
        log.exception("sync.crashed", connection_id=snapshot.id)
        record.error("internal", exc)
        runs.finish(ctx, run, snapshot, record, "failed", lease)
        raise
    runs.finish(ctx, run, snapshot, record, status, lease)


def _announces(run: SyncRun, balances_only: bool) -> bool:
    """Whether a finished run tells the rest of the product (a full sync that stored
    something: succeeded, or partly)."""
    return run.status in {"succeeded", "partial"} and not balances_only


def _run(
    ctx: ConnectionsContext,
    snapshot: ConnectionSnapshot,
    record: RunRecord,
    psu_ip: str | None,
    row: Connection | None = None,
) -> str:
    now = _now()
    rejected: str | None = None
    token: str | None = None
    for _attempt in range(2):
        try:
            token = connections.valid_access_token(
                ctx, snapshot.id, rejected_token=rejected, known=row if rejected is None else None
            )
            if snapshot.provider == "monzo":
                sync_monzo(ctx, snapshot, token, record, now)
            else:
                sync_truelayer(ctx, snapshot, token, record, now, psu_ip)
        except AuthExpired as exc:
            if rejected is None and token is not None:
                rejected = token
                record.start_over()  # the retry reads everything again
                continue  # the bank refused a token that looked valid: refresh once
            return _failed(ctx, snapshot, record, "auth", exc, now)
        except AwaitingApproval:
            connections.mark_status(
                ctx,
                snapshot.id,
                connections.STATUS_AWAITING_APPROVAL,
                "Waiting for you to approve access in the Monzo app.",
            )
            record.error("approval", AwaitingApproval("Approve access in the Monzo app."))
            return "failed"
        except ConsentExpired as exc:
            return _failed(ctx, snapshot, record, "consent", exc, now)
        except BankError as exc:
            return _failed(ctx, snapshot, record, "connection", exc, now)
        break
    if record.errors and _nothing_read(record):
        # Every account's reads failed, as outages: the connection is down for now.
        first = record.errors[0]
        down = ProviderUnavailable(str(first.get("message", "The bank could not be reached.")))
        connections.mark_failed(ctx, snapshot.id, down, now)
        return "failed"
    # A Monzo connection that answered in full is active again: `runs.finish` says so.
    return "partial" if record.errors else "succeeded"


#: Error codes of a bank that could not be reached or asked us to wait.
_OUTAGES = frozenset({ProviderUnavailable.code, RateLimited.code})


#: What a sync counts when it read something of an account.
_READS = ("balances", "pending", "transactions", "pots")


def _nothing_read(record: RunRecord) -> bool:
    """Nothing of any account was read and every error was an outage (a card whose
    bank is down)."""
    return not any(record.counts.get(name) for name in _READS) and all(
        error.get("code") in _OUTAGES for error in record.errors
    )


def _failed(
    ctx: ConnectionsContext,
    snapshot: ConnectionSnapshot,
    record: RunRecord,
    where: str,
    exc: BankError,
    now: datetime,
) -> str:
    """A run the bank ended: recorded, and the connection marked for what it means
    (an outage or a limit is retried on the clock; a consent gone needs the user)."""
    record.error(where, exc)
    connections.mark_failed(ctx, snapshot.id, exc, now)
    return "failed"


def sync_many(
    ctx: ConnectionsContext,
    connection_ids: Sequence[str],
    *,
    trigger: str,
    psu_ip: str | None = None,
    max_workers: int = 8,
    on_done: Callable[[SyncRun], None] | None = None,
) -> list[SyncRun]:
    """Sync several connections concurrently; one failing never stops the others.

    Each user's connections are announced together (one `SyncFinished`), by the
    thread that finishes the user's last one, so what follows a sync runs once per
    user with every account fresh, instead of once per connection on half-synced data.
    """
    results: list[SyncRun] = []
    lock = threading.Lock()
    owner = owners(ctx, connection_ids)
    outstanding = Counter(owner[c] for c in connection_ids if c in owner)
    finished: dict[str, list[str]] = defaultdict(list)

    def one(connection_id: str) -> None:
        run: SyncRun | None = None
        try:
            run = sync_connection(
                ctx, connection_id, trigger=trigger, psu_ip=psu_ip, announce=False
            )
        except Exception:
            log.exception("sync.crashed", connection_id=connection_id)
        user_id = owner.get(connection_id)
        with lock:
            if run is not None:
                results.append(run)
                if _announces(run, balances_only=False):
                    finished[run.user_id].append(connection_id)
            together: list[str] = []
            if user_id is not None:
                outstanding[user_id] -= 1
                if outstanding[user_id] == 0:
                    together = finished.pop(user_id, [])
        if run is not None and on_done is not None:
            on_done(run)
        if user_id is not None and together:
            ctx.events.publish(
                SyncFinished(user_id, together[0], trigger, also=tuple(together[1:]))
            )

    if not connection_ids:
        return results
    with ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(connection_ids)))) as pool:
        list(pool.map(one, connection_ids))
    return results


def refresh_balances(
    ctx: ConnectionsContext,
    connection_id: str,
    *,
    account_external_ids: set[str] | None = None,
    psu_ip: str | None = None,
) -> datetime | None:
    """Fetch live balances and pending items for a decision.

    Returns None when they were refreshed live; otherwise (bank down,
    allowance spent, another sync busy) the time of the oldest synced balance
    that will stand in for them — the caller decides whether that is fresh
    enough and says so.
    """
    run = sync_connection(
        ctx,
        connection_id,
        trigger="automation",
        psu_ip=psu_ip,
        balances_only=True,
        only_accounts=account_external_ids,
    )
    if run.status == "succeeded":
        return None
    with ctx.session_factory() as db:
        statement = select(Account.balance_at).where(
            Account.connection_id == connection_id, Account.closed.is_(False)
        )
        if account_external_ids is not None:
            statement = statement.where(Account.external_id.in_(account_external_ids))
        times = list(db.scalars(statement))
    if not times or any(t is None for t in times):
        return datetime.min.replace(tzinfo=UTC)
    return min(t for t in times if t is not None)


def refresh_attended(
    ctx: ConnectionsContext,
    connection_id: str,
    account_external_ids: frozenset[str] | None,
    psu_ip: str,
) -> SyncRun:
    """Read these accounts in full (balances, pending items and transactions) with the
    user present: for a decision the user asked for. Attended calls cost none of the
    unattended allowance. Not announced: the decision that asked reads it next."""
    return sync_connection(
        ctx,
        connection_id,
        trigger="attended",
        psu_ip=psu_ip,
        only_accounts=set(account_external_ids) if account_external_ids is not None else None,
        announce=False,
        wait=ATTENDED_WAIT_SECONDS,
    )
