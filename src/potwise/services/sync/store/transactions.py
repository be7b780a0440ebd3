"""Transactions of one account, as the bank listed them (pending and settled)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from potwise.db.models import Transaction, new_ids, table_of
from potwise.domain import mirror
from potwise.services.sync.store.scope import Scope
from potwise.services.sync.store.upsert import upsert

_TRANSACTIONS = table_of(Transaction)
# Columns refreshed when a transaction is seen again (pending → settled, merchant added).
_TRANSACTION_UPDATES = (
    "created_at",
    "settled_at",
    "amount",
    "currency",
    "local_amount",
    "local_currency",
    "status",
    "description",
    "merchant",
    "provider_category",
    "counterparty",
    "pot_external_id",
    "decline_reason",
    "date_only",
    "updated_at",
)


def upsert_transactions(
    db: Session,
    scope: Scope,
    account_id: str,
    transactions: Sequence[mirror.BankTransaction],
    now: datetime,
) -> int:
    """Upsert transactions of one account; the category chosen by us or the user is kept."""
    unique = _dedupe(transactions)
    rows = [
        {
            "id": row_id,
            "user_id": scope.user_id,
            "connection_id": scope.connection_id,
            "account_id": account_id,
            "external_id": t.external_id,
            "created_at": t.created_at,
            "settled_at": t.settled_at,
            "amount": t.amount,
            "currency": t.currency,
            "local_amount": t.local_amount,
            "local_currency": t.local_currency,
            "status": str(t.status),  # the enum's value as a plain str
            "description": t.description,
            "merchant": t.merchant,
            "category": t.category,
            "provider_category": t.provider_category or t.category,
            "counterparty": t.counterparty,
            "pot_external_id": t.pot_external_id,
            "decline_reason": t.decline_reason,
            "date_only": t.date_only,
            "first_seen_at": now,
            "updated_at": now,
        }
        for row_id, t in zip(new_ids(len(unique)), unique, strict=True)
    ]
    if rows:
        upsert(db, _TRANSACTIONS, rows, _TRANSACTION_UPDATES)
    return len(rows)


def _dedupe(transactions: Sequence[mirror.BankTransaction]) -> list[mirror.BankTransaction]:
    """One row per external id within a batch (the last word wins); ON CONFLICT
    cannot touch the same row twice in one statement."""
    latest: dict[str, mirror.BankTransaction] = {}
    for t in transactions:
        latest[t.external_id] = t
    return list(latest.values())
