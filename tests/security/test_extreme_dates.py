"""Times and dates at the ends of the calendar are refused with a plain 400, never a 500."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy.orm import Session

from tests.integration.conftest import SignedIn
from tests.security.seed import seed_mirror

EXTREMES = [
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59-12:00",
    "9999-12-31T23:59:59+14:00",
]


@pytest.mark.parametrize("when", EXTREMES)
@pytest.mark.parametrize("name", ["since", "until"])
def test_a_transaction_filter_at_the_ends_of_time_is_a_400(
    alice: SignedIn, db: Session, name: str, when: str
) -> None:
    seed_mirror(db, alice.user_id, ["Coffee"])
    answer = alice.client.get("/api/v1/transactions", params={name: when})
    assert answer.status_code == 400, answer.text
    assert "between the years 1900 and 2999" in answer.json()["error"]["message"]


@pytest.mark.parametrize("when", EXTREMES)
def test_a_cursor_at_the_ends_of_time_is_a_400(alice: SignedIn, db: Session, when: str) -> None:
    seed_mirror(db, alice.user_id, ["Coffee"])
    cursor = base64.urlsafe_b64encode(f"{when}|0123456789abcdef".encode()).decode()
    answer = alice.client.get("/api/v1/transactions", params={"cursor": cursor.rstrip("=")})
    assert answer.status_code == 400, answer.text
    assert "cursor is not valid" in answer.json()["error"]["message"]


@pytest.mark.parametrize(("since", "until"), [("0001-01-01", ""), ("", "9999-12-31")])
def test_the_transactions_page_refuses_dates_at_the_ends_of_time(
    alice: SignedIn, db: Session, since: str, until: str
) -> None:
    seed_mirror(db, alice.user_id, ["Coffee"])
    page = alice.client.get("/transactions", params={"since": since, "until": until})
    assert page.status_code < 500
    assert "between the years 1900 and 2999" in page.text


def test_sensible_filters_still_work(alice: SignedIn, db: Session) -> None:
    seed_mirror(db, alice.user_id, ["Coffee"])
    answer = alice.client.get(
        "/api/v1/transactions",
        params={"since": "2026-01-01T00:00:00+14:00", "until": "2027-01-01T00:00:00Z"},
    )
    assert answer.status_code == 200
    assert [t["description"] for t in answer.json()["items"]] == ["Coffee"]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_planned_item_dated_at_the_ends_of_time_is_refused(alice: SignedIn, day: str) -> None:
    answer = alice.client.post(
        "/api/v1/analytics/planned-items", json={"label": "Car", "amount": -500_00, "date": day}
    )
    assert answer.status_code == 400, answer.text
    assert "10 years back and 50 years ahead" in answer.json()["error"]["message"]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_commitment_dated_at_the_ends_of_time_is_refused(alice: SignedIn, day: str) -> None:
    answer = alice.client.post(
        "/api/v1/analytics/commitments",
        json={"payee": "Gym", "amount": 30_00, "next_date": day},
    )
    assert answer.status_code == 400, answer.text
    assert "10 years back and 50 years ahead" in answer.json()["error"]["message"]


def test_the_planned_page_refuses_a_date_at_the_end_of_time(alice: SignedIn) -> None:
    page = alice.client.post(
        "/planned", data={"label": "Car", "amount": "500", "date": "9999-12-31"}
    )
    assert page.status_code == 400
    assert "50 years ahead" in page.text


def test_a_plan_within_the_window_is_kept(alice: SignedIn) -> None:
    answer = alice.client.post(
        "/api/v1/analytics/planned-items",
        json={"label": "Car", "amount": -500_00, "date": "2030-06-01"},
    )
    assert answer.status_code == 201, answer.text
