"""Reading commitments writes nothing: the bills page, the dashboard and the cash-flow API
show detection merged with the stored rows, and the rows are stored after a sync or
on a change the user makes."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from potwise.db.engine import make_session_factory
from potwise.db.models import Base, Commitment
from potwise.services.cashflow import alerts, alignment, history
from potwise.services.events import EventBus, SyncFinished
from tests.integration.cashflow.builders import LONDON, Household, today
from tests.integration.conftest import SignedIn

READS = (
    "/",
    "/commitments",
    "/forecast",
    "/api/v1/analytics/commitments",
    "/api/v1/analytics/safe-to-spend",
    "/api/v1/analytics/forecast?days=90",
)


def _household(db: Session, user: SignedIn) -> Household:
    h = Household.of(db, user.user_id)
    h.year_of_history()
    history.forget(user.user_id)
    return h


def _every_row(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, as plain values (a fresh connection sees what is
    committed)."""
    with engine.connect() as connection:
        return {
            table.name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
            for table in Base.metadata.sorted_tables
        }


def _read_everything(user: SignedIn) -> None:
    for path in READS:
        response = user.client.get(path)
        assert response.status_code == 200, (path, response.text)


def _stored_ids(db: Session, user_id: str) -> set[str]:
    db.expire_all()
    return set(db.scalars(select(Commitment.id).where(Commitment.user_id == user_id)))


def test_reading_the_bills_page_and_the_dashboard_changes_no_row(
    alice: SignedIn, db: Session, engine: Engine
) -> None:
    _household(db, alice)
    before = _every_row(engine)
    _read_everything(alice)
    assert _every_row(engine) == before
    assert _stored_ids(db, alice.user_id) == set()
    # What was shown came from detection all the same.
    payees = {c["payee"] for c in alice.client.get("/api/v1/analytics/commitments").json()["items"]}
    assert {"acme", "landlord", "netflix"} <= payees


def test_reading_stored_commitments_out_of_line_changes_no_row(
    alice: SignedIn, db: Session, engine: Engine
) -> None:
    h = _household(db, alice)
    alignment.refresh(db, alice.user_id, now=datetime.now(UTC), zone=LONDON)
    assert _stored_ids(db, alice.user_id)
    # A new payment: detection moves on, the stored detections do not.
    h.add(today(), -1_599, "Netflix")
    db.commit()
    before = _every_row(engine)
    _read_everything(alice)
    assert _every_row(engine) == before
    # They were out of line: storing the merge changes them.
    alignment.refresh(db, alice.user_id, now=datetime.now(UTC), zone=LONDON)
    assert _every_row(engine) != before


def test_the_ids_shown_before_anything_is_stored_are_the_ids_the_daily_look_stores(
    alice: SignedIn, db: Session, engine: Engine
) -> None:
    _household(db, alice)
    shown = {c["id"] for c in alice.client.get("/api/v1/analytics/commitments").json()["items"]}
    assert shown and _stored_ids(db, alice.user_id) == set()
    factory = make_session_factory(engine)
    # A sync of a user with nothing stored stores nothing: a cycle of many new users
    # pays for no detection it does not need.
    bus = EventBus()
    alerts.install(bus, factory, fallback_timezone="Europe/London")
    bus.publish(SyncFinished(alice.user_id, "c", "manual"))
    assert _stored_ids(db, alice.user_id) == set()
    # The worker's daily look stores them, under the ids the pages showed.
    alerts.check_all(factory, fallback_timezone="Europe/London")
    assert _stored_ids(db, alice.user_id) == shown
    # Stored once: the next sync's check finds them in line.
    before = _stored_ids(db, alice.user_id)
    bus.publish(SyncFinished(alice.user_id, "c", "manual"))
    assert _stored_ids(db, alice.user_id) == before


def test_a_change_stores_the_commitments_it_was_shown_with(alice: SignedIn, db: Session) -> None:
    _household(db, alice)
    items = alice.client.get("/api/v1/analytics/commitments").json()["items"]
    netflix = next(c for c in items if c["payee"] == "netflix")
    changed = alice.client.patch(
        f"/api/v1/analytics/commitments/{netflix['id']}", json={"status": "confirmed"}
    )
    assert changed.status_code == 200, changed.text
    assert _stored_ids(db, alice.user_id) == {c["id"] for c in items}
    db.expire_all()
    assert (
        db.scalar(
            select(func.count())
            .select_from(Commitment)
            .where(Commitment.user_id == alice.user_id, Commitment.status == "confirmed")
        )
        == 1
    )
