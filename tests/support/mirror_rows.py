"""Rows of the mirror for tests that need a user with a bank account and nothing else:
a user, a Monzo connection and its current account, flushed (the caller commits)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from potwise.db.models import Account, Connection, User


def current_account(db: Session, email: str, *, external_id: str = "acc_main") -> Account:
    """A new user with a Monzo connection and a current account; the account."""
    user = User(email=email, password_hash="x")
    db.add(user)
    db.flush()
    connection = Connection(user_id=user.id, provider="monzo", display_name="Monzo")
    db.add(connection)
    db.flush()
    account = Account(
        user_id=user.id,
        connection_id=connection.id,
        external_id=external_id,
        provider="monzo",
        kind="current",
        name="Current",
        currency="GBP",
    )
    db.add(account)
    db.flush()
    return account
