"""The mirror's upserts: idempotent, batched, pending rows that vanish are dropped."""

from __future__ import annotations

from dataclasses import replace
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


def test_rows_sent_again_unchanged_are_left_alone_and_changed_ones_are_stamped(
    db: Session,
) -> None:
    scope = _scope(db)
    ids = store.upsert_accounts(
        db, scope, [BankAccount("acc_1", AccountKind.CURRENT, "Current", "GBP")], NOW
    )
    first = [_tx(1, -450, TransactionStatus.PENDING), _tx(2, -700), _tx(3, -900)]
    store.upsert_transactions(db, scope, ids["acc_1"], first, NOW)
    db.commit()
    later = NOW + timedelta(hours=6)
    # The next sync's overlap window brings the same three again; one has settled
    # with a tip, one has a new description.
    settled = BankTransaction(
        external_id="tx_00001",
        account_external_id="acc_1",
        created_at=NOW - timedelta(hours=1),
        amount=-500,
        currency="GBP",
        status=TransactionStatus.SETTLED,
        settled_at=later,
        description="Shop 1",
        category="groceries",
    )
    renamed = replace(_tx(3, -900), description="Shop 3 LONDON")
    store.upsert_transactions(db, scope, ids["acc_1"], [settled, _tx(2, -700), renamed], later)
    db.commit()
    db.expire_all()
    stamped = {
        t.external_id: (t.updated_at, t.first_seen_at, t.amount, t.description)
        for t in db.scalars(select(Transaction))
    }
    assert stamped == {
        "tx_00001": (later, NOW, -500, "Shop 1"),
        "tx_00002": (NOW, NOW, -700, "Shop 2"),  # unchanged: not written
        "tx_00003": (later, NOW, -900, "Shop 3 LONDON"),
    }


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


def _row(
    external_id: str,
    amount: int,
    at: datetime,
    status: TransactionStatus,
    merchant: str | None,
    description: str,
) -> BankTransaction:
    return BankTransaction(
        external_id=external_id,
        account_external_id="acc_1",
        created_at=at,
        amount=amount,
        currency="GBP",
        status=status,
        description=description,
        merchant=merchant,
    )


def _by_external_id(db: Session) -> dict[str, Transaction]:
    db.expire_all()
    return {t.external_id: t for t in db.scalars(select(Transaction))}


def test_a_users_choice_on_a_pending_item_moves_to_its_settled_successor(db: Session) -> None:
    scope = _scope(db)
    ids = store.upsert_accounts(
        db, scope, [BankAccount("acc_1", AccountKind.CREDIT_CARD, "Amex", "GBP")], NOW
    )
    pending = TransactionStatus.PENDING
    dinner_at, taxi_at = NOW - timedelta(days=3, hours=2), NOW - timedelta(days=2)
    store.upsert_transactions(
        db,
        scope,
        ids["acc_1"],
        [
            _row("p_dinner", -5_000, dinner_at, pending, "Dishoom", "DISHOOM LONDON"),
            _row("p_taxi", -1_800, taxi_at, pending, None, "TFL TRAVEL CH"),
            _row("p_hotel", -20_000, taxi_at, pending, "Premier Inn", "PREMIER INN"),
            _row("p_coffee", -350, taxi_at, pending, "Pret", "PRET A MANGER"),
        ],
        NOW,
    )
    db.commit()
    rows = _by_external_id(db)
    rows["p_dinner"].category, rows["p_dinner"].category_source = "date_night", "user"
    rows["p_taxi"].category, rows["p_taxi"].category_source = "work", "user"
    rows["p_hotel"].classification, rows["p_hotel"].classification_source = "spending", "user"
    db.commit()

    # The bank now lists only the coffee as pending. Every chosen row is kept until
    # the settled list has been read; the coffee (no choice) simply stays.
    assert store.drop_vanished_pending(db, scope, ids["acc_1"], {"p_coffee"}) == 0
    db.commit()
    assert set(_by_external_id(db)) == {"p_dinner", "p_taxi", "p_hotel", "p_coffee"}

    settled = TransactionStatus.SETTLED
    midnight = dinner_at.replace(hour=0, minute=0)
    store.upsert_transactions(
        db,
        scope,
        ids["acc_1"],
        [
            # The dinner settled back-dated to midnight with a tip added: the same merchant.
            _row("s_dinner", -5_750, midnight, settled, "Dishoom", "DISHOOM LONDON"),
            # An earlier dinner at the same place is not its successor: too far back.
            _row("s_old_dinner", -5_000, NOW - timedelta(days=20), settled, "Dishoom", "DISHOOM"),
            # No merchant: only the very same amount and text match.
            _row("s_taxi_other", -1_900, taxi_at, settled, None, "TFL TRAVEL CH"),
            _row("s_taxi", -1_800, taxi_at, settled, None, "TFL TRAVEL CH"),
            # The hotel's authorisation was released; a different charge at the same
            # time is far from its amount, so nothing inherits the choice.
            _row("s_hotel", -9_000, taxi_at, settled, "Premier Inn", "PREMIER INN"),
        ],
        NOW,
    )
    assert store.settle_chosen_pending(db, scope, ids["acc_1"], {"p_coffee"}) == 2
    db.commit()
    rows = _by_external_id(db)
    assert set(rows) == {
        "p_coffee",
        "s_dinner",
        "s_old_dinner",
        "s_taxi_other",
        "s_taxi",
        "s_hotel",
    }
    assert (rows["s_dinner"].category, rows["s_dinner"].category_source) == ("date_night", "user")
    assert (rows["s_taxi"].category, rows["s_taxi"].category_source) == ("work", "user")
    for untouched in ("s_old_dinner", "s_taxi_other", "s_hotel"):
        assert rows[untouched].category_source is None
        assert rows[untouched].classification_source is None
    # Nothing left to carry: a second call changes nothing.
    assert store.settle_chosen_pending(db, scope, ids["acc_1"], {"p_coffee"}) == 0
