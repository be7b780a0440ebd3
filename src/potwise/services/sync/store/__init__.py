"""Writing what a bank said into the mirror: idempotent, batched upserts.

Every row is keyed by (connection_id, external_id), so running the same sync
twice changes nothing. The modules are named for what they store: `accounts`
(accounts, balances, pots), `transactions`, `payments` (standing orders and
direct debits) and `pending` (pending items that vanished, and the user's
choices carried to their settled successors); `upsert` is the one way they
write, `scope` says whose rows they are.

The names below are the store's public face for code outside the sync.
"""

from potwise.services.sync.store.accounts import (
    account_ids,
    store_balance,
    upsert_accounts,
    upsert_pots,
)
from potwise.services.sync.store.payments import upsert_direct_debits, upsert_standing_orders
from potwise.services.sync.store.pending import drop_vanished_pending, settle_chosen_pending
from potwise.services.sync.store.scope import Scope
from potwise.services.sync.store.transactions import upsert_transactions

__all__ = [
    "Scope",
    "account_ids",
    "drop_vanished_pending",
    "settle_chosen_pending",
    "store_balance",
    "upsert_accounts",
    "upsert_direct_debits",
    "upsert_pots",
    "upsert_standing_orders",
    "upsert_transactions",
]
