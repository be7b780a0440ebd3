"""The TrueLayer sync: cards and accounts, spending the consent's allowance of
unattended calls where it matters most.

Without the user present a consent answers only a few calls a day (see
`allowance`). A sync books its calls ahead, most important first: card
balances and pending items (the card-pot rule needs them), transactions next,
standing orders and direct debits last; what the allowance cannot pay for is
postponed to a later sync and said in the run's errors.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from potwise.banks.errors import RequestRejected
from potwise.banks.truelayer.client import TrueLayerClient
from potwise.domain.mirror import AccountBalance, AccountKind, BankAccount, BankTransaction
from potwise.logs import get_logger
from potwise.services.connections import ConnectionsContext
from potwise.services.sync.accounts import (
    RECENT_HISTORY,
    AccountWriter,
    cursors_of,
    known_accounts,
    mark_synced,
    per_account,
)
from potwise.services.sync.allowance import Deferred, Spender
from potwise.services.sync.runs import ConnectionSnapshot, RunRecord
from potwise.services.sync.store.accounts import store_balance, upsert_accounts
from potwise.services.sync.store.payments import upsert_direct_debits, upsert_standing_orders
from potwise.services.sync.store.pending import drop_vanished_pending, settle_chosen_pending
from potwise.services.sync.store.transactions import upsert_transactions

log = get_logger(__name__)

# In the window, ask TrueLayer banks for five years (some refuse six).
FULL_HISTORY = timedelta(days=5 * 365)
# TrueLayer rows arrive back-dated and pendings settle over days: re-read a margin.
TRUELAYER_OVERLAP = timedelta(days=14)


def sync_truelayer(
    ctx: ConnectionsContext,
    snapshot: ConnectionSnapshot,
    token: str,
    record: RunRecord,
    now: datetime,
    psu_ip: str | None,
) -> None:
    """Sync a TrueLayer connection's cards and accounts within its allowance.

    `psu_ip` is set when the user is present: their calls cost no allowance."""
    client = ctx.gateway.truelayer(token, psu_ip=psu_ip, stats=record.stats)
    spender = Spender(ctx, snapshot, attended=psu_ip is not None, now=now)
    try:
        with contextlib.suppress(Deferred):  # the allowance ran out part-way; said below
            _TrueLayerSync(ctx, snapshot, client, spender, record, now).run()
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


def _label(account: BankAccount) -> str:
    return f"account {account.external_id}"


class _TrueLayerSync:
    """One sync of a TrueLayer connection, in stages: balances and pending items,
    then transactions, then standing orders and direct debits. Each stage runs its
    accounts concurrently; :class:`Deferred` stops the stages once the allowance
    is spent."""

    def __init__(
        self,
        ctx: ConnectionsContext,
        snapshot: ConnectionSnapshot,
        client: TrueLayerClient,
        spender: Spender,
        record: RunRecord,
        now: datetime,
    ) -> None:
        self.ctx = ctx
        self.snapshot = snapshot
        self.client = client
        self.spender = spender
        self.record = record
        self.now = now
        self.ids: dict[str, str] = {}
        self.cursors: dict[str, datetime | None] = {}
        # What each account listed as pending in this run (see store.settle_chosen_pending).
        self.listed_pending: dict[str, set[str]] = {}

    def run(self) -> None:
        """Spend calls where they matter most: card balances and pending items first
        (the card-pot rule needs them), transactions next, everything else last."""
        cards, banks = self._accounts()
        every = [*cards, *banks]
        self.spender.book(self._calls_planned(cards, banks))
        # Deferred is raised out of the pool once the allowance is spent; stop there.
        _per_account_deferrable(every, self.balance_and_pending, self.record)
        if self.snapshot.balances_only:
            return
        if every and self.spender.can_call():
            # Read after the pending items above were stored: they move the start.
            # (With the allowance spent every fetch is postponed: nothing to read.)
            with self.ctx.session_factory() as db:
                self.cursors.update(cursors_of(db, [self.ids[a.external_id] for a in every]))
        _per_account_deferrable(every, self.transactions, self.record)
        _per_account_deferrable(banks, self.extras, self.record)

    # --- the accounts and what their calls cost ------------------------------------

    def _accounts(self) -> tuple[list[BankAccount], list[BankAccount]]:
        """The cards and the other accounts to sync: as last synced, or listed again
        (accounts unknown yet, a first full sync, or the user present)."""
        known, self.ids = known_accounts(self.ctx, self.snapshot)
        relist = not known or (
            not self.snapshot.balances_only
            and (not self.snapshot.synced_before or self.spender.attended)
        )
        listed = self._list_accounts() if relist else known
        cards = [a for a in listed if a.kind == AccountKind.CREDIT_CARD]
        banks = [a for a in listed if a.kind != AccountKind.CREDIT_CARD]
        cards = [a for a in cards if self.snapshot.wanted(a.external_id)]
        banks = [a for a in banks if self.snapshot.wanted(a.external_id)]
        return cards, banks

    def _list_accounts(self) -> list[BankAccount]:
        self.spender.book(["cards", "accounts"])
        cards = self.spender.call("cards", self.client.cards)
        bank_accounts = self.spender.call("accounts", self.client.accounts)
        listed = [*cards, *bank_accounts]
        with self.ctx.session_factory() as db:
            self.ids = upsert_accounts(db, self.snapshot.scope, listed, self.now)
            db.commit()
        self.record.add("accounts", len(listed))
        return listed

    def _calls_planned(self, cards: list[BankAccount], banks: list[BankAccount]) -> list[str]:
        """What the calls of the stages cost, most important first: balances and
        pending items, then transactions, then standing orders and direct debits."""
        plan = [e for a in cards for e in ("card_balance", "card_pending")]
        plan += [e for a in banks for e in ("balance", "pending")]
        if not self.snapshot.balances_only:
            plan += ["card_transactions"] * len(cards) + ["transactions"] * len(banks)
            plan += [e for a in banks for e in ("standing_orders", "direct_debits")]
        return plan

    # --- the stages, one account at a time -----------------------------------------

    def balance_and_pending(self, account: BankAccount) -> None:
        account_id = self.ids[account.external_id]
        balance, pending = self._read_balance_and_pending(account)
        still_pending = {t.external_id for t in pending}
        scope = self.snapshot.scope
        with self.ctx.session_factory() as db:
            store_balance(db, scope, account_id, balance)
            upsert_transactions(db, scope, account_id, pending, self.now)
            dropped = drop_vanished_pending(db, scope, account_id, still_pending)
            db.commit()
        self.listed_pending[account_id] = still_pending
        self.record.add("balances")
        self.record.add("pending", len(pending))
        if dropped:
            self.record.add("pending_removed", dropped)

    def _read_balance_and_pending(
        self, account: BankAccount
    ) -> tuple[AccountBalance, list[BankTransaction]]:
        spender, client = self.spender, self.client
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
        return balance, pending

    def transactions(self, account: BankAccount) -> None:
        account_id = self.ids[account.external_id]
        rows = self._read_transactions(account, account_id)
        listed = self.listed_pending.get(account_id)
        record, now = self.record, self.now
        scope = self.snapshot.scope

        def last(db: Session) -> None:
            if listed is not None:
                carried = settle_chosen_pending(db, scope, account_id, listed)
                if carried:
                    record.add("choices_carried", carried)
            mark_synced(db, account_id, now)

        # One answer, already complete: written with the cursor (and the user's choices
        # moved from pending items that settled) in one commit.
        AccountWriter(self.ctx, self.snapshot, account_id, record, now).finish(last, rows=rows)

    def _read_transactions(self, account: BankAccount, account_id: str) -> list[BankTransaction]:
        """The account's transactions since its cursor (less a margin), or as far back
        as the bank allows on a first sync."""
        now = self.now
        cursor = self.cursors.get(account_id)
        full_history = self.snapshot.in_full_history_window(now)
        if cursor is not None:
            start = max(cursor - TRUELAYER_OVERLAP, now - RECENT_HISTORY)
        else:
            start = now - (FULL_HISTORY if full_history else RECENT_HISTORY)
        # `to` is an inclusive date: a day's margin keeps items a bank dates "tomorrow"
        # (another time zone, a clock a little ahead) inside the window.
        until = now + timedelta(days=1)
        card = account.kind == AccountKind.CREDIT_CARD
        fetch = self.client.card_transactions if card else self.client.transactions
        endpoint = "card_transactions" if card else "transactions"
        try:
            return self.spender.call(
                endpoint, lambda: fetch(account.external_id, from_=start, to=until)
            )
        except RequestRejected as exc:
            if start >= now - RECENT_HISTORY:
                raise
            # The bank would not go back that far (window closed, or its own limit).
            self.record.add("history_limited")
            log.info("sync.history_limited", account_id=account_id, error_code=exc.error_code)
            start = now - RECENT_HISTORY
            return self.spender.call(
                endpoint, lambda: fetch(account.external_id, from_=start, to=until)
            )

    def extras(self, account: BankAccount) -> None:
        account_id = self.ids[account.external_id]
        spender, client = self.spender, self.client
        orders = spender.call(
            "standing_orders", lambda: client.standing_orders(account.external_id)
        )
        debits = spender.call("direct_debits", lambda: client.direct_debits(account.external_id))
        with self.ctx.session_factory() as db:
            self.record.add(
                "standing_orders",
                upsert_standing_orders(db, self.snapshot.scope, account_id, orders, self.now),
            )
            self.record.add(
                "direct_debits",
                upsert_direct_debits(db, self.snapshot.scope, account_id, debits, self.now),
            )
            db.commit()


def _per_account_deferrable(
    accounts: Sequence[BankAccount],
    work: Callable[[BankAccount], None],
    record: RunRecord,
) -> None:
    """:func:`per_account`, then the first :class:`Deferred` any account met (after
    every account had its turn)."""
    deferred: list[Deferred] = []

    def guarded(item: BankAccount) -> None:
        try:
            work(item)
        except Deferred as exc:
            deferred.append(exc)

    per_account(accounts, guarded, record, _label)
    if deferred:
        raise deferred[0]
