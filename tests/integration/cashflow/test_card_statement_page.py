"""The provider's statement and due date, stored on a card, drive its repayment model
and show on the card models page."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from potwise.domain import cardmodels
from potwise.services.cashflow import history, plans
from tests.integration.cashflow.builders import Household, today
from tests.integration.conftest import SignedIn


def test_provider_dates_win_over_history_and_show_on_the_page(alice: SignedIn, db: Session) -> None:
    h = Household.of(db, alice.user_id)
    card = h.accounts["Amex"]  # owes £420.00
    due = today() + timedelta(days=12)
    card.statement_balance, card.statement_date = -30_000, today() - timedelta(days=14)
    card.payment_due, card.payment_due_date = 2_500, due
    db.commit()
    history.forget(alice.user_id)

    # History says the 3rd; the provider's due date wins.
    repaid = [today() - timedelta(days=30 * k) for k in range(1, 4)]
    [setting] = plans.card_settings(db, alice.user_id)
    state = plans.card_state(card, setting.owed, [d.replace(day=3) for d in repaid])
    assert (state.owed, state.statement_balance, state.due_date, state.minimum_due) == (
        42_000,
        30_000,
        due,
        2_500,
    )
    events = cardmodels.repayment_events(
        plans.card_domain(setting), state, today(), today() + timedelta(days=60)
    )
    assert (events[0].on, events[0].amount) == (due, -30_000)
    assert sum(e.amount for e in events) == -42_000

    page = alice.client.get("/planned").text
    assert "Last statement: £300.00 on" in page
    assert f'Payment due: £25.00 minimum by <time datetime="{due.isoformat()}">' in page
    [model] = alice.client.get("/api/v1/analytics/card-models").json()["items"]
    assert (model["statement_balance"], model["payment_due"]) == (30_000, 2_500)
    assert model["payment_due_date"] == due.isoformat()


def test_a_card_without_a_due_date_says_history_is_used(alice: SignedIn, db: Session) -> None:
    h = Household.of(db, alice.user_id)
    card = h.accounts["Amex"]
    card.statement_balance, card.statement_date = -30_000, today() - timedelta(days=14)
    db.commit()
    page = alice.client.get("/planned").text
    assert "Its provider gives no due date" in page
