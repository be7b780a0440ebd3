"""Builders for a user's mirror: a connection, accounts and transactions, stored directly."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from potwise.db.models import Account, Connection, Transaction


@dataclass
class Household:
    """One user's accounts by name; `add` stores a transaction on one of them."""

    db: Session
    user_id: str
    accounts: dict[str, Account] = field(default_factory=dict)
    connection_id: str = ""

    @classmethod
    def of(cls, db: Session, user_id: str) -> Household:
        connection = Connection(user_id=user_id, provider="monzo", display_name="Monzo")
        db.add(connection)
        db.flush()
        household = cls(db, user_id, connection_id=connection.id)
        for name, kind in (
            ("current", "current"),
            ("joint", "joint"),
            ("savings", "savings"),
            ("amex", "credit_card"),
        ):
            account = Account(
                user_id=user_id,
                connection_id=connection.id,
                external_id=f"acc_{name}_{uuid.uuid4().hex[:6]}",
                provider="monzo",
                kind=kind,
                name=name.capitalize(),
                currency="GBP",
            )
            db.add(account)
            household.accounts[name] = account
        db.commit()
        return household

    def add(
        self,
        at: datetime,
        amount: int,
        *,
        account: str = "current",
        category: str | None = "groceries",
        merchant: str | None = "Tesco",
        merchant_key: str | None = None,
        classification: str | None = "spending",
        status: str = "settled",
        pot: str | None = None,
        currency: str = "GBP",
        description: str = "",
    ) -> Transaction:
        row = Transaction(
            user_id=self.user_id,
            connection_id=self.connection_id,
            account_id=self.accounts[account].id,
            external_id=f"tx_{uuid.uuid4().hex}",
            created_at=at,
            amount=amount,
            currency=currency,
            status=status,
            description=description or (merchant or "payment").upper(),
            merchant=merchant,
            merchant_key=merchant_key or (merchant.lower() if merchant else None),
            category=category,
            # As a bank would send it, so a classifier re-running keeps the category.
            provider_category=category,
            classification=classification,
            pot_external_id=pot,
        )
        self.db.add(row)
        self.db.commit()
        return row
