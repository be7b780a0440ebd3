"""Input the database cannot hold is refused at the edge with 4xx, never a 500:
deeply nested JSON, amounts beyond 64-bit pence, ids longer than their columns."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.integration.conftest import SignedIn
from tests.security.seed import seed_mirror

SECRET = "a-known-webhook-secret"


def _webhook_client(app: FastAPI, db: Session, user_id: str) -> TestClient:
    mirror = seed_mirror(db, user_id, [])
    mirror.connection.webhook_secret_hash = hashlib.sha256(SECRET.encode()).hexdigest()
    db.commit()
    return TestClient(app)


def _delivery(**changes: Any) -> dict[str, Any]:
    data = {
        "id": "tx_webhook_1",
        "created": "2026-11-03T12:00:00.000Z",
        "amount": -450,
        "currency": "GBP",
        "description": "Coffee",
        "account_id": "acc_current",
        "settled": "",
    }
    return {"type": "transaction.created", "data": {**data, **changes}}


def test_deeply_nested_json_is_refused_without_the_secret(client: TestClient) -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    answer = client.post(
        "/webhooks/monzo/not-a-secret", content=body, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/auth/login", "/api/v1/auth/register"])
def test_deeply_nested_json_on_the_api_is_a_4xx(client: TestClient, path: str) -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    answer = client.post(path, content=body, headers={"content-type": "application/json"})
    assert 400 <= answer.status_code < 500


def test_deeply_nested_json_at_a_known_webhook_is_a_400(
    app: FastAPI, alice: SignedIn, db: Session
) -> None:
    client = _webhook_client(app, db, alice.user_id)
    body = b"[" * 100_000 + b"]" * 100_000
    answer = client.post(
        f"/webhooks/monzo/{SECRET}", content=body, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 400
    assert "nests deeper" in answer.json()["error"]["message"]


@pytest.mark.parametrize(
    "changes",
    [
        {"amount": 10**30},
        {"amount": -(10**30)},
        {"local_amount": 10**30, "local_currency": "EUR"},
        {"id": "t" * 5000},
        {"account_id": "a" * 5000},
        {"currency": "G" * 5000},
        {"category": "c" * 5000},
    ],
)
def test_a_webhook_delivery_beyond_what_is_stored_is_a_400(
    app: FastAPI, alice: SignedIn, db: Session, changes: dict[str, Any]
) -> None:
    client = _webhook_client(app, db, alice.user_id)
    answer = client.post(f"/webhooks/monzo/{SECRET}", json=_delivery(**changes))
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["message"].startswith("Malformed webhook")


def test_a_webhook_delivery_within_bounds_is_stored(
    app: FastAPI, alice: SignedIn, db: Session
) -> None:
    client = _webhook_client(app, db, alice.user_id)
    answer = client.post(f"/webhooks/monzo/{SECRET}", json=_delivery(amount=-(10**12)))
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("field", ["min_amount", "max_amount"])
def test_a_category_rule_amount_beyond_the_limit_is_a_422(alice: SignedIn, field: str) -> None:
    answer = alice.client.post(
        "/api/v1/categories/rules", json={"category": "groceries", field: 10**17}
    )
    assert answer.status_code == 422, answer.text
    assert field in answer.json()["error"]["message"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            "/api/v1/analytics/planned-items",
            {"label": "Car", "amount": -(10**17), "date": "2027-01-01"},
        ),
        ("/api/v1/analytics/commitments", {"payee": "Gym", "amount": 10**30}),
        ("/api/v1/budgets", {"category": "groceries", "amount": 10**17}),
    ],
)
def test_money_beyond_the_limit_is_refused_everywhere_it_is_entered(
    alice: SignedIn, path: str, body: dict[str, Any]
) -> None:
    answer = alice.client.post(path, json=body)
    assert answer.status_code == 422, answer.text
