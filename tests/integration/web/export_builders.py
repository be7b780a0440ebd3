"""A user's accounts and transactions for the export tests, stored directly."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from potwise.db.models import Account, Connection, Transaction


@dataclass
class Books:
    """One user's current account, savings and credit card; `add` stores a transaction."""

    db: Session
    user_id: str
    connection: Connection
    accounts: dict[str, Account] = field(default_factory=dict)

    @classmethod
    def of(cls, db: Session, user_id: str, *, at: datetime) -> Books:
        connection = Connection(user_id=user_id, provider="monzo", display_name="Monzo")
        db.add(connection)
        db.flush()
        books = cls(db, user_id, connection)
        for key, kind, name, balance in (
            ("current", "current", "Current account", 123456),
            ("savings", "savings", "Rainy day", 50000),
            ("card", "credit_card", "American Express", -4567),
        ):
            account = Account(
                user_id=user_id,
                connection_id=connection.id,
                external_id=f"acc_{key}_{uuid.uuid4().hex}",
                provider="monzo" if kind != "credit_card" else "ob-amex",
                kind=kind,
                name=name,
                currency="GBP",
                balance=balance,
                balance_at=at,
            )
            db.add(account)
            books.accounts[key] = account
        db.commit()
        return books

    def add(
        self,
        at: datetime,
        amount: int,
        *,
        account: str = "current",
        merchant: str | None = "Tesco",
        description: str = "TESCO STORES 2345 LONDON",
        category: str | None = "groceries",
        classification: str | None = "spending",
        status: str = "settled",
        settled_at: datetime | None = None,
        external_id: str | None = None,
    ) -> Transaction:
        row = Transaction(
            user_id=self.user_id,
            connection_id=self.connection.id,
            account_id=self.accounts[account].id,
            external_id=external_id or f"tx_{uuid.uuid4().hex}",
            created_at=at,
            settled_at=settled_at,
            amount=amount,
            currency="GBP",
            status=status,
            description=description,
            merchant=merchant,
            category=category,
            classification=classification,
        )
        self.db.add(row)
        self.db.commit()
        return row
