"""What the Monzo and TrueLayer syncs share: the accounts fetched concurrently, where
an incremental read of each starts, and how its transactions are written while
its pages still arrive.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from potwise.banks.errors import AuthExpired, AwaitingApproval, BankError, ConsentExpired
from potwise.db.models import Account, Transaction, table_of
from potwise.domain.mirror import AccountKind, BankAccount, BankTransaction
from potwise.services.connections import ConnectionsContext
from potwise.services.sync.runs import ConnectionSnapshot, RunRecord
from potwise.services.sync.store.transactions import upsert_transactions

T = TypeVar("T")

ACCOUNT_WORKERS = 4
# Outside the full-history window banks serve about 90 days; ask for a little less.
RECENT_HISTORY = timedelta(days=89)

# Statements every sync runs for each account, built once on the tables.
_ACCOUNTS = table_of(Account)
_TRANSACTIONS = table_of(Transaction)
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


def per_account(
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


def cursors_of(db: Session, account_ids: Iterable[str]) -> dict[str, datetime | None]:
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


def mark_synced(db: Session, account_id: str, now: datetime) -> None:
    """The account's history is stored up to `now` (its cursor moves there)."""
    db.execute(_MARK_SYNCED, {"account_id": account_id, "synced_until": now})


# Rows gathered before they are written: a first sync's pages are written in a few
# large batches instead of a session and a commit per 100-row page.
WRITE_BATCH_ROWS = 1000
# A history longer than this is written on a helper thread while it is fetched.
BACKGROUND_AFTER_ROWS = 200


class AccountWriter:
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
                upsert_transactions(db, self.snapshot.scope, self.account_id, rows, self.now)
            if last is not None:
                last(db)
            db.commit()
        if rows:
            self.record.add("transactions", len(rows))


def known_accounts(
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
