"""Full and incremental classification runs as stored: what is written, and how.

The decisions themselves are tested in tests/unit/domain/test_classify*.py;
these tests pin the service's reading and writing (a full run's batched
writes, the row-number shortcut on SQLite and its fallback, the index of
never-classified rows behind incremental runs).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from potwise.db.models import Transaction, User
from potwise.services.insight import classify as insight
from potwise.services.insight.classify import reading, writing
from tests.integration.insight.builders import Household

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _household(db: Session) -> Household:
    user = User(email="runs@example.com", password_hash="-")
    db.add(user)
    db.commit()
    return Household.of(db, user.id)


def _fill(h: Household, days: int) -> dict[str, Transaction]:
    """Each day: a card payment, a transfer to savings with its other half, a pot-free
    card repayment pair; all never classified."""
    rows: dict[str, Transaction] = {}
    for day in range(days):
        at = T0 + timedelta(days=day)
        rows[f"shop{day}"] = h.add(at, -1250 - day, classification=None)
        rows[f"out{day}"] = h.add(
            at, -5000, merchant=None, category=None, description="SAVINGS", classification=None
        )
        rows[f"in{day}"] = h.add(
            at + timedelta(hours=2),
            5000,
            account="savings",
            merchant=None,
            category=None,
            description="SAVINGS",
            classification=None,
        )
    return rows


def _stored(db: Session, user_id: str) -> dict[str, tuple[Any, ...]]:
    db.expire_all()
    return {
        t.id: (
            t.merchant_key,
            t.category,
            t.category_source,
            t.classification,
            t.classification_source,
            t.classification_reason,
            t.linked_transaction_id,
        )
        for t in db.scalars(select(Transaction).where(Transaction.user_id == user_id))
    }


def test_a_full_run_writes_every_decision_and_a_second_run_writes_nothing(db: Session) -> None:
    h = _household(db)
    rows = _fill(h, 12)
    first = insight.reclassify_all(db, h.user_id)
    assert first.changed == len(rows) == 36
    stored = _stored(db, h.user_id)
    for day in range(12):
        out, into = rows[f"out{day}"].id, rows[f"in{day}"].id
        assert stored[out][3:4] == stored[into][3:4] == ("internal_transfer",)
        assert (stored[out][6], stored[into][6]) == (into, out)
        assert stored[rows[f"shop{day}"].id][3] == "spending"
    assert insight.reclassify_all(db, h.user_id).changed == 0
    assert _stored(db, h.user_id) == stored


def test_a_full_run_writes_by_id_when_row_numbers_no_longer_match(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = _household(db)
    rows = _fill(h, 5)
    if db.connection().dialect.name != "sqlite":
        pytest.skip("row numbers are SQLite's")
    load = reading.load_all

    def renumbered(session: Session, user_id: str) -> dict[str, reading.Row]:
        # As if a VACUUM had renumbered the rows between the read and the write.
        found = load(session, user_id)
        for row in found.values():
            assert row.rowid is not None
            row.rowid += 1_000_000
        return found

    monkeypatch.setattr(reading, "load_all", renumbered)
    assert insight.reclassify_all(db, h.user_id).changed == len(rows)
    stored = _stored(db, h.user_id)
    assert all(values[3] is not None for values in stored.values())
    assert stored[rows["out0"].id][6] == rows["in0"].id


def _transaction_indexes(db: Session) -> list[tuple[str, str]]:
    rows = db.connection().exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
        "AND tbl_name = 'transactions' ORDER BY name"
    )
    return [(str(name), str(sql)) for name, sql in rows]


def _sqlite_only(db: Session) -> None:
    if db.connection().dialect.name != "sqlite":
        pytest.skip("the index rebuild is SQLite's")


def test_a_run_rewriting_most_of_the_table_rebuilds_the_indexes_it_writes(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = _household(db)
    rows = _fill(h, 12)
    _sqlite_only(db)
    before = _transaction_indexes(db)
    # The same rows classified row by row first, for the answer to compare with.
    insight.reclassify_all(db, h.user_id)
    expected = _stored(db, h.user_id)
    db.execute(update(Transaction).values(classification=None, merchant_key=None))
    db.commit()

    rebuilt: list[str] = []
    drop = writing._indexes_rebuilt

    def watched(connection: Any, rebuild: bool) -> Any:
        rebuilt.append(str(rebuild))
        return drop(connection, rebuild)

    monkeypatch.setattr(writing, "_REBUILD_MIN_ROWS", 10)
    monkeypatch.setattr(writing, "_indexes_rebuilt", watched)
    assert insight.reclassify_all(db, h.user_id).changed == len(rows)
    assert rebuilt == ["True"]
    assert _stored(db, h.user_id) == expected
    assert _transaction_indexes(db) == before
    # The rebuilt indexes answer: the spending index finds the classified rows.
    found = db.connection().exec_driver_sql(
        "SELECT count(*) FROM transactions INDEXED BY ix_transactions_user_created_spending "
        "WHERE user_id = ? AND classification = 'internal_transfer'",
        (h.user_id,),
    )
    assert found.scalar() == 24
    # Nothing left never classified, and the partial index says so too.
    left = db.connection().exec_driver_sql(
        "SELECT count(*) FROM transactions INDEXED BY ix_transactions_user_unclassified "
        "WHERE user_id = ? AND classification IS NULL",
        (h.user_id,),
    )
    assert left.scalar() == 0


def test_a_small_share_of_the_table_keeps_its_indexes(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = _household(db)
    _fill(h, 3)
    _sqlite_only(db)
    other = User(email="other-runs@example.com", password_hash="-")
    db.add(other)
    db.commit()
    _fill(Household.of(db, other.id), 12)
    monkeypatch.setattr(writing, "_REBUILD_MIN_ROWS", 1)
    statements: list[str] = []
    connection = db.connection()

    def seen(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(connection, "before_cursor_execute", seen)
    try:
        assert insight.reclassify_all(db, h.user_id).changed == 9
    finally:
        event.remove(connection, "before_cursor_execute", seen)
    assert not [s for s in statements if s.startswith(("DROP", "CREATE"))]


def test_the_indexes_are_back_even_when_a_write_fails_and_the_caller_commits(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = _household(db)
    _fill(h, 6)
    _sqlite_only(db)
    before = _transaction_indexes(db)
    monkeypatch.setattr(writing, "_REBUILD_MIN_ROWS", 1)

    def broken(connection: Any, changes: Any, now: datetime) -> None:
        raise RuntimeError("disk went away")

    monkeypatch.setattr(writing, "_store_sqlite", broken)
    with pytest.raises(RuntimeError, match="disk went away"):
        insight.reclassify_all(db, h.user_id)
    db.commit()  # a careless caller: the schema must still be whole
    assert _transaction_indexes(db) == before
    assert all(values[3] is None for values in _stored(db, h.user_id).values())


def test_an_incremental_run_finds_only_never_classified_rows(db: Session) -> None:
    h = _household(db)
    _fill(h, 3)
    assert insight.classify_changed(db, h.user_id).changed == 9
    idle = insight.classify_changed(db, h.user_id)
    assert (idle.targets, idle.examined, idle.changed) == (0, 0, 0)
    late = h.add(T0 + timedelta(days=1, hours=5), -700, classification=None)
    again = insight.classify_changed(db, h.user_id)
    assert again.targets == 1 and again.changed == 1
    db.expire_all()
    assert db.get(Transaction, late.id).classification == "spending"  # type: ignore[union-attr]


def _spy_full_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    load = reading.load_all

    def counted(session: Session, user_id: str) -> dict[str, reading.Row]:
        calls.append(user_id)
        return load(session, user_id)

    monkeypatch.setattr(reading, "load_all", counted)
    return calls


def test_a_first_sync_is_classified_by_a_full_run_with_the_same_decisions(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = _household(db)
    _fill(h, 6)
    full_reads = _spy_full_reads(monkeypatch)
    first = insight.classify_changed(db, h.user_id)
    assert full_reads == [h.user_id]
    assert first.changed == first.targets == 18
    stored = _stored(db, h.user_id)
    db.execute(
        update(Transaction)
        .where(Transaction.user_id == h.user_id)
        .values(classification=None, classification_reason=None, linked_transaction_id=None)
    )
    db.commit()
    assert insight.reclassify_all(db, h.user_id).changed == 18
    assert _stored(db, h.user_id) == stored


def test_new_rows_beside_classified_ones_take_the_incremental_path(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = _household(db)
    _fill(h, 2)
    insight.reclassify_all(db, h.user_id)
    full_reads = _spy_full_reads(monkeypatch)
    h.add(T0 + timedelta(days=1, hours=3), -900, classification=None)
    assert insight.classify_changed(db, h.user_id).changed == 1
    assert full_reads == []
