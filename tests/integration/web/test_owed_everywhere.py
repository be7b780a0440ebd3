"""Owed on a card is one figure on every screen and in the API: the card-pot rule's
reading (American Express pending charges included). A card pot that has not run yet
says what its first run will do, so a pot beside what is owed does not read as over-
or under-filled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from potwise.db.models import Pot
from potwise.services.cashflow import history
from tests.integration.conftest import SignedIn
from tests.integration.services.test_dashboard_card_owed import _household

OWED = "£523.99"  # £500.00 posted, £18.99 and £5.00 pending


def test_every_screen_and_the_api_show_the_same_owed(alice: SignedIn, db: Session) -> None:
    _household(db, datetime.now(UTC), alice.user_id)
    history.forget(alice.user_id)
    accounts = alice.client.get("/accounts").text
    assert accounts.count(OWED) >= 2  # the card's row and "Owed on credit cards"
    assert "£500.00" in accounts  # its posted balance, said as such beside it
    assert f"{OWED} owed" in alice.client.get("/planned").text
    [model] = alice.client.get("/api/v1/analytics/card-models").json()["items"]
    assert model["owed"] == 523_99
    assert f"{OWED} owed" in alice.client.get("/automations/new?kind=card_pot").text
    assert alice.client.get("/api/v1/analytics/safe-to-spend").json()["cards_owed"] == 523_99
    dashboard = alice.client.get("/").text
    assert f"Owed on cards: {OWED}" in dashboard
    assert f'<dd class="amount">{OWED}</dd>' in dashboard


def test_the_forecast_repays_what_is_owed_with_pending_charges(
    alice: SignedIn, db: Session
) -> None:
    _, rule, card = _household(db, datetime.now(UTC), alice.user_id)
    rule.enabled = False  # no pot gives money back: the repayment alone
    due = (datetime.now(UTC) + timedelta(days=10)).date()
    card.payment_due_date = due
    db.commit()
    history.forget(alice.user_id)
    days = alice.client.get("/api/v1/analytics/forecast?days=30").json()["days"]
    repaid = [i for d in days for i in d["items"] if i["kind"] == "card_repayment"]
    assert [i["amount"] for i in repaid] == [-523_99]


def test_a_new_card_pot_says_what_its_first_run_will_do(alice: SignedIn, db: Session) -> None:
    _household(db, datetime.now(UTC), alice.user_id)
    # The pot holds £100.00 of the £523.99 owed: the first run pays in the rest.
    words = "it will then pay up to £423.99 into the pot"
    assert words in alice.client.get("/").text
    assert words in alice.client.get("/automations").text


def test_an_over_filled_looking_pot_says_the_first_run_takes_the_excess_back(
    alice: SignedIn, db: Session
) -> None:
    _household(db, datetime.now(UTC), alice.user_id)
    pot = db.scalars(select(Pot).where(Pot.user_id == alice.user_id)).one()
    pot.balance = 557_23
    db.commit()
    page = alice.client.get("/").text
    assert "Not run yet" in page
    assert (
        "it will then take £33.24 out of the pot, back to the current account, "
        f"so the pot holds the {OWED} the cards owe"
    ) in page


def test_the_rule_page_says_what_the_first_run_will_do(alice: SignedIn, db: Session) -> None:
    _, rule, _ = _household(db, datetime.now(UTC), alice.user_id)
    page = alice.client.get(f"/automations/{rule.id}").text
    assert "Not run yet" in page and "it will then pay up to £423.99 into the pot" in page
