"""A little mirrored data for the security tests: one Monzo account, a few transactions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from potwise.db.models import Account, Connection, Transaction


@dataclass
class Mirror:
    connection: Connection
    account: Account


def seed_mirror(db: Session, user_id: str, descriptions: list[str]) -> Mirror:
    """A Monzo connection whose current account has one transaction per description."""
    connection = Connection(user_id=user_id, provider="monzo", display_name="Monzo")
    db.add(connection)
    db.flush()
    account = Account(
        user_id=user_id,
        connection_id=connection.id,
        external_id="acc_current",
        provider="monzo",
        kind="current",
        name="Current account",
        currency="GBP",
        balance=100_00,
    )
    db.add(account)
    db.flush()
    base = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)
    db.add_all(
        Transaction(
            user_id=user_id,
            connection_id=connection.id,
            account_id=account.id,
            external_id=f"tx_{n}",
            created_at=base - timedelta(hours=n),
            amount=-(n + 1) * 100,
            currency="GBP",
            status="settled",
            description=description,
        )
        for n, description in enumerate(descriptions)
    )
    db.commit()
    return Mirror(connection, account)
