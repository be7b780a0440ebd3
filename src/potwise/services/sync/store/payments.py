"""An account's standing orders and direct debits, as the bank listed them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from potwise.db.models import DirectDebit, StandingOrder, new_id, table_of
from potwise.domain import mirror
from potwise.services.sync.store.scope import Scope
from potwise.services.sync.store.upsert import upsert


def upsert_standing_orders(
    db: Session,
    scope: Scope,
    account_id: str,
    orders: Sequence[mirror.StandingOrder],
    now: datetime,
) -> int:
    rows = [
        {
            "id": new_id(),
            "user_id": scope.user_id,
            "connection_id": scope.connection_id,
            "account_id": account_id,
            "external_id": o.external_id,
            "payee": o.payee,
            "amount": o.amount,
            "currency": o.currency,
            "frequency": o.frequency,
            "next_date": o.next_date,
            "reference": o.reference,
            "updated_at": now,
        }
        for o in orders
    ]
    if rows:
        upsert(
            db,
            table_of(StandingOrder),
            rows,
            ("payee", "amount", "currency", "frequency", "next_date", "reference", "updated_at"),
        )
    return len(rows)


def upsert_direct_debits(
    db: Session,
    scope: Scope,
    account_id: str,
    debits: Sequence[mirror.DirectDebit],
    now: datetime,
) -> int:
    rows = [
        {
            "id": new_id(),
            "user_id": scope.user_id,
            "connection_id": scope.connection_id,
            "account_id": account_id,
            "external_id": d.external_id,
            "payee": d.payee,
            "currency": d.currency,
            "last_amount": d.last_amount,
            "last_date": d.last_date,
            "status": d.status,
            "updated_at": now,
        }
        for d in debits
    ]
    if rows:
        upsert(
            db,
            table_of(DirectDebit),
            rows,
            ("payee", "currency", "last_amount", "last_date", "status", "updated_at"),
        )
    return len(rows)
