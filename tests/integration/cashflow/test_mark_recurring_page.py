""" "Mark this transaction as recurring" from the transactions page, through to Bills."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from potwise.db.models import Commitment
from potwise.services.cashflow import history
from tests.integration.cashflow.builders import Household, today
from tests.integration.conftest import SignedIn

SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


def _gym(db: Session, user: SignedIn) -> str:
    h = Household.of(db, user.user_id)
    tx = h.add(today() - timedelta(days=3), -3_450, "PureGym")
    db.commit()
    history.forget(user.user_id)
    return tx.id


def test_a_transaction_marked_recurring_shows_on_the_bills_page(
    alice: SignedIn, db: Session
) -> None:
    tx_id = _gym(db, alice)
    page = alice.client.get("/transactions").text
    assert f'action="/transactions/{tx_id}/recurring"' in page
    assert "Mark as recurring" in page

    marked = alice.client.post(
        f"/transactions/{tx_id}/recurring",
        data={"cadence": "monthly", "back": "/transactions?q=gym"},
        headers=SAME_ORIGIN,
        follow_redirects=False,
    )
    assert marked.status_code == 303, marked.text
    [row] = db.scalars(select(Commitment).where(Commitment.user_id == alice.user_id))
    assert (row.manual, row.status, row.direction, row.amount) == (True, "confirmed", "out", 3_450)
    assert (row.cadence, row.anchor) == ("monthly", today() - timedelta(days=3))
    location = marked.headers["location"]
    assert location.startswith("/transactions?q=gym&recurring=") and location.endswith(
        f"#tx-{tx_id}"
    )

    confirmation = alice.client.get(location).text
    assert "Marked as recurring: PureGym, -£34.50 monthly" in confirmation
    assert f'href="/commitments#commitment-{row.id}"' in confirmation

    bills = alice.client.get("/commitments").text
    assert f'id="commitment-{row.id}"' in bills and "PureGym" in bills
    [item] = [
        c
        for c in alice.client.get("/api/v1/analytics/commitments").json()["items"]
        if c["id"] == row.id
    ]
    assert item["status"] == "confirmed" and item["amount"] == 3_450


def test_only_the_owner_can_mark_a_transaction(alice: SignedIn, bob: SignedIn, db: Session) -> None:
    tx_id = _gym(db, alice)
    refused = bob.client.post(
        f"/transactions/{tx_id}/recurring", data={"cadence": "monthly"}, headers=SAME_ORIGIN
    )
    assert refused.status_code == 404
    assert db.scalars(select(Commitment)).all() == []
    # Someone else's confirmation link shows nothing either.
    alice.client.post(f"/transactions/{tx_id}/recurring", data={"cadence": "monthly"})
    [row] = db.scalars(select(Commitment))
    assert "Marked as recurring" not in bob.client.get(f"/transactions?recurring={row.id}").text


def test_a_cross_site_form_is_refused_and_a_bad_cadence_explained(
    alice: SignedIn, db: Session
) -> None:
    tx_id = _gym(db, alice)
    forged = alice.client.post(
        f"/transactions/{tx_id}/recurring",
        data={"cadence": "monthly"},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert forged.status_code == 403
    bad = alice.client.post(
        f"/transactions/{tx_id}/recurring", data={"cadence": "hourly"}, headers=SAME_ORIGIN
    )
    # A hand-edited cadence is sent back to the list with a plain message.
    assert bad.status_code == 200
    assert "Nothing was marked: choose how often it repeats from the list." in bad.text
    assert db.scalars(select(Commitment)).all() == []
