"""The Monzo sync: the accounts, then for each account its transaction pages, with its
balance and pots asked for beside them.

Monzo has no cap on calls. Its full history is open only for five minutes
after the user approved access; outside that window it serves about 90 days.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime

from sqlalchemy.orm import Session

from potwise.banks.errors import BankError
from potwise.banks.monzo.client import MonzoClient
from potwise.banks.monzo.errors import HistoryWindowClosed
from potwise.domain.mirror import AccountBalance, AccountKind, BankAccount, BankPot
from potwise.services.connections import ConnectionsContext
from potwise.services.sync.accounts import (
    RECENT_HISTORY,
    AccountWriter,
    cursors_of,
    known_accounts,
    mark_synced,
    per_account,
)
from potwise.services.sync.runs import ConnectionSnapshot, RunRecord
from potwise.services.sync.store.accounts import store_balance, upsert_accounts, upsert_pots

# What a helper thread hands back: the account's balance and its pots.
_BalanceAndPots = tuple[AccountBalance, list[BankPot]]


def sync_monzo(
    ctx: ConnectionsContext,
    snapshot: ConnectionSnapshot,
    token: str,
    record: RunRecord,
    now: datetime,
) -> None:
    """Sync a Monzo connection's accounts, balances, pots and transactions."""
    client = ctx.gateway.monzo(token, stats=record.stats)
    # A balance refresh for a decision reads the accounts it already knows; a sync
    # lists them again (new, renamed and closed accounts).
    known, ids = known_accounts(ctx, snapshot) if snapshot.balances_only else ([], {})
    accounts = known or client.accounts()
    # Closed accounts keep their history but have nothing new to say.
    live = [a for a in accounts if not a.closed and snapshot.wanted(a.external_id)]
    cursors: dict[str, datetime | None] = {}
    if not known:
        with ctx.session_factory() as db:
            ids = upsert_accounts(db, snapshot.scope, accounts, now)
            db.commit()
            record.add("accounts", len(accounts))
            if not snapshot.balances_only:
                cursors = cursors_of(db, [ids[a.external_id] for a in live])
    each = _AccountSync(ctx, snapshot, client, record, now, ids, cursors)
    per_account(live, each.sync, record, lambda a: f"account {a.external_id}")


class _AccountSync:
    """Syncs one Monzo account at a time (several at once, on the accounts' threads)."""

    def __init__(
        self,
        ctx: ConnectionsContext,
        snapshot: ConnectionSnapshot,
        client: MonzoClient,
        record: RunRecord,
        now: datetime,
        ids: dict[str, str],
        cursors: dict[str, datetime | None],
    ) -> None:
        self.ctx = ctx
        self.snapshot = snapshot
        self.client = client
        self.record = record
        self.now = now
        self.ids = ids
        self.cursors = cursors
        self.full_history = snapshot.in_full_history_window(now)

    def sync(self, account: BankAccount) -> None:
        """Read the account's transactions (unless only balances are wanted), balance
        and pots, and store them with its cursor."""
        account_id = self.ids[account.external_id]
        writer = AccountWriter(self.ctx, self.snapshot, account_id, self.record, self.now)
        # The balance and pots are asked for beside the transaction pages (one
        # helper thread, one after the other), so they add little to the account's
        # chain of page requests.
        with ThreadPoolExecutor(max_workers=1) as beside:
            side = beside.submit(self._read_balance_and_pots, account)
            if self.snapshot.balances_only:
                writer.finish(self._balance_and_pots(side, account_id))
                return
            stored = self._transactions_then_balance(account, account_id, writer, side)

        def balance_pots_and_cursor(db: Session) -> None:
            stored(db)
            mark_synced(db, account_id, self.now)

        writer.finish(balance_pots_and_cursor)

    def _read_balance_and_pots(self, account: BankAccount) -> _BalanceAndPots:
        has_pots = account.kind in (AccountKind.CURRENT, AccountKind.JOINT)
        balance = self.client.balance(account.external_id, now=self.now)
        return balance, (self.client.pots(account.external_id) if has_pots else [])

    def _balance_and_pots(
        self, side: Future[_BalanceAndPots], account_id: str
    ) -> Callable[[Session], None]:
        """Waits for both answers (never inside a database transaction)."""
        got_balance, got_pots = side.result()

        def store_them(db: Session) -> None:
            store_balance(db, self.snapshot.scope, account_id, got_balance)
            self.record.add(
                "pots", upsert_pots(db, self.snapshot.scope, got_pots, self.ids, self.now)
            )
            self.record.add("balances")

        return store_them

    def _transactions_then_balance(
        self,
        account: BankAccount,
        account_id: str,
        writer: AccountWriter,
        side: Future[_BalanceAndPots],
    ) -> Callable[[Session], None]:
        """Walk the account's pages into `writer`, then wait for its balance and pots;
        returns how to store them. On a bank's error what was read is kept, and the
        error goes on."""
        try:
            self._walk_pages(account, writer, self._since(account_id))
        except BankError:
            # Keep what was read (the balance, pots and the pages so far); the cursor
            # stays where it was, so the next sync reads the rest again.
            try:
                last = self._balance_and_pots(side, account_id)
            except BankError:
                last = None
            writer.finish(last)
            raise
        try:
            return self._balance_and_pots(side, account_id)
        except BankError:
            writer.finish()  # the pages are kept; the cursor waits for a whole answer
            raise

    def _since(self, account_id: str) -> datetime | None:
        """Where the account's read starts (None: all the history the bank has)."""
        cursor = self.cursors.get(account_id)
        earliest = None if self.full_history else self.now - RECENT_HISTORY
        since = cursor if cursor is not None else earliest
        if since is not None and earliest is not None:
            since = max(since, earliest)
        return since

    def _walk_pages(
        self, account: BankAccount, writer: AccountWriter, since: datetime | None
    ) -> None:
        try:
            for page in self.client.iter_transactions(account.external_id, since=since):
                writer.add(page)
        except HistoryWindowClosed:
            # The five minutes after approval are over: settle for the last 89 days.
            self.record.add("history_limited")
            for page in self.client.iter_transactions(
                account.external_id, since=self.now - RECENT_HISTORY
            ):
                writer.add(page)
