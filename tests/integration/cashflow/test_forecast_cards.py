"""The forecast with the user's cards: a credit-card pot pays its card, a paid-down card's
spending is not everyday spending."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from potwise.db.models import Automation
from potwise.services.cashflow import history
from tests.integration.cashflow.builders import Household, today
from tests.integration.conftest import SignedIn


def _household(db: Session, user: SignedIn) -> Household:
    h = Household.of(db, user.user_id)
    h.year_of_history()
    history.forget(user.user_id)
    return h


def _card_repaid_tomorrow(user: SignedIn, card_id: str, **model: object) -> None:
    due_day = (today() + timedelta(days=1)).day
    put = user.client.put(
        f"/api/v1/analytics/card-models/{card_id}",
        json={"mode": "pay_in_full", "due_day": due_day, **model},
    )
    assert put.status_code == 200, put.text


def test_a_credit_card_pot_gives_back_what_it_holds_when_the_card_is_repaid(
    alice: SignedIn, db: Session
) -> None:
    h = _household(db, alice)
    card_id = h.accounts["Amex"].id  # owes £420
    _card_repaid_tomorrow(alice, card_id)
    pot = h.pot("Credit card", 30_000)
    db.add(
        Automation(
            user_id=alice.user_id,
            kind="card_pot",
            name="Amex pot",
            enabled=True,
            config={"pot_id": pot.id, "card_account_ids": [card_id]},
        )
    )
    db.commit()

    body = alice.client.get("/api/v1/analytics/forecast?days=3").json()
    items = [(i["kind"], i["amount"]) for d in body["days"] for i in d["items"]]
    assert ("card_repayment", -42_000) in items
    assert ("card_cover", 30_000) in items
    # Safe to spend still counts the cover once, as its own line.
    stt = alice.client.get("/api/v1/analytics/safe-to-spend").json()
    lines = {line["kind"]: line["amount"] for line in stt["breakdown"]}
    assert lines["card_repayment"] == -42_000 and lines["card_cover"] == 30_000


def test_spending_on_a_paid_down_card_is_not_everyday_spending(
    alice: SignedIn, db: Session
) -> None:
    h = _household(db, alice)
    card_id = h.accounts["Amex"].id
    before = alice.client.get("/api/v1/analytics/forecast?days=7").json()
    end = today() - timedelta(days=1)
    for k in range(1, 150):
        h.add(end - timedelta(days=k), -3_000, "Shell", account="Amex")
    db.commit()
    paid_in_full = alice.client.get("/api/v1/analytics/forecast?days=7").json()
    # Paid in full, card spending leaves the bank as it is spent: everyday spending grows.
    assert sum(d["everyday"] for d in paid_in_full["days"]) > sum(
        d["everyday"] for d in before["days"]
    )
    _card_repaid_tomorrow(alice, card_id, mode="fixed", fixed_amount=5_000)
    paid_down = alice.client.get("/api/v1/analytics/forecast?days=7").json()
    assert [d["everyday"] for d in paid_down["days"]] == [d["everyday"] for d in before["days"]]


def test_the_forecast_pays_the_providers_statement_on_its_due_date(
    alice: SignedIn, db: Session
) -> None:
    h = _household(db, alice)
    card = h.accounts["Amex"]  # owes £420 now; its last statement said £300
    due = today() + timedelta(days=5)
    card.statement_balance = -30_000
    card.statement_date = today() - timedelta(days=20)
    card.payment_due = 2_500
    card.payment_due_date = due
    db.commit()
    put = alice.client.put(f"/api/v1/analytics/card-models/{card.id}", json={"mode": "pay_in_full"})
    assert put.status_code == 200, put.text

    body = alice.client.get("/api/v1/analytics/forecast?days=10").json()
    repayments = [
        (d["date"], i["amount"])
        for d in body["days"]
        for i in d["items"]
        if i["kind"] == "card_repayment"
    ]
    # The statement's balance on the provider's due date, not what is owed today.
    assert repayments == [(due.isoformat(), -30_000)]
