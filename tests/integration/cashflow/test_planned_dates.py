"""A planned cost dated before today is refused (the forecast would not count it); today
and later are accepted and counted; a plan that started already counts what is to come."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from potwise.services.cashflow import history
from tests.integration.cashflow.builders import Household, today
from tests.integration.conftest import SignedIn


def _household(db: Session, user: SignedIn) -> None:
    Household.of(db, user.user_id).year_of_history()
    history.forget(user.user_id)


def test_api_refuses_a_past_one_off_and_stores_nothing(alice: SignedIn, db: Session) -> None:
    _household(db, alice)
    yesterday = (today() - timedelta(days=1)).isoformat()
    refused = alice.client.post(
        "/api/v1/analytics/planned-items",
        json={"label": "Dentist", "amount": -9_000, "date": yesterday},
    )
    assert refused.status_code == 400, refused.text
    error = refused.json()["error"]
    assert error["code"] == "invalid_input"
    assert "in the past" in error["message"] and yesterday in error["message"]
    assert alice.client.get("/api/v1/analytics/planned-items").json()["items"] == []


def test_api_accepts_today_and_the_forecast_counts_it(alice: SignedIn, db: Session) -> None:
    _household(db, alice)
    before = alice.client.get("/api/v1/analytics/forecast?days=5").json()["days"]
    created = alice.client.post(
        "/api/v1/analytics/planned-items",
        json={"label": "Dentist", "amount": -9_000, "date": today().isoformat()},
    )
    assert created.status_code == 201, created.text
    after = alice.client.get("/api/v1/analytics/forecast?days=5").json()["days"]
    # What is due today is counted on the first day after today's balance.
    assert any(i["label"] == "Dentist" for i in after[1]["items"])
    assert [a["balance"] for a in after[1:]] == [b["balance"] - 9_000 for b in before[1:]]


def test_a_plan_started_before_today_counts_its_instalments_to_come(
    alice: SignedIn, db: Session
) -> None:
    _household(db, alice)
    started = today() - timedelta(days=40)
    created = alice.client.post(
        "/api/v1/analytics/planned-items",
        json={"label": "Sofa", "amount": -90_000, "date": started.isoformat(), "months": 3},
    )
    assert created.status_code == 201, created.text
    to_come = [i for i in created.json()["instalments"] if i["date"] >= today().isoformat()]
    assert to_come
    days = alice.client.get("/api/v1/analytics/forecast?days=90").json()["days"]
    counted = [i for d in days for i in d["items"] if "Sofa" in i["label"]]
    assert len(counted) == len(to_come)
    over = alice.client.post(
        "/api/v1/analytics/planned-items",
        json={"label": "Old TV", "amount": -90_000, "date": "2020-01-15", "months": 3},
    )
    assert over.status_code == 400 and "in the past" in over.json()["error"]["message"]


def test_page_refuses_a_past_date_and_keeps_what_was_typed(alice: SignedIn, db: Session) -> None:
    _household(db, alice)
    last_week = (today() - timedelta(days=7)).isoformat()
    refused = alice.client.post(
        "/planned",
        data={"label": "Dentist & co", "amount": "90.50", "date": last_week},
        follow_redirects=False,
    )
    assert refused.status_code == 400
    page = refused.text
    assert "is in the past" in page and "the forecast counts it" not in page
    assert 'value="Dentist &amp; co"' in page
    assert 'value="90.50"' in page and f'value="{last_week}"' in page
    assert alice.client.get("/api/v1/analytics/planned-items").json()["items"] == []
    saved = alice.client.post(
        "/planned",
        data={"label": "Dentist", "amount": "90.50", "date": today().isoformat()},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    [item] = alice.client.get("/api/v1/analytics/planned-items").json()["items"]
    assert item["amount"] == -9_050 and item["date"] == today().isoformat()
