"""A bill already paid, pending or settled, is not counted again: the Bills page moves
its next date on, the forecast no longer has it due, safe to spend no longer takes it
off (the payment has already left the balance)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy.orm import Session

from potwise import clock
from potwise.services.cashflow import history
from tests.integration.cashflow.builders import LONDON, Household, months_back
from tests.integration.conftest import SignedIn

# Sunday 6 December 2026, midday: Netflix (the 3rd) was paid on Thursday 3 December.
NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)
TODAY = date(2026, 12, 6)


def _household(db: Session, user: SignedIn, *, december: str | None) -> Household:
    """A year of pay (the 25th), rent (the 1st) and Netflix (the 3rd) up to November;
    December's Netflix payment `pending`, `settled` or not made (None)."""
    h = Household.of(db, user.user_id)
    end = date(2026, 11, 30)
    for d in months_back(25, 12, end):
        h.add(d, 320_000, "Acme", classification="income")
    for d in months_back(1, 12, TODAY):
        h.add(d, -95_000, "Landlord")
    for d in months_back(3, 12, end):
        h.add(d, -1_299, "Netflix")
    if december is not None:
        paid = h.add(date(2026, 12, 3), -1_299, "Netflix")
        paid.status = december
        paid.created_at = datetime.combine(date(2026, 12, 3), time(8), LONDON).astimezone(UTC)
    db.commit()
    history.forget(user.user_id)
    return h


def _netflix_and_figures(user: SignedIn) -> tuple[dict, list[dict], list[dict]]:
    with clock.using(clock.FixedClock(NOW)):
        items = user.client.get("/api/v1/analytics/commitments").json()["items"]
        days = user.client.get("/api/v1/analytics/forecast?days=40").json()["days"]
        safe = user.client.get("/api/v1/analytics/safe-to-spend").json()["breakdown"]
    [netflix] = [c for c in items if c["payee"] == "netflix"]
    return netflix, days, safe


def _netflix_due(days: list[dict]) -> list[str]:
    return [d["date"] for d in days for i in d["items"] if "NETFLIX" in i["label"].upper()]


def test_an_unpaid_bill_is_due_and_counted(alice: SignedIn, db: Session) -> None:
    _household(db, alice, december=None)
    netflix, days, safe = _netflix_and_figures(alice)
    assert netflix["next_date"] == "2026-12-03"
    assert _netflix_due(days)[0] == "2026-12-07"  # overdue: counted as due tomorrow
    assert any("NETFLIX" in line["label"].upper() for line in safe)


def test_a_pending_payment_settles_the_bill(alice: SignedIn, db: Session) -> None:
    _household(db, alice, december="pending")
    netflix, days, safe = _netflix_and_figures(alice)
    assert netflix["next_date"] == "2027-01-03"  # January's, as the history was paid
    assert _netflix_due(days) == ["2027-01-03"]
    assert not any("NETFLIX" in line["label"].upper() for line in safe)
    with clock.using(clock.FixedClock(NOW)):
        page = alice.client.get("/commitments").text
    row = page[page.upper().index("NETFLIX") :][:1500]
    assert "3 Dec" not in row and "3 Jan" in row


def test_a_settled_payment_settles_the_bill_too(alice: SignedIn, db: Session) -> None:
    _household(db, alice, december="settled")
    netflix, days, safe = _netflix_and_figures(alice)
    assert netflix["next_date"] == "2027-01-03"
    assert _netflix_due(days) == ["2027-01-03"]
    assert not any("NETFLIX" in line["label"].upper() for line in safe)


def test_safe_to_spend_takes_the_paid_bill_off_once(
    alice: SignedIn, bob: SignedIn, db: Session
) -> None:
    _household(db, alice, december=None)
    h = _household(db, bob, december="pending")
    # Bob's pending payment has left his current account's balance, as Monzo reports it.
    h.accounts["Current"].balance = (h.accounts["Current"].balance or 0) - 1_299
    db.commit()
    with clock.using(clock.FixedClock(NOW)):
        unpaid = alice.client.get("/api/v1/analytics/safe-to-spend").json()["amount"]
        paid = bob.client.get("/api/v1/analytics/safe-to-spend").json()["amount"]
    assert paid == unpaid
