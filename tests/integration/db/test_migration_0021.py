"""Revision 0021: a transaction's account, connection and user are one key, checked
against the account's own; rows survive the upgrade and the downgrade, go with their
user, connection or account, and a row naming another user's account is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import Engine, delete, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from potwise.db import migrate
from potwise.db.models import Account, Connection, Transaction, User
from tests.support.mirror_rows import current_account


def _tx(account: Account, external_id: str, **owner: str) -> Transaction:
    return Transaction(
        user_id=owner.get("user_id", account.user_id),
        connection_id=owner.get("connection_id", account.connection_id),
        account_id=account.id,
        external_id=external_id,
        created_at=datetime(2026, 11, 27, 9, 30, tzinfo=UTC),
        amount=-1250,
        currency="GBP",
        status="settled",
        description="SHOP",
    )


def _count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Transaction)) or 0


def test_a_transaction_naming_another_users_account_is_refused(db: Session) -> None:
    mine = current_account(db, "mine@example.com")
    theirs = current_account(db, "theirs@example.com")
    db.add(_tx(mine, "ok"))
    db.commit()
    db.add(_tx(mine, "wrong-user", user_id=theirs.user_id))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()
    db.add(_tx(mine, "wrong-connection", connection_id=theirs.connection_id))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()
    assert _count(db) == 1


@pytest.mark.parametrize("goes", ["user", "connection", "account"])
def test_transactions_go_with_their_owner(db: Session, goes: str) -> None:
    kept = current_account(db, "kept@example.com")
    gone = current_account(db, "gone@example.com")
    db.add_all([_tx(kept, "k1"), _tx(gone, "g1"), _tx(gone, "g2")])
    db.commit()
    model, row_id = {
        "user": (User, gone.user_id),
        "connection": (Connection, gone.connection_id),
        "account": (Account, gone.id),
    }[goes]
    db.execute(delete(model).where(model.id == row_id))  # type: ignore[attr-defined]
    db.commit()
    assert db.scalars(select(Transaction.external_id)).all() == ["k1"]


def test_rows_survive_the_upgrade_and_the_downgrade(engine: Engine, db: Session) -> None:
    account = current_account(db, "keep@example.com")
    db.add_all([_tx(account, f"t{i}") for i in range(5)])
    db.commit()
    db.close()

    command.downgrade(migrate.alembic_config(engine), "0020")
    with Session(engine) as old:
        assert _count(old) == 5
    migrate.upgrade(engine)

    with Session(engine) as fresh:
        assert _count(fresh) == 5
    assert migrate.model_drift(engine) == []


def test_mismatched_rows_stop_the_upgrade_before_it_changes_anything(
    engine: Engine, db: Session
) -> None:
    mine = current_account(db, "a@example.com")
    theirs = current_account(db, "b@example.com")
    db.commit()
    db.close()
    command.downgrade(migrate.alembic_config(engine), "0020")
    # Before 0021 only each id on its own was checked: a row could name its account
    # with another user's connection.
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO transactions (id, user_id, connection_id, account_id, "
                "external_id, created_at, amount, currency, status, description, "
                "date_only, first_seen_at, updated_at) VALUES ('bad', :user, :conn, "
                ":account, 'x', :at, -1, 'GBP', 'settled', '', :no, :at, :at)"
            ),
            {
                "user": mine.user_id,
                "conn": theirs.connection_id,
                "account": mine.id,
                "at": datetime(2026, 1, 1, tzinfo=UTC).isoformat()
                if engine.dialect.name == "sqlite"
                else datetime(2026, 1, 1, tzinfo=UTC),
                "no": False,
            },
        )
    with pytest.raises(RuntimeError, match="1 transaction"):
        migrate.upgrade(engine)
    assert migrate.current_revision(engine) == "0020"
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM transactions WHERE id = 'bad'"))
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
