"""Models and migrations agree on both databases; timestamps stay aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from potwise.db import migrate
from potwise.db.engine import make_engine
from potwise.db.models import Account, Connection, User


def test_models_and_migrations_agree(engine: Engine) -> None:
    assert migrate.is_at_head(engine)
    assert migrate.model_drift(engine) == []


def test_upgrade_is_idempotent(engine: Engine) -> None:
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()


def test_fresh_sqlite_database_gets_wal_and_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'nested' / 'p.db'}")
    migrate.upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def _user(db: Session) -> User:
    user = User(email="t@example.com", password_hash="x")
    db.add(user)
    db.commit()
    return user


def test_timestamps_come_back_aware_utc(db: Session) -> None:
    user = _user(db)
    moment = datetime(2026, 3, 29, 1, 30, tzinfo=timezone(timedelta(hours=1)))
    user.created_at = moment
    db.commit()
    db.expire_all()
    loaded = db.scalars(select(User)).one()
    assert loaded.created_at.tzinfo is not None
    assert loaded.created_at.utcoffset() == timedelta(0)
    assert loaded.created_at == moment


def test_naive_timestamps_are_refused(db: Session) -> None:
    user = _user(db)
    user.created_at = datetime(2026, 1, 1, 12, 0)  # noqa: DTZ001 - deliberately naive
    with pytest.raises(StatementError, match="naive datetime"):
        db.commit()
    db.rollback()


def test_foreign_keys_are_enforced(db: Session) -> None:
    db.add(
        Account(
            user_id="missing",
            connection_id="missing",
            external_id="acc_1",
            provider="monzo",
            kind="current",
            name="Current",
            currency="GBP",
        )
    )
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()


def test_external_ids_are_unique_per_connection(db: Session) -> None:
    user = _user(db)
    connection = Connection(user_id=user.id, provider="monzo", display_name="Monzo")
    db.add(connection)
    db.commit()

    def account() -> Account:
        return Account(
            user_id=user.id,
            connection_id=connection.id,
            external_id="acc_00009",
            provider="monzo",
            kind="current",
            name="Current account",
            currency="GBP",
            balance=-123_45,
            balance_at=datetime.now(UTC),
        )

    db.add(account())
    db.commit()
    db.add(account())
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()


def test_account_kind_is_constrained(db: Session) -> None:
    user = _user(db)
    connection = Connection(user_id=user.id, provider="monzo", display_name="Monzo")
    db.add(connection)
    db.commit()
    db.add(
        Account(
            user_id=user.id,
            connection_id=connection.id,
            external_id="acc_x",
            provider="monzo",
            kind="crypto",
            name="?",
            currency="GBP",
        )
    )
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()


def test_money_columns_hold_large_pence_exactly(db: Session) -> None:
    user = _user(db)
    connection = Connection(user_id=user.id, provider="monzo", display_name="Monzo")
    db.add(connection)
    db.commit()
    big = 9_007_199_254_740_993  # beyond float precision
    db.add(
        Account(
            user_id=user.id,
            connection_id=connection.id,
            external_id="acc_big",
            provider="monzo",
            kind="savings",
            name="Savings",
            currency="GBP",
            balance=big,
        )
    )
    db.commit()
    db.expire_all()
    assert db.scalar(select(Account.balance)) == big
