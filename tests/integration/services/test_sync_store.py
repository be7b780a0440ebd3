"""The mirror's upserts: idempotent, batched, pending rows that vanish are dropped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from potwise.db.models import Account, BalanceSnapshot, Connection, Pot, Transaction, User
from potwise.domain.mirror import (
    AccountBalance,
    AccountKind,
    BankAccount,
    BankPot,
    BankTransaction,
    TransactionStatus,
)
from potwise.services.sync import store

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _scope(db: Session) -> store.Scope:
    user = User(email="s@example.com", password_hash="x")
    db.add(user)
    db.flush()
    connection = Connection(user_id=user.id, provider="monzo", display_name="Monzo")
    db.add(connection)
    db.commit()
    return store.Scope(user.id, connection.id, "monzo")


def _tx(
    n: int, amount: int, status: TransactionStatus = TransactionStatus.SETTLED
) -> BankTransaction:
    return BankTransaction(
        external_id=f"tx_{n:05d}",
        account_external_id="acc_1",
        created_at=NOW - timedelta(hours=n),
        amount=amount,
        currency="GBP",
        status=status,
        description=f"Shop {n}",
        category="groceries",
    )


def test_accounts_pots_and_transactions_upsert_idempotently(db: Session) -> None:
    scope = _scope(db)
    accounts = [BankAccount("acc_1", AccountKind.CURRENT, "Current account", "GBP")]
    for _ in range(2):
        ids = store.upsert_accounts(db, scope, accounts, NOW)
        store.upsert_pots(db, scope, [BankPot("pot_1", "acc_1", "Bills", 5000, "GBP")], ids, NOW)
        store.upsert_transactions(
            db, scope, ids["acc_1"], [_tx(n, -100 * n) for n in range(1, 2501)], NOW
        )
        db.commit()
    assert db.scalar(select(func.count()).select_from(Account)) == 1
    assert db.scalar(select(func.count()).select_from(Pot)) == 1
    assert db.scalar(select(func.count()).select_from(Transaction)) == 2500
    assert db.scalar(select(func.sum(Transaction.amount))) == -100 * sum(range(1, 2501))
    assert db.scalar(select(Account.provider)) == "monzo"


def test_a_settling_transaction_updates_in_place_and_keeps_the_users_category(
    db: Session,
) -> None:
    scope = _scope(db)
    ids = store.upsert_accounts(
        db, scope, [BankAccount("acc_1", AccountKind.CURRENT, "Current", "GBP")], NOW
    )
    store.upsert_transactions(
        db, scope, ids["acc_1"], [_tx(1, -450, TransactionStatus.PENDING)], NOW
    )
    db.commit()
    row = db.scalars(select(Transaction)).one()
    row.category = "eating_out"  # the user's own choice
    db.commit()
    settled = BankTransaction(
        external_id="tx_00001",
        account_external_id="acc_1",
        created_at=NOW - timedelta(hours=1),
        amount=-500,  # a tip added when it settled
        currency="GBP",
        status=TransactionStatus.SETTLED,
        settled_at=NOW,
        description="Shop 1",
        category="groceries",
    )
    store.upsert_transactions(db, scope, ids["acc_1"], [settled], NOW)
    db.commit()
    db.expire_all()
    row = db.scalars(select(Transaction)).one()
    assert (row.status, row.amount, row.category) == ("settled", -500, "eating_out")
    assert row.settled_at == NOW


def test_vanished_pending_rows_are_dropped_and_settled_rows_kept(db: Session) -> None:
    scope = _scope(db)
    ids = store.upsert_accounts(
        db, scope, [BankAccount("acc_1", AccountKind.CREDIT_CARD, "Amex", "GBP")], NOW
    )
    store.upsert_transactions(
        db,
        scope,
        ids["acc_1"],
        [
            _tx(1, -100, TransactionStatus.PENDING),
            _tx(2, -200, TransactionStatus.PENDING),
            _tx(3, -300),
        ],
        NOW,
    )
    db.commit()
    dropped = store.drop_vanished_pending(
        db, scope, ids["acc_1"], {"tx_00002"}, since=NOW - timedelta(days=30)
    )
    db.commit()
    assert dropped == 1
    assert set(db.scalars(select(Transaction.external_id))) == {"tx_00002", "tx_00003"}


def test_balances_are_kept_as_a_time_series(db: Session) -> None:
    scope = _scope(db)
    ids = store.upsert_accounts(
        db, scope, [BankAccount("acc_1", AccountKind.CURRENT, "Current", "GBP")], NOW
    )
    for n, pence in enumerate((1000, 900, 1200)):
        store.store_balance(
            db,
            scope,
            ids["acc_1"],
            AccountBalance("acc_1", pence, "GBP", NOW + timedelta(minutes=n)),
        )
    db.commit()
    assert db.scalar(select(Account.balance)) == 1200
    series = db.scalars(select(BalanceSnapshot.balance).order_by(BalanceSnapshot.at)).all()
    assert series == [1000, 900, 1200]
