"""PostgreSQL's bulk write of a classification run (COPY into a staging table, one
UPDATE … FROM) stores exactly what the batched array UPDATEs store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.models import Transaction, User
from potwise.services.insight import classify as insight
from potwise.services.insight.classify import writing
from tests.integration.insight.builders import Household

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
RUN_AT = datetime(2026, 4, 1, 12, tzinfo=UTC)
DECIDED = (
    "merchant_key",
    "category",
    "category_source",
    "classification",
    "classification_source",
    "classification_reason",
    "linked_transaction_id",
    "updated_at",
)


@pytest.fixture
def postgresql(db: Session) -> Session:
    if db.connection().dialect.name != "postgresql":
        pytest.skip("the COPY path is PostgreSQL's")
    return db


def _household(db: Session) -> Household:
    user = User(email="copy-runs@example.com", password_hash="-")
    db.add(user)
    db.commit()
    h = Household.of(db, user.id)
    for day in range(15):
        at = T0 + timedelta(days=day)
        h.add(at, -1250 - day, classification=None, merchant="Café ☕ Ünïcødé 東京")
        h.add(at, -5000, merchant=None, category=None, description="SAVINGS", classification=None)
        h.add(
            at + timedelta(hours=2),
            5000,
            account="savings",
            merchant=None,
            category=None,
            description="SAVINGS",
            classification=None,
        )
        h.add(
            at,
            -(2**63 - 1) if day == 0 else -99,
            account="amex",
            merchant=None,
            category=None,
            description="tab\there \\N " + "long " * 2000,
            classification=None,
        )
        h.add(at, 250_000, merchant=None, category=None, description="SALARY", classification=None)
    # The user's own choices are inputs, never outputs.
    chosen = h.add(T0, -700, classification=None, merchant="Pret")
    h.db.execute(
        update(Transaction)
        .where(Transaction.id == chosen.id)
        .values(
            category="eating_out",
            category_source="user",
            classification="spending",
            classification_source="user",
        )
    )
    h.db.commit()
    return h


def _initial(db: Session, user_id: str) -> dict[str, tuple[Any, ...]]:
    db.expire_all()
    return {
        t.id: tuple(getattr(t, name) for name in DECIDED)
        for t in db.scalars(select(Transaction).where(Transaction.user_id == user_id))
    }


def _restore(db: Session, state: dict[str, tuple[Any, ...]]) -> None:
    for tid, values in state.items():
        db.execute(
            update(Transaction)
            .where(Transaction.id == tid)
            .values(dict(zip(DECIDED, values, strict=True)))
        )
    db.commit()


def test_copy_and_arrays_store_the_same_decisions(
    postgresql: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = postgresql
    h = _household(db)
    start = _initial(db, h.user_id)
    results = []
    for threshold in (10**9, 1):
        _restore(db, start)
        monkeypatch.setattr(writing, "COPY_MIN_ROWS", threshold)
        with clock.using(clock.FixedClock(RUN_AT)):
            changed = insight.reclassify_all(db, h.user_id).changed
        db.commit()
        results.append((changed, _initial(db, h.user_id)))
    (by_arrays_changed, by_arrays), (by_copy_changed, by_copy) = results
    assert by_copy == by_arrays
    assert by_copy_changed == by_arrays_changed > 60
    assert by_copy != start
    linked = [values[6] for values in by_copy.values() if values[6] is not None]
    assert len(linked) >= 30  # the transfers were paired, both halves written
    assert {values[7] for tid, values in by_copy.items() if values != start[tid]} == {RUN_AT}


def test_a_large_run_takes_the_copy_path_and_a_second_run_writes_nothing(
    postgresql: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = postgresql
    h = _household(db)
    taken: list[int] = []
    copy = writing.store_by_copy

    def counted(session: Session, changes: list[writing.Change], now: datetime) -> None:
        taken.append(len(changes))
        copy(session, changes, now)

    monkeypatch.setattr(writing, "COPY_MIN_ROWS", 50)
    monkeypatch.setattr(writing, "store_by_copy", counted)
    first = insight.reclassify_all(db, h.user_id)
    db.commit()
    assert taken == [first.changed]
    assert insight.reclassify_all(db, h.user_id).changed == 0
    assert taken == [first.changed]
    temporary = db.execute(
        text("SELECT count(*) FROM pg_class WHERE relname LIKE :name"), {"name": "potwise_staged%"}
    )
    assert temporary.scalar() == 0
