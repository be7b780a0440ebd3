"""Every form speaks to people when it refuses something, and keeps what was typed:
the planned cost, a card's repayment, the cash-flow settings, a bill's status, a
transaction's category, an API token's name (budgets and rules are covered beside
their own pages)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from tests.integration.cashflow.builders import Household, today
from tests.integration.conftest import SignedIn

MACHINE_WORDS = ("decimal places", "must be", "pence", "_", "Decimal", "invalid literal")


def _message(html: str) -> str:
    found = re.search(r'role="alert"[^>]*>(?:<p>)?([^<]+)', html)
    assert found, html[:3000]
    return found[1].strip()


def _value(html: str, field_id: str) -> str:
    found = re.search(rf'id="{field_id}"[^>]*value="([^"]*)"', html)
    assert found, f"no value for {field_id}"
    return found[1]


def _speaks_to_people(message: str) -> None:
    for word in MACHINE_WORDS:
        assert word not in message, message


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"amount": "12.345"}, "Enter the cost as an amount like 12.50."),
        ({"amount": "lots"}, "Enter the cost as an amount like 12.50."),
        ({"amount": "-5"}, "Enter the cost as an amount like 12.50."),
        ({"months": "0"}, "Monthly instalments is a whole number from 1 to 120"),
        ({"months": "two"}, "Monthly instalments is a whole number from 1 to 120"),
        ({"annual_rate": "lots"}, "Enter the interest as a percentage a year, like 0 or 25.9."),
        ({"annual_rate": "2000"}, "The interest is from 0 to 1,000 % a year."),
        ({"date": "soon"}, "Choose the day it is due from the calendar."),
    ],
)
def test_the_planned_cost_form_says_what_to_fix_and_keeps_every_field(
    alice: SignedIn, changes: dict[str, str], said: str
) -> None:
    typed = {
        "label": "New boiler",
        "amount": "1,250.00",
        "date": (today() + timedelta(days=30)).isoformat(),
        "months": "12",
        "annual_rate": "9.9",
        **changes,
    }
    refused = alice.client.post("/planned", data=typed)
    assert refused.status_code == 400
    message = _message(refused.text)
    assert message.startswith(said), message
    _speaks_to_people(message)
    for field, field_id in (
        ("label", "p-label"),
        ("amount", "p-amount"),
        ("date", "p-date"),
        ("months", "p-months"),
        ("annual_rate", "p-rate"),
    ):
        assert _value(refused.text, field_id) == typed[field], field
    assert alice.client.get("/api/v1/analytics/planned-items").json()["items"] == []


def test_a_cards_repayment_form_keeps_what_was_typed(alice: SignedIn, db: Session) -> None:
    h = Household.of(db, alice.user_id)
    db.commit()
    card = h.accounts["Amex"].id
    refused = alice.client.post(
        f"/planned/cards/{card}",
        data={"mode": "fixed", "fixed_amount": "150.999", "due_day": "12", "annual_rate": "19.9"},
    )
    assert refused.status_code == 400
    message = _message(refused.text)
    assert message == "Enter the fixed amount as an amount like 12.50."
    assert _value(refused.text, f"fixed-{card}") == "150.999"
    assert _value(refused.text, f"due-{card}") == "12"
    assert _value(refused.text, f"rate-{card}") == "19.9"
    assert re.search(r'<option value="fixed" selected>', refused.text)
    day = alice.client.post(f"/planned/cards/{card}", data={"mode": "minimum", "due_day": "40"})
    assert _message(day.text) == "The due day is a day of the month, from 1 to 31."
    assert _value(day.text, f"due-{card}") == "40"


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"aside_amount": "40.001"}, "Enter the amount set aside as an amount like 12.50."),
        (
            {"match_amount_percent": "x"},
            "Enter the amount match as a percentage of the amount, like 7.5.",
        ),
        ({"match_amount_percent": "99"}, "The amount match is a percentage from 0 to 50."),
        ({"match_working_days": "11"}, "How many working days apart is a whole number"),
        ({"payday": "soon"}, "Choose a payday from the list."),
    ],
)
def test_the_settings_form_says_what_to_fix_and_keeps_every_field(
    alice: SignedIn, db: Session, changes: dict[str, str], said: str
) -> None:
    h = Household.of(db, alice.user_id)
    pot = h.pot("Holiday", 12_000)
    db.commit()
    typed = {
        "payday": "25",
        "pot_ids": pot.id,
        "aside_label": "Gift for Sam",
        "aside_amount": "40",
        "match_working_days": "3",
        "match_amount_percent": "10",
        **changes,
    }
    refused = alice.client.post("/planned/settings", data=typed)
    assert refused.status_code == 400
    message = _message(refused.text)
    assert message.startswith(said), message
    _speaks_to_people(message)
    assert _value(refused.text, "aside-label") == "Gift for Sam"
    assert _value(refused.text, "aside-amount") == typed["aside_amount"]
    assert _value(refused.text, "match-days") == typed["match_working_days"]
    assert _value(refused.text, "match-percent") == typed["match_amount_percent"]
    assert re.search(rf'value="{pot.id}" checked', refused.text)
    if typed["payday"] == "25":
        assert re.search(r'<option value="25" selected>', refused.text)


def test_tampered_row_forms_answer_in_words_not_an_error_page(alice: SignedIn, db: Session) -> None:
    h = Household.of(db, alice.user_id)
    h.year_of_history()
    db.commit()
    tx = alice.client.get("/api/v1/transactions", params={"limit": 1}).json()["items"][0]
    changed = alice.client.post(
        f"/transactions/{tx['id']}/category",
        data={"category": "groceries", "classification": "treasure"},
    )
    assert changed.status_code == 200
    assert "Nothing was changed: choose a category and what it counts as" in changed.text
    recurring = alice.client.post(f"/transactions/{tx['id']}/recurring", data={"cadence": "daily"})
    assert "Nothing was marked: choose how often it repeats" in recurring.text
    bill = alice.client.get("/api/v1/analytics/commitments").json()["items"][0]
    status = alice.client.post(f"/commitments/{bill['id']}/status", data={"status": "gone"})
    assert status.status_code == 200
    assert "Nothing changed: use Confirm, Dismiss or Restore." in status.text


def test_a_refused_token_name_stays_in_its_field(alice: SignedIn) -> None:
    long_name = "n" * 150
    refused = alice.client.post("/settings/tokens", data={"name": long_name})
    assert refused.status_code == 400
    assert "Give the token a name of 1 to 100 characters." in refused.text
    assert _value(refused.text, "token-name") == long_name[:100]
