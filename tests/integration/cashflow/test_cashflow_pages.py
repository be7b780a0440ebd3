"""The cash-flow pages: dashboard figure, forecast with "what if", commitments, planned."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import NoReturn

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from potwise.services.cashflow import history, outlook
from potwise.services.errors import InvalidInput
from tests.integration.cashflow.builders import Household, today
from tests.integration.conftest import SignedIn


def _household(db: Session, user: SignedIn) -> Household:
    h = Household.of(db, user.user_id)
    h.year_of_history()
    history.forget(user.user_id)
    return h


def _low_point(html: str) -> str:
    match = re.search(r'id="low-point">([^<]+)', html)
    assert match, html[:2000]
    return match[1]


def test_pages_ask_for_sign_in(client: TestClient) -> None:
    for path in ("/forecast", "/commitments", "/planned"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_dashboard_leads_with_safe_to_spend(alice: SignedIn, db: Session) -> None:
    _household(db, alice)
    api = alice.client.get("/api/v1/analytics/safe-to-spend").json()
    page = alice.client.get("/").text
    assert "Safe to spend until payday" in page
    assert page.index("Safe to spend until payday") < page.index('id="connections-heading"')
    pounds, pence = divmod(abs(api["amount"]), 100)
    assert f"£{pounds:,}.{pence:02d}" in page
    assert "How this is worked out" in page


def test_dashboard_without_accounts_shows_no_figure(alice: SignedIn) -> None:
    assert "Safe to spend until payday" not in alice.client.get("/").text


def test_what_if_redraws_the_forecast_and_can_be_saved(alice: SignedIn, db: Session) -> None:
    _household(db, alice)
    page = alice.client.get("/forecast?days=90")
    assert page.status_code == 200
    assert "<svg" in page.text and "forecast-line" in page.text
    before = _low_point(page.text)
    on = (today() + timedelta(days=20)).isoformat()
    what_if = alice.client.get(f"/forecast?days=90&label=Car+repair&amount=4000&date={on}").text
    assert _low_point(what_if) != before
    assert "Without it" in what_if and "Car repair" in what_if
    assert alice.client.get("/api/v1/analytics/planned-items").json()["items"] == []
    saved = alice.client.post(
        "/planned",
        data={"label": "Car repair", "amount": "4000", "date": on, "back": "forecast"},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"].startswith("/forecast")
    [item] = alice.client.get("/api/v1/analytics/planned-items").json()["items"]
    assert item["amount"] == -400_000 and item["date"] == on
    assert _low_point(alice.client.get("/forecast?days=90").text) == _low_point(what_if)
    bad = alice.client.get("/forecast?amount=lots&date=tomorrow").text
    assert "Give a date and an amount" in bad


def test_commitments_page_confirms_and_dismisses(alice: SignedIn, db: Session) -> None:
    _household(db, alice)
    page = alice.client.get("/commitments").text
    assert (
        "To review" in page
        and "Netflix" in page
        and "NETFLIX" not in page
        and "payments seen" in page
    )
    items = {
        c["payee"]: c for c in alice.client.get("/api/v1/analytics/commitments").json()["items"]
    }
    for payee, status in (("netflix", "dismissed"), ("landlord", "confirmed")):
        response = alice.client.post(
            f"/commitments/{items[payee]['id']}/status",
            data={"status": status},
            follow_redirects=False,
        )
        assert response.status_code == 303
    after = {
        c["payee"]: c for c in alice.client.get("/api/v1/analytics/commitments").json()["items"]
    }
    assert after["netflix"]["status"] == "dismissed"
    assert after["landlord"]["status"] == "confirmed"
    assert "Dismissed" in alice.client.get("/commitments").text


def test_planned_page_adds_a_plan_with_its_schedule_and_sets_a_card(
    alice: SignedIn, db: Session
) -> None:
    h = _household(db, alice)
    first = (today() + timedelta(days=3)).isoformat()
    created = alice.client.post(
        "/planned",
        data={
            "label": "Laptop",
            "amount": "1000",
            "date": first,
            "months": "3",
            "annual_rate": "0",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    page = alice.client.get("/planned").text
    assert "Laptop" in page and "£333.34" in page and "£333.33" in page
    refused = alice.client.post("/planned", data={"label": "X", "amount": "-5", "date": first})
    assert refused.status_code == 400 and "Enter the cost as an amount like 12.50" in refused.text
    card = h.accounts["Amex"].id
    saved = alice.client.post(
        f"/planned/cards/{card}",
        data={"mode": "fixed", "fixed_amount": "150", "due_day": "12"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    [model] = alice.client.get("/api/v1/analytics/card-models").json()["items"]
    assert model["mode"] == "fixed" and model["fixed_amount"] == 15_000 and model["due_day"] == 12
    [item] = alice.client.get("/api/v1/analytics/planned-items").json()["items"]
    deleted = alice.client.post(f"/planned/{item['id']}/delete", follow_redirects=False)
    assert deleted.status_code == 303
    assert alice.client.get("/api/v1/analytics/planned-items").json()["items"] == []


def test_page_actions_on_someone_elses_ids_answer_404(
    alice: SignedIn, bob: SignedIn, db: Session
) -> None:
    h = _household(db, alice)
    netflix = next(
        c
        for c in alice.client.get("/api/v1/analytics/commitments").json()["items"]
        if c["payee"] == "netflix"
    )
    item = alice.client.post(
        "/api/v1/analytics/planned-items",
        json={"label": "Trip", "amount": -5_000, "date": (today() + timedelta(days=2)).isoformat()},
    ).json()
    for url, data in (
        (f"/commitments/{netflix['id']}/status", {"status": "dismissed"}),
        (f"/planned/{item['id']}/delete", {}),
        (f"/planned/cards/{h.accounts['Amex'].id}", {"mode": "minimum"}),
    ):
        response = bob.client.post(url, data=data, follow_redirects=False)
        assert response.status_code == 404, (url, response.text)


def test_settings_form_sets_payday_pots_and_set_asides(alice: SignedIn, db: Session) -> None:
    h = _household(db, alice)
    pot = h.pot("Holiday", 12_000)
    saved = alice.client.post(
        "/planned/settings",
        data={"payday": "last", "pot_ids": [pot.id], "aside_label": "Gift", "aside_amount": "40"},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    prefs = alice.client.get("/api/v1/analytics/cash-flow-settings").json()
    assert prefs == {
        "payday_day": None,
        "payday_last_working_day": True,
        "included_pot_ids": [pot.id],
        "set_asides": [{"label": "Gift", "amount": 4_000}],
        "match_working_days": 2,
        "match_amount_percent": "7.5",
    }
    body = alice.client.get("/api/v1/analytics/safe-to-spend").json()
    assert body["payday_source"] == "override"
    assert {"Holiday pot", "Gift"} <= {line["label"] for line in body["breakdown"]}
    page = alice.client.get("/planned").text
    assert "Gift: £40.00" in page
    removed = alice.client.post(
        "/planned/settings", data={"payday": "", "remove_aside": "0"}, follow_redirects=False
    )
    assert removed.status_code == 303
    prefs = alice.client.get("/api/v1/analytics/cash-flow-settings").json()
    assert prefs["set_asides"] == [] and prefs["included_pot_ids"] == []
    assert prefs["payday_day"] is None and prefs["payday_last_working_day"] is False
    refused = alice.client.post("/planned/settings", data={"payday": "soon"})
    assert refused.status_code == 400


def test_settings_form_sets_how_closely_payments_match(alice: SignedIn) -> None:
    assert 'name="match_working_days"' in alice.client.get("/planned").text
    saved = alice.client.post(
        "/planned/settings",
        data={"payday": "", "match_working_days": "3", "match_amount_percent": "10"},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    prefs = alice.client.get("/api/v1/analytics/cash-flow-settings").json()
    assert (prefs["match_working_days"], prefs["match_amount_percent"]) == (3, "10")
    # A PUT that does not name them keeps them.
    kept = alice.client.put("/api/v1/analytics/cash-flow-settings", json={"payday_day": 20})
    assert kept.status_code == 200
    assert (kept.json()["match_working_days"], kept.json()["match_amount_percent"]) == (3, "10")
    too_wide = alice.client.put(
        "/api/v1/analytics/cash-flow-settings", json={"match_working_days": 11}
    )
    assert too_wide.status_code == 400
    assert (
        alice.client.post("/planned/settings", data={"match_amount_percent": "x"}).status_code
        == 400
    )


def test_dashboard_still_shows_when_safe_to_spend_cannot_be_worked_out(
    alice: SignedIn, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    _household(db, alice)

    def refuse(*_args: object, **_kwargs: object) -> NoReturn:
        raise InvalidInput("no figure today")

    monkeypatch.setattr(outlook, "safe_to_spend_now", refuse)
    page = alice.client.get("/")
    assert page.status_code == 200
    assert "Safe to spend until payday" not in page.text
    assert 'id="connections-heading"' in page.text
