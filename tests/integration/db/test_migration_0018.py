"""Revision 0018 marks the Open Banking transactions mirrored before it that the bank
dated without a time (exactly midnight UTC), and no other."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from potwise.db import migrate
from potwise.db.models import Account, Connection, Transaction, User


def _account(db: Session, user: User, provider: str) -> Account:
    kind = "monzo" if provider == "monzo" else "truelayer"
    connection = Connection(user_id=user.id, provider=kind, display_name=provider)
    db.add(connection)
    db.flush()
    account = Account(
        user_id=user.id,
        connection_id=connection.id,
        external_id=f"acc_{provider}",
        provider=provider,
        kind="credit_card" if provider != "monzo" else "current",
        name=provider,
        currency="GBP",
    )
    db.add(account)
    db.flush()
    return account


def _tx(db: Session, account: Account, external_id: str, at: datetime) -> None:
    db.add(
        Transaction(
            user_id=account.user_id,
            connection_id=account.connection_id,
            account_id=account.id,
            external_id=external_id,
            created_at=at,
            amount=-100,
            currency="GBP",
            status="settled",
            description="SHOP",
        )
    )


def test_midnight_open_banking_rows_become_date_only(engine: Engine, db: Session) -> None:
    user = User(email="m@example.com", password_hash="x")
    db.add(user)
    db.flush()
    amex, monzo = _account(db, user, "ob-amex"), _account(db, user, "monzo")
    midnight = datetime(2026, 11, 27, tzinfo=UTC)
    _tx(db, amex, "amex-date", midnight)
    _tx(db, amex, "amex-moment", datetime(2026, 11, 27, 14, 5, tzinfo=UTC))
    _tx(db, amex, "amex-second", datetime(2026, 11, 27, 0, 0, 1, tzinfo=UTC))
    _tx(db, monzo, "monzo-midnight", midnight)
    db.commit()
    db.close()

    command.downgrade(migrate.alembic_config(engine), "0017")
    migrate.upgrade(engine)

    with Session(engine) as fresh:
        marked = dict(fresh.execute(select(Transaction.external_id, Transaction.date_only)).all())
    assert marked == {
        "amex-date": True,
        "amex-moment": False,
        "amex-second": False,
        "monzo-midnight": False,
    }
