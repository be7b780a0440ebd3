"""Storing a user's detected commitments from several threads at once: a household's
connections finish their syncs together, and each finished sync checks commitments."""

from __future__ import annotations

import threading
import warnings
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import SAWarning
from sqlalchemy.orm import Session

from potwise.db.engine import make_session_factory
from potwise.db.models import Commitment, Transaction
from potwise.services.cashflow import alignment, history
from tests.integration.cashflow.builders import LONDON, Household
from tests.integration.conftest import SignedIn


def _align_from_threads(engine: Engine, user_id: str, count: int) -> list[BaseException]:
    factory = make_session_factory(engine)
    start = threading.Barrier(count)
    failures: list[BaseException] = []

    def align() -> None:
        try:
            with factory() as db:
                start.wait()
                alignment.refresh(db, user_id, now=datetime.now(UTC), zone=LONDON)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=align) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return failures


def _keys(db: Session, user_id: str) -> list[str]:
    db.expire_all()
    return sorted(db.scalars(select(Commitment.key).where(Commitment.user_id == user_id)))


def test_threads_aligning_one_users_commitments_store_each_once(
    alice: SignedIn, db: Session, engine: Engine
) -> None:
    h = Household.of(db, alice.user_id)
    h.year_of_history()
    history.forget(alice.user_id)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert _align_from_threads(engine, alice.user_id, 6) == []
        first = _keys(db, alice.user_id)
        assert any("netflix" in key for key in first), first
        assert len(first) == len(set(first))

        # Netflix is cancelled and its payments are gone from the history: every
        # thread now finds the same stored detection to remove.
        db.execute(delete(Transaction).where(Transaction.merchant == "Netflix"))
        db.commit()
        history.forget(alice.user_id)
        assert _align_from_threads(engine, alice.user_id, 6) == []
    after = _keys(db, alice.user_id)
    assert after == [key for key in first if "netflix" not in key]
    assert [w for w in caught if issubclass(w.category, SAWarning)] == []
