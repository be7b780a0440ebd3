"""The sync engine: pull a connection's accounts, balances, pots and transactions into the mirror.

- One sync per connection at a time, across threads and processes (a lease).
- Accounts of one connection are fetched concurrently (bounded); connections
  sync concurrently with each other; one failing never stops the others.
- No database transaction is open while a bank is being called.
- First sync takes all the history the bank allows; later syncs start from
  the last settled point (the oldest still-pending item or the newest settled
  one), so an unchanged account costs one call per resource.
- Every run is recorded with its counts, calls, retries and errors.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session

from potwise.banks.errors import (
    AuthExpired,
    AwaitingApproval,
    BankError,
    ConsentExpired,
    RequestRejected,
    UnattendedLimitReached,
)
from potwise.banks.http import CallStats
from potwise.banks.monzo.errors import HistoryWindowClosed
from potwise.db.models import Account, Connection, SyncRun, Transaction, new_id, table_of
from potwise.domain.mirror import (
    AccountBalance,
    AccountKind,
    BankAccount,
    BankPot,
    BankTransaction,
)
from potwise.logs import get_logger
from potwise.services import connections, leases
from potwise.services.connections import ConnectionsContext
from potwise.services.errors import NotFound
from potwise.services.events import SyncFinished
from potwise.services.sync import budget, store

log = get_logger(__name__)
T = TypeVar("T")

SYNC_LEASE_TTL = timedelta(minutes=30)
ACCOUNT_WORKERS = 4
# Outside the full-history window banks serve about 90 days; ask for a little less.
RECENT_HISTORY = timedelta(days=89)
# In the window, ask TrueLayer banks for five years (some refuse six).
FULL_HISTORY = timedelta(days=5 * 365)
# TrueLayer rows arrive back-dated and pendings settle over days: re-read a margin.
TRUELAYER_OVERLAP = timedelta(days=14)

# What every run writes about itself, built once on the tables and run with
# parameters: building and caching statements per run cost more CPU than
# running them, and a scheduled cycle runs thousands.
_RUNS = table_of(SyncRun)
_CONNECTIONS = table_of(Connection)
_ACCOUNTS = table_of(Account)
_TRANSACTIONS = table_of(Transaction)
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
# ... and a full sync of a connection whose last one failed.
_ACTIVE_AGAIN = (
    update(_CONNECTIONS)
    .where(_THIS_CONNECTION, _CONNECTIONS.c.status == connections.STATUS_ERROR)
    .values(**_ACTIVE)
)
_SYNCED_UNTIL = select(_ACCOUNTS.c.synced_until).where(_ACCOUNTS.c.id == bindparam("account_id"))
_OLDEST_PENDING = select(func.min(_TRANSACTIONS.c.created_at)).where(
    _TRANSACTIONS.c.account_id == bindparam("account_id"), _TRANSACTIONS.c.status == "pending"
)
_NEWEST_SETTLED = select(func.max(_TRANSACTIONS.c.created_at)).where(
    _TRANSACTIONS.c.account_id == bindparam("account_id"), _TRANSACTIONS.c.status != "pending"
)
_MARK_SYNCED = update(_ACCOUNTS).where(_ACCOUNTS.c.id == bindparam("account_id"))
_OPEN_ACCOUNTS = select(_ACCOUNTS).where(
    _ACCOUNTS.c.connection_id == bindparam("connection_id"), _ACCOUNTS.c.closed.is_(False)
)


class Deferred(Exception):
    """An unattended call was not made: the allowance for this consent is spent."""


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
    def scope(self) -> store.Scope:
        bank = "monzo" if self.provider == "monzo" else (self.provider_id or "truelayer")
        return store.Scope(self.user_id, self.id, bank)

    def in_full_history_window(self, now: datetime) -> bool:
        # A Monzo connection still marked as awaiting approval that can now read
        # data was approved moments ago: its full-history window is open.
        if self.status == connections.STATUS_AWAITING_APPROVAL:
            return True
        return self.full_history_until is not None and now < self.full_history_until


def _now() -> datetime:
    return datetime.now(UTC)


# --- running one connection -------------------------------------------------------


def sync_connection(
    ctx: ConnectionsContext,
    connection_id: str,
    *,
    trigger: str = "manual",
    psu_ip: str | None = None,
    balances_only: bool = False,
    only_accounts: set[str] | None = None,
    announce: bool = True,
) -> SyncRun:
    """Sync one connection now and return its recorded run.

    `psu_ip` is the address of the person who asked (a page load or a
    button); it is only ever sent to TrueLayer when the user is present.
    `balances_only` (optionally for `only_accounts`, by the bank's ids)
    refreshes just balances and pending items, for an automation's decision.
    A finished full sync is announced (`SyncFinished`) unless `announce` is false:
    :func:`sync_many` announces a user's connections together.
    """
    factory = ctx.session_factory
    lease = _Lease(f"sync:{connection_id}", uuid.uuid4().hex)
    started: list[tuple[ConnectionSnapshot, Connection, SyncRun]] = []

    def start(db: Session) -> None:
        """Read the connection and record the run's start, under the lease just taken."""
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
        started.append((snapshot, connection, run))

    # Taking the lease and recording the run's start are one unit of work; so are
    # recording its end and giving the lease back (see `_finish`).
    with factory() as db:
        acquired = leases.try_acquire(db, lease.key, lease.owner, SYNC_LEASE_TTL, then=start)
    if not acquired:
        return _record_skipped(ctx, connection_id, trigger)
    [(snapshot, connection, run)] = started
    record = RunRecord()
    try:
        try:
            status = _run(ctx, snapshot, record, psu_ip, connection)
        except Exception as exc:
            # A bug must not leave the run "running" forever: record it, then let it surface.
            log.exception("sync.crashed", connection_id=connection_id)
            record.error("internal", exc)
            _finish(ctx, run, snapshot, record, "failed", lease)
            raise
        _finish(ctx, run, snapshot, record, status, lease)
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
                _sync_monzo(ctx, snapshot, token, record, now)
            else:
                _sync_truelayer(ctx, snapshot, token, record, now, psu_ip)
        except AuthExpired as exc:
            if rejected is None and token is not None:
                rejected = token
                record.start_over()  # the retry reads everything again
                continue  # the bank refused a token that looked valid: refresh once
            record.error("auth", exc)
            connections.mark_status(ctx, snapshot.id, connections.STATUS_ERROR, exc.message)
            return "failed"
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
            record.error("consent", exc)
            connections.mark_status(
                ctx, snapshot.id, connections.STATUS_NEEDS_RECONNECT, exc.message
            )
            return "failed"
        except BankError as exc:
            record.error("connection", exc)
            connections.mark_status(ctx, snapshot.id, connections.STATUS_ERROR, exc.message)
            return "failed"
        break
    # A Monzo connection that answered in full is active again: `_finish` says so.
    return "partial" if record.errors else "succeeded"


@dataclass
class _Lease:
    """The connection's sync lease as this sync holds it."""

    key: str
    owner: str
    given_back: bool = False


def _finish(
    ctx: ConnectionsContext,
    run: SyncRun,
    snapshot: ConnectionSnapshot,
    record: RunRecord,
    status: str,
    lease: _Lease,
) -> None:
    """Record the run's end (on `run` too) and give the lease back, in one unit of work."""
    finished = _now()
    ended = {
        "finished_at": finished,
        "status": status,
        "counts": dict(record.counts),
        "errors": list(record.errors),
        "api_calls": record.stats.calls,
        "retries": record.stats.retries,
    }
    full = status in {"succeeded", "partial"} and not snapshot.balances_only
    this = {"connection_id": snapshot.id}
    with ctx.session_factory() as db:
        written = db.execute(_END_RUN, {"run_id": run.id, **ended})
        if not written.rowcount:  # type: ignore[attr-defined]
            # Deleted with its connection while syncing.
            raise NotFound("The connection was removed during the sync.")
        if full:
            db.execute(_SYNCED, {**this, "last_synced_at": finished})
        reactivate = None
        if status == "succeeded" and snapshot.provider == "monzo":
            reactivate = _MONZO_ACTIVE_AGAIN
        elif status == "succeeded" and full:
            reactivate = _ACTIVE_AGAIN
        reactivated = 0
        if reactivate is not None:
            reactivated = db.execute(reactivate, this).rowcount  # type: ignore[attr-defined]
        leases.give_up(db, lease.key, lease.owner)
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


def _record_skipped(ctx: ConnectionsContext, connection_id: str, trigger: str) -> SyncRun:
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


# --- shared helpers -----------------------------------------------------------------


def _per_account(
    accounts: Sequence[T], work: Callable[[T], None], record: RunRecord, label: Callable[[T], str]
) -> None:
    """Run `work` for each account concurrently; an error in one is recorded, not raised,
    unless it concerns the whole connection (auth, consent, approval)."""
    fatal: list[BankError] = []

    def guarded(item: T) -> None:
        try:
            work(item)
        except (AuthExpired, ConsentExpired, AwaitingApproval) as exc:
            fatal.append(exc)
        except BankError as exc:
            record.error(label(item), exc)

    if len(accounts) == 1:
        guarded(accounts[0])  # one account (a card connection's card): no thread to start
    elif accounts:
        with ThreadPoolExecutor(max_workers=min(ACCOUNT_WORKERS, len(accounts))) as pool:
            list(pool.map(guarded, accounts))
    if fatal:
        raise fatal[0]


def _cursors(db: Session, account_ids: Iterable[str]) -> dict[str, datetime | None]:
    """Where an incremental sync of each account starts: the oldest item still
    pending, else the newest settled one (None: never fully synced)."""
    found: dict[str, datetime | None] = {}
    for account_id in account_ids:
        this = {"account_id": account_id}
        synced_until = db.scalar(_SYNCED_UNTIL, this)
        if synced_until is None:  # never fully synced, or no such account
            found[account_id] = None
            continue
        oldest_pending = db.scalar(_OLDEST_PENDING, this)
        newest_settled = db.scalar(_NEWEST_SETTLED, this)
        candidates = [t for t in (oldest_pending, newest_settled) if t is not None]
        found[account_id] = min(candidates) if candidates else synced_until
    return found


def _mark_synced(db: Session, account_id: str, now: datetime) -> None:
    db.execute(_MARK_SYNCED, {"account_id": account_id, "synced_until": now})


# Rows gathered before they are written: a first sync's pages are written in a few
# large batches instead of a session and a commit per 100-row page.
WRITE_BATCH_ROWS = 1000
# A history longer than this is written on a helper thread while it is fetched.
BACKGROUND_AFTER_ROWS = 200


class _AccountWriter:
    """Writes one account's transactions while its pages are still being fetched.

    An incremental sync's few rows are written in one commit at the end. A
    longer history is written on a helper thread while the pages are still
    arriving — whatever has gathered whenever the writer is free, or once
    `WRITE_BATCH_ROWS` have gathered while it is busy — so fetching the next page never waits for
    the database and little is left to write after the last page (the first
    sync's wall time is the chain of bank calls, not calls plus writes).
    `finish` waits for those writes and commits the rest together with the
    account's last words (balance, pots, cursor).
    """

    def __init__(
        self,
        ctx: ConnectionsContext,
        snapshot: ConnectionSnapshot,
        account_id: str,
        record: RunRecord,
        now: datetime,
    ) -> None:
        self.ctx = ctx
        self.snapshot = snapshot
        self.account_id = account_id
        self.record = record
        self.now = now
        self._rows: list[BankTransaction] = []
        self._pool: ThreadPoolExecutor | None = None
        self._writes: list[Future[None]] = []

    def add(self, page: Sequence[BankTransaction]) -> None:
        self._rows.extend(page)
        if self._pool is None:
            if len(self._rows) < BACKGROUND_AFTER_ROWS:
                return  # an incremental sync: everything goes in the one last commit
            self._pool = ThreadPoolExecutor(max_workers=1)
        idle = not self._writes or self._writes[-1].done()
        if idle or len(self._rows) >= WRITE_BATCH_ROWS:
            # Keep the writer busy and the rows left for the end few.
            rows, self._rows = self._rows, []
            self._writes.append(self._pool.submit(self._write, rows, None))

    def finish(
        self, last: Callable[[Session], None] | None = None, rows: Sequence[BankTransaction] = ()
    ) -> None:
        """Wait for the batches in flight, then write the rest (and `rows`, read all at
        once) and `last` in one commit."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
            for write in self._writes:
                write.result()  # a failed batch fails the account, as a failed page would
        rest, self._rows = [*self._rows, *rows], []
        self._write(rest, last)

    def _write(
        self, rows: Sequence[BankTransaction], last: Callable[[Session], None] | None
    ) -> None:
        if not rows and last is None:
            return
        with self.ctx.session_factory() as db:
            if rows:
                store.upsert_transactions(db, self.snapshot.scope, self.account_id, rows, self.now)
            if last is not None:
                last(db)
            db.commit()
        if rows:
            self.record.add("transactions", len(rows))


# --- Monzo --------------------------------------------------------------------------


def _sync_monzo(
    ctx: ConnectionsContext,
    snapshot: ConnectionSnapshot,
    token: str,
    record: RunRecord,
    now: datetime,
) -> None:
    client = ctx.gateway.monzo(token, stats=record.stats)
    # A balance refresh for a decision reads the accounts it already knows; a sync
    # lists them again (new, renamed and closed accounts).
    known, ids = _known_accounts(ctx, snapshot) if snapshot.balances_only else ([], {})
    accounts = known or client.accounts()
    # Closed accounts keep their history but have nothing new to say.
    live = [a for a in accounts if not a.closed and snapshot.wanted(a.external_id)]
    cursors: dict[str, datetime | None] = {}
    if not known:
        with ctx.session_factory() as db:
            ids = store.upsert_accounts(db, snapshot.scope, accounts, now)
            db.commit()
            record.add("accounts", len(accounts))
            if not snapshot.balances_only:
                cursors = _cursors(db, [ids[a.external_id] for a in live])
    full_history = snapshot.in_full_history_window(now)

    def one(account: BankAccount) -> None:
        account_id = ids[account.external_id]
        writer = _AccountWriter(ctx, snapshot, account_id, record, now)
        has_pots = account.kind in (AccountKind.CURRENT, AccountKind.JOINT)

        def read_balance_and_pots() -> tuple[AccountBalance, list[BankPot]]:
            balance = client.balance(account.external_id, now=now)
            return balance, (client.pots(account.external_id) if has_pots else [])

        # The balance and pots are asked for beside the transaction pages (one
        # helper thread, one after the other), so they add little to the account's
        # chain of page requests.
        with ThreadPoolExecutor(max_workers=1) as beside:
            side = beside.submit(read_balance_and_pots)

            def balance_and_pots() -> Callable[[Session], None]:
                """Waits for both answers (never inside a database transaction)."""
                got_balance, got_pots = side.result()

                def store_them(db: Session) -> None:
                    store.store_balance(db, snapshot.scope, account_id, got_balance)
                    record.add("pots", store.upsert_pots(db, snapshot.scope, got_pots, ids, now))
                    record.add("balances")

                return store_them

            if snapshot.balances_only:
                writer.finish(balance_and_pots())
                return
            cursor = cursors.get(account_id)
            earliest = None if full_history else now - RECENT_HISTORY
            since = cursor if cursor is not None else earliest
            if since is not None and earliest is not None:
                since = max(since, earliest)
            try:
                try:
                    for page in client.iter_transactions(account.external_id, since=since):
                        writer.add(page)
                except HistoryWindowClosed:
                    # The five minutes after approval are over: settle for the last 89 days.
                    record.add("history_limited")
                    for page in client.iter_transactions(
                        account.external_id, since=now - RECENT_HISTORY
                    ):
                        writer.add(page)
            except BankError:
                # Keep what was read (the balance, pots and the pages so far); the cursor
                # stays where it was, so the next sync reads the rest again.
                try:
                    last = balance_and_pots()
                except BankError:
                    last = None
                writer.finish(last)
                raise
            try:
                stored = balance_and_pots()
            except BankError:
                writer.finish()  # the pages are kept; the cursor waits for a whole answer
                raise

        def balance_pots_and_cursor(db: Session) -> None:
            stored(db)
            _mark_synced(db, account_id, now)

        writer.finish(balance_pots_and_cursor)

    _per_account(live, one, record, lambda a: f"account {a.external_id}")


# --- TrueLayer ----------------------------------------------------------------------


class _Spender:
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
            free = budget.free(db, self.snapshot.id, self._paused_until, self.allowance, self.now)
            granted = list(endpoints[:free])
            if granted:
                ids = budget.record_many(db, self.snapshot.id, granted, _now())
                db.commit()
                self._booked.extend(zip(ids, granted, strict=True))

    def can_call(self) -> bool:
        """Whether this sync may make another call (the user is present, or a booking
        is left)."""
        with self._lock:
            return self.attended or bool(self._booked)

    def _spend(self, endpoint: str) -> bool:
        with self._lock:
            for index, (_, booked) in enumerate(self._booked):
                if booked == endpoint:
                    del self._booked[index]
                    return True
            if self._booked:
                self._booked.pop(0)
                return True
            return False

    def call(self, endpoint: str, fn: Callable[[], T]) -> T:
        if not self.attended and not self._spend(endpoint):
            with self._lock:
                self.deferred += 1
            raise Deferred(endpoint)
        try:
            return fn()
        except UnattendedLimitReached as exc:
            with self.ctx.session_factory() as db:
                connection = db.get(Connection, self.snapshot.id)
                if connection is not None:
                    until = budget.pause(db, connection, _now(), exc.retry_after)
                    db.commit()
                    with self._lock:
                        self._paused_until = until
                    log.warning(
                        "sync.unattended_paused", connection_id=self.snapshot.id, until=until
                    )
            with self._lock:
                self.deferred += 1
            raise Deferred(endpoint) from exc

    def give_back(self) -> None:
        """Unspent bookings return to the allowance (the calls were never made)."""
        with self._lock:
            unspent = [call_id for call_id, _ in self._booked]
            self._booked.clear()
        if unspent:
            with self.ctx.session_factory() as db:
                budget.forget(db, unspent)
                db.commit()


def _known_accounts(
    ctx: ConnectionsContext, snapshot: ConnectionSnapshot
) -> tuple[list[BankAccount], dict[str, str]]:
    """The connection's open accounts as last synced, and their ids (bank's → ours)."""
    with ctx.session_factory() as db:
        rows = db.execute(_OPEN_ACCOUNTS, {"connection_id": snapshot.id}).all()
        accounts = [
            BankAccount(
                external_id=r.external_id,
                kind=AccountKind(r.kind),
                name=r.name,
                currency=r.currency,
                provider_type=r.provider_type,
                display_suffix=r.display_suffix,
            )
            for r in rows
        ]
        return accounts, {r.external_id: r.id for r in rows}


def _sync_truelayer(
    ctx: ConnectionsContext,
    snapshot: ConnectionSnapshot,
    token: str,
    record: RunRecord,
    now: datetime,
    psu_ip: str | None,
) -> None:
    client = ctx.gateway.truelayer(token, psu_ip=psu_ip, stats=record.stats)
    spender = _Spender(ctx, snapshot, attended=psu_ip is not None, now=now)
    try:
        with contextlib.suppress(Deferred):  # the allowance ran out part-way; said below
            _truelayer_plan(ctx, snapshot, client, spender, record, now)
    finally:
        spender.give_back()
    if spender.deferred:
        record.add("deferred_calls", spender.deferred)
        record.errors.append(
            {
                "where": "allowance",
                "code": "unattended_limit",
                "message": (
                    f"{spender.deferred} call(s) postponed: the bank's allowance of "
                    f"{spender.allowance} unattended calls a day for this connection is spent."
                ),
            }
        )


def _truelayer_plan(
    ctx: ConnectionsContext,
    snapshot: ConnectionSnapshot,
    client: Any,
    spender: _Spender,
    record: RunRecord,
    now: datetime,
) -> None:
    """Spend calls where they matter most: card balances and pending items first
    (the card-pot rule needs them), transactions next, everything else last."""
    known, ids = _known_accounts(ctx, snapshot)
    relist = not known or (
        not snapshot.balances_only and (not snapshot.synced_before or spender.attended)
    )
    if relist:
        spender.book(["cards", "accounts"])
        cards = spender.call("cards", client.cards)
        bank_accounts = spender.call("accounts", client.accounts)
        listed = [*cards, *bank_accounts]
        with ctx.session_factory() as db:
            ids = store.upsert_accounts(db, snapshot.scope, listed, now)
            db.commit()
        record.add("accounts", len(listed))
    else:
        listed = known
    cards = [a for a in listed if a.kind == AccountKind.CREDIT_CARD]
    banks = [a for a in listed if a.kind != AccountKind.CREDIT_CARD]

    def balance_and_pending(account: BankAccount) -> None:
        account_id = ids[account.external_id]
        if account.kind == AccountKind.CREDIT_CARD:
            balance = spender.call(
                "card_balance",
                lambda: client.card_balance(account.external_id, provider_id=account.provider_type),
            )
            pending = spender.call(
                "card_pending", lambda: client.card_pending_transactions(account.external_id)
            )
        else:
            balance = spender.call("balance", lambda: client.balance(account.external_id))
            pending = spender.call(
                "pending", lambda: client.pending_transactions(account.external_id)
            )
        still_pending = {t.external_id for t in pending}
        with ctx.session_factory() as db:
            store.store_balance(db, snapshot.scope, account_id, balance)
            store.upsert_transactions(db, snapshot.scope, account_id, pending, now)
            dropped = store.drop_vanished_pending(db, snapshot.scope, account_id, still_pending)
            db.commit()
        listed_pending[account_id] = still_pending
        record.add("balances")
        record.add("pending", len(pending))
        if dropped:
            record.add("pending_removed", dropped)

    cursors: dict[str, datetime | None] = {}
    # What each account listed as pending in this run (see store.settle_chosen_pending).
    listed_pending: dict[str, set[str]] = {}

    def transactions(account: BankAccount) -> None:
        account_id = ids[account.external_id]
        cursor = cursors.get(account_id)
        full_history = snapshot.in_full_history_window(now)
        if cursor is not None:
            start = max(cursor - TRUELAYER_OVERLAP, now - RECENT_HISTORY)
        else:
            start = now - (FULL_HISTORY if full_history else RECENT_HISTORY)
        # `to` is an inclusive date: a day's margin keeps items a bank dates "tomorrow"
        # (another time zone, a clock a little ahead) inside the window.
        until = now + timedelta(days=1)
        fetch = (
            client.card_transactions
            if account.kind == AccountKind.CREDIT_CARD
            else client.transactions
        )
        endpoint = (
            "card_transactions" if account.kind == AccountKind.CREDIT_CARD else "transactions"
        )
        try:
            rows = spender.call(endpoint, lambda: fetch(account.external_id, from_=start, to=until))
        except RequestRejected as exc:
            if start >= now - RECENT_HISTORY:
                raise
            # The bank would not go back that far (window closed, or its own limit).
            record.add("history_limited")
            log.info("sync.history_limited", account_id=account_id, error_code=exc.error_code)
            start = now - RECENT_HISTORY
            rows = spender.call(endpoint, lambda: fetch(account.external_id, from_=start, to=until))
        listed = listed_pending.get(account_id)

        def last(db: Session) -> None:
            if listed is not None:
                carried = store.settle_chosen_pending(db, snapshot.scope, account_id, listed)
                if carried:
                    record.add("choices_carried", carried)
            _mark_synced(db, account_id, now)

        # One answer, already complete: written with the cursor (and the user's choices
        # moved from pending items that settled) in one commit.
        _AccountWriter(ctx, snapshot, account_id, record, now).finish(last, rows=rows)

    def extras(account: BankAccount) -> None:
        account_id = ids[account.external_id]
        orders = spender.call(
            "standing_orders", lambda: client.standing_orders(account.external_id)
        )
        debits = spender.call("direct_debits", lambda: client.direct_debits(account.external_id))
        with ctx.session_factory() as db:
            record.add(
                "standing_orders",
                store.upsert_standing_orders(db, snapshot.scope, account_id, orders, now),
            )
            record.add(
                "direct_debits",
                store.upsert_direct_debits(db, snapshot.scope, account_id, debits, now),
            )
            db.commit()

    def label(a: BankAccount) -> str:
        return f"account {a.external_id}"

    cards = [a for a in cards if snapshot.wanted(a.external_id)]
    banks = [a for a in banks if snapshot.wanted(a.external_id)]
    stages: list[tuple[Callable[[BankAccount], None], list[BankAccount]]] = [
        (balance_and_pending, [*cards, *banks])
    ]
    # What the calls below cost, most important first: balances and pending items,
    # then transactions, then standing orders and direct debits.
    plan = [e for a in cards for e in ("card_balance", "card_pending")]
    plan += [e for a in banks for e in ("balance", "pending")]
    if not snapshot.balances_only:
        stages += [(transactions, [*cards, *banks]), (extras, banks)]
        plan += ["card_transactions"] * len(cards) + ["transactions"] * len(banks)
        plan += [e for a in banks for e in ("standing_orders", "direct_debits")]
    spender.book(plan)
    # Deferred is raised out of the pool once the allowance is spent; stop there.
    for stage, accounts in stages:
        if stage is transactions and accounts and spender.can_call():
            # Read after the pending items above were stored: they move the start.
            # (With the allowance spent every fetch is postponed: nothing to read.)
            with ctx.session_factory() as db:
                cursors.update(_cursors(db, [ids[a.external_id] for a in accounts]))
        _per_account_deferrable(accounts, stage, record, label)


def _per_account_deferrable(
    accounts: Sequence[BankAccount],
    work: Callable[[BankAccount], None],
    record: RunRecord,
    label: Callable[[BankAccount], str],
) -> None:
    deferred: list[Deferred] = []

    def guarded(item: BankAccount) -> None:
        try:
            work(item)
        except Deferred as exc:
            deferred.append(exc)

    _per_account(accounts, guarded, record, label)
    if deferred:
        raise deferred[0]


# --- many connections ---------------------------------------------------------------


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
        chosen: list[str] = []
        for connection_id, provider, provider_id in rows:
            if provider != "truelayer":
                chosen.append(connection_id)
                continue
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
                continue
            spacing = timedelta(hours=24) * min(
                1.0, ESSENTIAL_CALLS_PER_ACCOUNT * accounts / allowance
            )
            last = db.scalar(
                select(func.max(SyncRun.started_at)).where(
                    SyncRun.connection_id == connection_id,
                    SyncRun.trigger == "schedule",
                    SyncRun.status != "skipped",
                )
            )
            if last is None or now - last >= spacing:
                chosen.append(connection_id)
    return [c for c in due if c in set(chosen)]


def awaiting_approval_ids(ctx: ConnectionsContext) -> list[str]:
    with ctx.session_factory() as db:
        return list(
            db.scalars(
                select(Connection.id).where(
                    Connection.provider == "monzo",
                    Connection.status == connections.STATUS_AWAITING_APPROVAL,
                )
            )
        )
