"""PostgreSQL's bulk upsert (COPY into a staging table, one INSERT … SELECT … ON
CONFLICT) leaves exactly the table that one statement per row leaves."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select, text, update
from sqlalchemy.engine import Connection as Connection_
from sqlalchemy.exc import DataError, StatementError
from sqlalchemy.orm import Session

from potwise.db.engine import make_session_factory
from potwise.db.models import Account, Connection, Transaction, User
from potwise.domain.mirror import BankTransaction, TransactionStatus
from potwise.services.sync import store
from potwise.services.sync.store import upsert as upsert_module

T0 = datetime(2026, 5, 1, 8, 30, tzinfo=UTC)
LATER = T0 + timedelta(days=3)
BIGGEST = 2**63 - 1
SMALLEST = -(2**63)
# Text COPY has its own escapes (tab, newline, backslash); SQL does not.
AWKWARD = "tab\there, new\nline, back\\slash \\N, quote ' \" , café ☕ 東京 e\u0301 😀"
LONG = "Ünïcødé " * 25_000  # 200,000 characters


def _scope(db: Session, name: str) -> tuple[store.Scope, str]:
    user = db.scalar(select(User).where(User.email == "copy@example.com"))
    if user is None:
        user = User(email="copy@example.com", password_hash="-")
        db.add(user)
        db.flush()
    connection = Connection(user_id=user.id, provider="monzo", display_name=name)
    db.add(connection)
    db.flush()
    account = Account(
        user_id=user.id,
        connection_id=connection.id,
        external_id="acc_1",
        provider="monzo",
        kind="current",
        name=name,
        currency="GBP",
    )
    db.add(account)
    db.commit()
    return store.Scope(user.id, connection.id, "monzo"), account.id


def _tx(n: int, **changes: Any) -> BankTransaction:
    base = BankTransaction(
        external_id=f"tx_{n:04d}",
        account_external_id="acc_1",
        created_at=T0 - timedelta(minutes=n),
        amount=-(100 + n),
        currency="GBP",
        status=TransactionStatus.SETTLED,
        description=f"CARD PAYMENT {n}",
        merchant=f"Shop {n % 7}",
        category="groceries",
    )
    return replace(base, **changes)


def _first_batch() -> list[BankTransaction]:
    rows = [_tx(n) for n in range(40)]
    rows += [
        _tx(40, amount=BIGGEST, description=AWKWARD, merchant=AWKWARD[:200]),
        _tx(41, amount=SMALLEST, description=LONG, counterparty="Ωmega Ltd"),
        _tx(42, amount=0, description="", merchant=None, category=None),
        _tx(43, status=TransactionStatus.PENDING, settled_at=None),
        _tx(44, status=TransactionStatus.PENDING, merchant=None, description="AUTH"),
        _tx(45, status=TransactionStatus.DECLINED, decline_reason="INSUFFICIENT_FUNDS"),
        _tx(46, local_amount=-2500, local_currency="EUR", date_only=True),
        _tx(47, pot_external_id="pot_1", merchant=None, provider_category="savings"),
        _tx(48, settled_at=T0, counterparty="Jo Bloggs"),
    ]
    # The same id twice in one page: the last word wins.
    rows.append(_tx(30, description="SENT TWICE, SECOND"))
    return rows


def _second_batch() -> list[BankTransaction]:
    return [
        *(_tx(n) for n in range(10)),  # unchanged: left alone, updated_at included
        _tx(10, description="RENAMED"),
        _tx(11, merchant=None),  # a value becomes NULL
        _tx(12, counterparty="Now known"),  # NULL becomes a value
        _tx(13, category="bills"),  # the bank's category is not written on update
        _tx(40, amount=SMALLEST, description=LONG + AWKWARD),
        _tx(41, amount=BIGGEST, description=AWKWARD),
        _tx(43, status=TransactionStatus.SETTLED, settled_at=LATER, amount=-150),  # settles
        _tx(44, status=TransactionStatus.PENDING, merchant=None, description="AUTH"),
        _tx(46, local_amount=None, local_currency=None, date_only=False),
        *(_tx(n) for n in range(100, 130)),  # new rows
    ]


def _run(db: Session, scope: store.Scope, account_id: str) -> None:
    store.upsert_transactions(db, scope, account_id, _first_batch(), T0)
    db.commit()
    # The user's and the classifier's own columns, which an upsert never writes.
    db.execute(
        update(Transaction)
        .where(Transaction.connection_id == scope.connection_id)
        .where(Transaction.external_id.in_(["tx_0013", "tx_0043", "tx_0010"]))
        .values(
            category="eating_out",
            category_source="user",
            classification="spending",
            classification_source="user",
            merchant_key="shop",
        )
    )
    db.commit()
    store.upsert_transactions(db, scope, account_id, _second_batch(), LATER)
    db.commit()


_SKIPPED = {"id", "connection_id", "account_id"}


def _table(db: Session, scope: store.Scope) -> dict[str, dict[str, Any]]:
    db.expire_all()
    found = db.scalars(select(Transaction).where(Transaction.connection_id == scope.connection_id))
    return {
        t.external_id: {
            c.key: getattr(t, c.key) for c in Transaction.__table__.columns if c.key not in _SKIPPED
        }
        for t in found
    }


@pytest.fixture
def postgresql(db: Session) -> Session:
    if db.connection().dialect.name != "postgresql":
        pytest.skip("the COPY path is PostgreSQL's")
    return db


def _ids(db: Session, scope: store.Scope) -> dict[str, str]:
    rows = db.execute(
        select(Transaction.external_id, Transaction.id).where(
            Transaction.connection_id == scope.connection_id
        )
    )
    return {external_id: row_id for external_id, row_id in rows}


def test_copy_and_row_by_row_leave_identical_tables(
    postgresql: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = postgresql
    tables = []
    for name, threshold in (("row by row", 10**9), ("copy", 1)):
        monkeypatch.setattr(upsert_module, "COPY_MIN_ROWS", threshold)
        scope, account_id = _scope(db, name)
        store.upsert_transactions(db, scope, account_id, _first_batch(), T0)
        db.commit()
        first_ids = _ids(db, scope)
        store.upsert_transactions(db, scope, account_id, _first_batch(), T0)
        db.commit()
        assert _ids(db, scope) == first_ids  # sent again: the same rows
        scope2, account2 = _scope(db, f"{name}, full")
        _run(db, scope2, account2)
        tables.append(_table(db, scope2))
    row_by_row, copied = tables
    assert copied == row_by_row
    assert len(copied) == 49 + 30
    # What the comparison rests on, checked once on the result.
    assert copied["tx_0040"]["amount"] == SMALLEST and copied["tx_0041"]["amount"] == BIGGEST
    assert copied["tx_0041"]["description"] == AWKWARD
    assert copied["tx_0040"]["description"] == LONG + AWKWARD
    assert copied["tx_0030"]["description"] == "SENT TWICE, SECOND"
    assert copied["tx_0011"]["merchant"] is None
    assert copied["tx_0013"]["category"] == "eating_out"  # the user's, kept
    assert copied["tx_0043"]["status"] == "settled"
    assert copied["tx_0043"]["classification_source"] == "user"
    assert copied["tx_0001"]["updated_at"] == T0  # unchanged rows left alone
    assert copied["tx_0010"]["updated_at"] == LATER
    assert copied["tx_0100"]["first_seen_at"] == LATER


def test_the_bulk_path_is_taken_for_many_rows_and_leaves_no_staging_table(
    postgresql: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = postgresql
    taken: list[int] = []
    copy = upsert_module.upsert_by_copy

    def counted(*args: Any, **kwargs: Any) -> None:
        taken.append(len(args[2]))
        copy(*args, **kwargs)

    monkeypatch.setattr(upsert_module, "upsert_by_copy", counted)
    scope, account_id = _scope(db, "many")
    many = [_tx(n) for n in range(upsert_module.COPY_MIN_ROWS)]
    # Twice in one transaction: the staging table of the first is gone before the second.
    store.upsert_transactions(db, scope, account_id, many, T0)
    store.upsert_transactions(db, scope, account_id, many[:-1], T0)  # one short: row by row
    store.upsert_transactions(db, scope, account_id, [*many, _tx(5000)], T0)
    db.commit()
    assert taken == [len(many), len(many) + 1]
    assert len(_ids(db, scope)) == len(many) + 1
    temporary = db.execute(
        text("SELECT count(*) FROM pg_class WHERE relname LIKE :name"), {"name": "potwise_staged%"}
    )
    assert temporary.scalar() == 0


def test_a_naive_time_is_refused_on_the_bulk_path_as_row_by_row(
    postgresql: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = postgresql
    naive = _tx(1, created_at=datetime(2026, 5, 1, 8, 30))  # noqa: DTZ001 - the point
    for threshold in (10**9, 1):
        monkeypatch.setattr(upsert_module, "COPY_MIN_ROWS", threshold)
        scope, account_id = _scope(db, f"naive {threshold}")
        with pytest.raises(StatementError, match="naive") as refused:
            store.upsert_transactions(db, scope, account_id, [naive, _tx(2)], T0)
        assert isinstance(refused.value.orig, ValueError)
        db.rollback()


def test_rows_sharing_a_key_or_missing_a_defaulted_column_go_row_by_row() -> None:
    table = Transaction.__table__
    row = {c.key: None for c in table.columns}
    conflict = ("connection_id", "external_id")
    one = {**row, "connection_id": "c", "external_id": "a"}
    other = {**row, "connection_id": "c", "external_id": "b"}
    assert upsert_module.copyable(table, [one, other], conflict)
    assert not upsert_module.copyable(table, [one, dict(one)], conflict)
    without_default = {k: v for k, v in one.items() if k != "first_seen_at"}
    assert not upsert_module.copyable(table, [without_default], conflict)


@pytest.mark.parametrize(
    "refused",
    [
        _tx(1, merchant="M" * 201),  # longer than the column
        _tx(1, amount=BIGGEST + 1),  # beyond a bigint
        _tx(1, amount=SMALLEST - 1),
    ],
    ids=["too long", "above a bigint", "below a bigint"],
)
def test_a_value_the_column_refuses_fails_alike_on_both_paths(
    postgresql: Session, monkeypatch: pytest.MonkeyPatch, refused: BankTransaction
) -> None:
    db = postgresql
    for threshold in (10**9, 1):
        monkeypatch.setattr(upsert_module, "COPY_MIN_ROWS", threshold)
        scope, account_id = _scope(db, f"refused {threshold}")
        with pytest.raises(DataError):
            store.upsert_transactions(db, scope, account_id, [_tx(2), refused], T0)
        db.rollback()
        assert _ids(db, scope) == {}


def test_a_key_stored_by_another_writer_during_the_bulk_write_is_updated_not_refused(
    postgresql: Session, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another transaction (a webhook's) stores one of the keys while the bulk write
    runs: the plain insert meets the unique key, and the write falls back to the one
    `ON CONFLICT` statement, leaving the row-by-row path's result."""
    db = postgresql
    monkeypatch.setattr(upsert_module, "COPY_MIN_ROWS", 1)
    scope, account_id = _scope(db, "race")
    other = make_session_factory(engine)()
    # The other writer's row, not yet committed: invisible to the bulk write's update
    # and to its "not stored yet" test, so its insert waits on the unique key.
    store.upsert_transactions(other, scope, account_id, [_tx(3, amount=-1)], T0)
    other.flush()
    fallbacks: list[str] = []
    real = Connection_.exec_driver_sql

    def watched(self: Any, statement: str, *args: Any, **kwargs: Any) -> Any:
        if "ON CONFLICT" in statement:
            fallbacks.append(statement)
        return real(self, statement, *args, **kwargs)

    monkeypatch.setattr(Connection_, "exec_driver_sql", watched)
    writer = threading.Thread(
        target=lambda: (
            store.upsert_transactions(db, scope, account_id, [_tx(n) for n in range(20)], LATER),
            db.commit(),
        )
    )
    writer.start()
    writer.join(timeout=1.0)
    assert writer.is_alive()  # waiting on the other writer's uncommitted key
    other.commit()
    other.close()
    writer.join(timeout=30)
    assert not writer.is_alive()
    assert len(fallbacks) == 1
    table = _table(db, scope)
    assert len(table) == 20
    assert table["tx_0003"]["amount"] == -103  # the bulk write's word, as row by row
    assert table["tx_0003"]["updated_at"] == LATER
    assert table["tx_0007"]["first_seen_at"] == LATER
