"""Accounts, their balances and pots as the bank listed them, with a snapshot of every balance."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from potwise.db.models import Account, BalanceSnapshot, Pot, new_id, new_ids, table_of
from potwise.domain import mirror
from potwise.services.sync.store.scope import Scope
from potwise.services.sync.store.upsert import upsert

# Statements every sync runs for each account and pot, built once on the tables.
_ACCOUNTS = table_of(Account)
_POTS = table_of(Pot)
_ACCOUNT_IDS = select(_ACCOUNTS.c.external_id, _ACCOUNTS.c.id).where(
    _ACCOUNTS.c.connection_id == bindparam("connection_id"),
    _ACCOUNTS.c.user_id == bindparam("owner"),
)
_SET_BALANCE = update(_ACCOUNTS).where(
    _ACCOUNTS.c.id == bindparam("account_id"), _ACCOUNTS.c.user_id == bindparam("owner")
)
_SNAPSHOT = insert(table_of(BalanceSnapshot))
_POT_IDS = select(_POTS.c.external_id, _POTS.c.id).where(
    _POTS.c.connection_id == bindparam("connection_id"),
    _POTS.c.external_id.in_(bindparam("external_ids", expanding=True)),
)


def upsert_accounts(
    db: Session, scope: Scope, accounts: Sequence[mirror.BankAccount], now: datetime
) -> dict[str, str]:
    """Upsert accounts; returns external id → our id for every account of the connection."""
    rows = [
        {
            "id": new_id(),
            "user_id": scope.user_id,
            "connection_id": scope.connection_id,
            "external_id": a.external_id,
            "provider": scope.bank,
            "kind": a.kind.value,
            "name": a.name,
            "currency": a.currency,
            "closed": a.closed,
            "provider_type": a.provider_type,
            "display_suffix": a.display_suffix,
            "created_at": now,
            "updated_at": now,
        }
        for a in accounts
    ]
    if rows:
        upsert(
            db,
            _ACCOUNTS,
            rows,
            ("kind", "name", "currency", "closed", "provider_type", "display_suffix", "updated_at"),
        )
    return account_ids(db, scope)


def account_ids(db: Session, scope: Scope) -> dict[str, str]:
    found = db.execute(_ACCOUNT_IDS, {"connection_id": scope.connection_id, "owner": scope.user_id})
    return {external_id: row_id for external_id, row_id in found}


def store_balance(
    db: Session, scope: Scope, account_id: str, balance: mirror.AccountBalance
) -> None:
    """Set the account's current balance and add a snapshot to its time series
    (neither when the account is not the user's)."""
    values: dict[str, Any] = {
        "balance": balance.balance,
        "available": balance.available,
        "balance_at": balance.at,
    }
    if balance.credit_limit is not None:
        values["credit_limit"] = balance.credit_limit
    if balance.has_statement:
        values["statement_balance"] = balance.statement_balance
        values["statement_date"] = balance.statement_date
        values["payment_due"] = balance.payment_due
        values["payment_due_date"] = balance.payment_due_date
    updated = db.execute(_SET_BALANCE, {"account_id": account_id, "owner": scope.user_id, **values})
    if not updated.rowcount:  # type: ignore[attr-defined]
        return
    db.execute(
        _SNAPSHOT,
        {
            "id": new_id(),
            "user_id": scope.user_id,
            "account_id": account_id,
            "pot_id": None,
            "at": balance.at,
            "balance": balance.balance,
            "available": balance.available,
            "currency": balance.currency,
        },
    )


def upsert_pots(
    db: Session,
    scope: Scope,
    pots: Sequence[mirror.BankPot],
    accounts: dict[str, str],
    now: datetime,
) -> int:
    """Upsert pots (deleted ones stay, flagged) and snapshot every balance."""
    rows = [
        {
            "id": new_id(),
            "user_id": scope.user_id,
            "connection_id": scope.connection_id,
            "account_id": accounts[p.account_external_id],
            "external_id": p.external_id,
            "name": p.name,
            "currency": p.currency,
            "balance": p.balance,
            "goal": p.goal,
            "deleted": p.deleted,
            "balance_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for p in pots
        if p.account_external_id in accounts
    ]
    if not rows:
        return 0
    upsert(
        db,
        _POTS,
        rows,
        ("name", "currency", "balance", "goal", "deleted", "balance_at", "updated_at"),
    )
    _snapshot_pots(db, scope, pots, now)
    return len(rows)


def _snapshot_pots(
    db: Session, scope: Scope, pots: Sequence[mirror.BankPot], now: datetime
) -> None:
    """Add each stored pot's balance to its time series."""
    found = db.execute(
        _POT_IDS,
        {"connection_id": scope.connection_id, "external_ids": [p.external_id for p in pots]},
    )
    ids = {external_id: row_id for external_id, row_id in found}
    kept = [p for p in pots if p.external_id in ids]
    snapshots = [
        {
            "id": snapshot_id,
            "user_id": scope.user_id,
            "account_id": None,
            "pot_id": ids[p.external_id],
            "at": now,
            "balance": p.balance,
            "available": None,
            "currency": p.currency,
        }
        for snapshot_id, p in zip(new_ids(len(kept)), kept, strict=True)
    ]
    if snapshots:
        db.execute(_SNAPSHOT, snapshots)
