"""`GET /api/v1/transactions` and `/transactions/summary` on SQLite and PostgreSQL: a
search finds amounts as well as words, and a filter's count and totals cover every page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from tests.integration.conftest import SignedIn
from tests.integration.insight.builders import Household

T0 = datetime(2026, 4, 1, 9, tzinfo=UTC)


def _household(db: Session, user_id: str) -> Household:
    h = Household.of(db, user_id)
    h.add(T0, -1_299, merchant="Netflix", category="entertainment")
    h.add(T0 + timedelta(hours=1), 1_299, merchant="Refund from shop", category="shopping")
    h.add(T0 + timedelta(hours=2), -1_200, merchant="Flat 12 laundry", category="bills")
    h.add(T0 + timedelta(hours=3), -4_000, merchant="Tesco")
    h.add(T0 + timedelta(hours=4), -2_500, merchant="Tesco", status="pending")
    h.add(T0 + timedelta(hours=5), -9_999, merchant="Tesco", status="declined")
    h.add(T0 + timedelta(hours=6), 250_000, merchant=None, category="income", description="PAY")
    h.add(T0 + timedelta(hours=7), -3_000, merchant="Bistro", currency="EUR", category="holidays")
    return h


def _merchants(user: SignedIn, **params: Any) -> list[str | None]:
    response = user.client.get("/api/v1/transactions", params=params)
    assert response.status_code == 200, response.text
    return sorted((t["merchant"] or t["description"]) for t in response.json()["items"])


def _summary(user: SignedIn, **params: Any) -> dict[str, Any]:
    response = user.client.get("/api/v1/transactions/summary", params=params)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def test_a_search_finds_an_amount_typed_as_people_write_it(alice: SignedIn, db: Session) -> None:
    _household(db, alice.user_id)
    both = ["Netflix", "Refund from shop"]
    assert _merchants(alice, q="12.99") == both
    assert _merchants(alice, q="£12.99") == both
    assert _merchants(alice, q="-12.99") == ["Netflix"]
    assert _merchants(alice, q="-£12.99") == ["Netflix"]
    assert _merchants(alice, q="+12.99") == ["Refund from shop"]
    # "12" is £12.00 and the words "12" alike.
    assert _merchants(alice, q="12") == ["Flat 12 laundry"]
    assert _merchants(alice, q="2,500") == ["PAY"]
    assert _merchants(alice, q="30") == ["Bistro"]  # €30.00: amounts in any currency
    assert _merchants(alice, q="netflix") == ["Netflix"]
    assert _merchants(alice, q="12.98") == []


def test_the_summary_counts_and_adds_up_everything_the_filters_find(
    alice: SignedIn, db: Session
) -> None:
    _household(db, alice.user_id)
    page = alice.client.get("/api/v1/transactions", params={"q": "tesco", "limit": 1}).json()
    assert set(page) == {"items", "next_cursor"}
    assert len(page["items"]) == 1 and page["next_cursor"]
    summary = _summary(alice, q="tesco")
    assert summary == {
        "count": 3,
        "totals": [
            # The declined £99.99 is counted but moved no money.
            {"currency": "GBP", "count": 3, "money_in": 0, "money_out": -6_500, "net": -6_500}
        ],
    }
    everything = _summary(alice)
    assert everything["count"] == 8
    assert everything["totals"] == [
        {
            "currency": "GBP",
            "count": 7,
            "money_in": 251_299,
            "money_out": -8_999,
            "net": 242_300,
        },
        {"currency": "EUR", "count": 1, "money_in": 0, "money_out": -3_000, "net": -3_000},
    ]


def test_the_summary_takes_the_same_filters_as_the_list(alice: SignedIn, db: Session) -> None:
    h = _household(db, alice.user_id)
    h.add(T0 - timedelta(days=40), -700, merchant="Tesco", account="amex")
    assert _summary(alice, category="groceries")["count"] == 4
    assert _summary(alice, category="groceries", status="pending")["totals"][0]["money_out"] == (
        -2_500
    )
    assert _summary(alice, account_id=h.accounts["amex"].id)["count"] == 1
    since = (T0 - timedelta(days=1)).isoformat()
    assert _summary(alice, category="groceries", since=since)["count"] == 3
    assert _summary(alice, q="-12.99")["totals"][0]["money_out"] == -1_299
    assert _summary(alice, q="no such thing") == {"count": 0, "totals": []}


def test_the_summary_refuses_what_the_list_refuses(
    alice: SignedIn, bob: SignedIn, db: Session
) -> None:
    h = _household(db, alice.user_id)
    mine = h.accounts["current"].id
    answer = bob.client.get("/api/v1/transactions/summary", params={"account_id": mine})
    assert answer.status_code == 404, answer.text
    assert bob.client.get("/api/v1/transactions/summary").json() == {"count": 0, "totals": []}
    naive = alice.client.get("/api/v1/transactions/summary", params={"since": "2026-04-01T00:00"})
    assert naive.status_code == 400, naive.text
    bad = alice.client.get("/api/v1/transactions/summary", params={"status": "lost"})
    assert bad.status_code == 422, bad.text
