"""Two users cannot see or touch each other's anything: every path with an id answers 404."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi import FastAPI
from sqlalchemy.orm import Session

from potwise.db.models import (
    Account,
    Automation,
    Budget,
    Category,
    CategoryRule,
    Commitment,
    Connection,
    Passkey,
    PlannedItem,
    Pot,
    SyncRun,
    Transaction,
)
from potwise.services.notify import notify
from tests.integration.conftest import SignedIn

# Every API route that takes an object id, and which of Alice's objects to aim it at.
# A new route with a path parameter fails `test_every_id_route_is_covered` until added here.
ID_ROUTES = {
    ("DELETE", "/api/v1/auth/tokens/{token_id}"): "token",
    ("DELETE", "/api/v1/auth/sessions/{session_id}"): "session",
    ("DELETE", "/api/v1/connections/{connection_id}"): "connection",
    ("POST", "/api/v1/connections/{connection_id}/approval"): "connection",
    ("POST", "/api/v1/connections/{connection_id}/sync"): "connection",
    ("GET", "/api/v1/accounts/{account_id}"): "account",
    ("GET", "/api/v1/automations/{automation_id}"): "automation",
    ("PATCH", "/api/v1/automations/{automation_id}"): "automation",
    ("DELETE", "/api/v1/automations/{automation_id}"): "automation",
    ("POST", "/api/v1/automations/{automation_id}/preview"): "automation",
    ("POST", "/api/v1/automations/{automation_id}/run"): "automation",
    ("GET", "/api/v1/automations/{automation_id}/runs"): "automation",
    ("GET", "/api/v1/budgets/{budget_id}"): "budget",
    ("PATCH", "/api/v1/budgets/{budget_id}"): "budget",
    ("DELETE", "/api/v1/budgets/{budget_id}"): "budget",
    ("PATCH", "/api/v1/transactions/{transaction_id}"): "transaction",
    ("POST", "/api/v1/internal-pairs/{transaction_id}/reject"): "transaction",
    ("DELETE", "/api/v1/categories/rules/{rule_id}"): "category_rule",
    ("PATCH", "/api/v1/categories/{category_id}"): "category",
    ("POST", "/api/v1/categories/{category_id}/merge"): "category",
    ("PATCH", "/api/v1/analytics/commitments/{commitment_id}"): "commitment",
    ("DELETE", "/api/v1/analytics/planned-items/{item_id}"): "planned_item",
    ("PUT", "/api/v1/analytics/card-models/{account_id}"): "card",
    ("DELETE", "/api/v1/auth/passkeys/{passkey_id}"): "passkey",
    ("DELETE", "/api/v1/notifications/channels/{channel_id}"): "channel",
    ("POST", "/api/v1/notifications/channels/{channel_id}/test"): "channel",
    ("POST", "/api/v1/notices/{notice_id}/read"): "notice",
}
# Bodies a route needs to get as far as looking the id up (else {} for PATCH and PUT).
BODIES = {
    ("POST", "/api/v1/categories/{category_id}/merge"): {"into": "groceries"},
    ("PATCH", "/api/v1/categories/{category_id}"): {"name": "Bob's now"},
}
# Path parameters that name no user's object (a provider, a webhook's own secret).
NOT_IDS = {"provider", "secret"}
# Query parameters that take one of Alice's ids.
ID_QUERIES = (
    "/api/v1/transactions?account_id={account}",
    "/api/v1/sync/runs?connection_id={connection}",
    "/api/v1/transfers?automation_id={automation}",
    "/api/v1/export/transactions.csv?account_id={account}",
    "/api/v1/export/transactions.ofx?account_id={account}",
    "/transactions/export?account={account}&format=csv",
)
# Page routes that act on an id.
PAGE_ROUTES = (
    "/settings/tokens/{token}/delete",
    "/connections/{connection}/sync",
    "/connections/{connection}/approval",
    "/connections/{connection}/disconnect",
    "/budgets/{budget}/edit",
    "/budgets/{budget}/delete",
    "/commitments/{commitment}/status",
    "/planned/{planned_item}/delete",
    "/planned/cards/{card}",
    "/transactions/{transaction}/category",
    "/categories/{category}/rename",
    "/categories/{category}/merge",
    "/settings/passkeys/{passkey}/delete",
    "/settings/notifications/channels/{channel}/test",
    "/settings/notifications/channels/{channel}/delete",
    "/notices/{notice}/read",
)


def _alice_objects(alice: SignedIn, db: Session) -> dict[str, str]:
    token = alice.client.post("/api/v1/auth/tokens", json={"name": "alice's"}).json()["id"]
    sessions = alice.client.get("/api/v1/auth/sessions").json()["items"]
    connection = Connection(user_id=alice.user_id, provider="monzo", display_name="Monzo")
    db.add(connection)
    db.flush()
    account = Account(
        user_id=alice.user_id,
        connection_id=connection.id,
        external_id="acc_alice",
        provider="monzo",
        kind="current",
        name="Alice's current account",
        currency="GBP",
        balance=123_45,
    )
    db.add(account)
    db.flush()
    db.add(
        Pot(
            user_id=alice.user_id,
            connection_id=connection.id,
            account_id=account.id,
            external_id="pot_alice",
            name="Alice's pot",
            currency="GBP",
            balance=500,
        )
    )
    transaction = Transaction(
        user_id=alice.user_id,
        connection_id=connection.id,
        account_id=account.id,
        external_id="tx_alice",
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
        amount=-999,
        currency="GBP",
        status="settled",
        description="Alice's lunch",
    )
    db.add(transaction)
    db.add(SyncRun(user_id=alice.user_id, connection_id=connection.id, trigger="manual"))
    card = Account(
        user_id=alice.user_id,
        connection_id=connection.id,
        external_id="card_alice",
        provider="ob-amex",
        kind="credit_card",
        name="Alice's Amex",
        currency="GBP",
        balance=-5000,
    )
    db.add(card)
    db.flush()
    rule = Automation(
        user_id=alice.user_id,
        kind="card_pot",
        name="Alice's card pot",
        config={"pot_id": "x", "card_account_ids": [card.id]},
    )
    db.add(rule)
    budget = Budget(user_id=alice.user_id, category="groceries", amount=20_000)
    db.add(budget)
    category_rule = CategoryRule(
        user_id=alice.user_id, category="treats", description_contains="lunch"
    )
    db.add(category_rule)
    category = Category(user_id=alice.user_id, key="treats", name="Treats", name_folded="treats")
    db.add(category)
    commitment = Commitment(
        user_id=alice.user_id,
        key="out:netflix:monthly:10",
        payee="netflix",
        amount=1599,
        cadence="monthly",
        direction="out",
        day_of_month=10,
    )
    db.add(commitment)
    planned = PlannedItem(
        user_id=alice.user_id, label="Alice's trip", amount=-5000, due_on=datetime.now(UTC).date()
    )
    db.add(planned)
    passkey = Passkey(
        user_id=alice.user_id,
        credential_id="alice-credential",
        public_key=b"alice key",
        sign_count=0,
        name="Alice's phone",
    )
    db.add(passkey)
    db.commit()
    channel = alice.client.post(
        "/api/v1/notifications/channels",
        json={"kind": "webhook", "name": "Alice's hook", "url": "https://hooks.example.org/alice"},
    ).json()["channel"]["id"]
    notice = notify(db, alice.user_id, "transfer_done", "Moved £1.00 into Alice's pot.")
    db.commit()
    return {
        "notice": notice.id,
        "token": token,
        "session": sessions[0]["id"],
        "connection": connection.id,
        "account": account.id,
        "automation": rule.id,
        "budget": budget.id,
        "transaction": transaction.id,
        "category_rule": category_rule.id,
        "category": category.id,
        "commitment": commitment.id,
        "planned_item": planned.id,
        "card": card.id,
        "passkey": passkey.id,
        "channel": channel,
    }


def test_every_id_route_is_covered(app: FastAPI) -> None:
    with_ids = set()
    for path, operations in app.openapi()["paths"].items():
        params = set(re.findall(r"{(\w+)}", path))
        if params - NOT_IDS:
            with_ids.update((method.upper(), path) for method in operations)
    assert with_ids == set(ID_ROUTES), "add new id routes to ID_ROUTES with an isolation check"


def test_bob_gets_404_for_every_one_of_alices_ids(
    alice: SignedIn, bob: SignedIn, db: Session
) -> None:
    ids = _alice_objects(alice, db)
    for (method, path), kind in ID_ROUTES.items():
        url = re.sub(r"{\w+}", ids[kind], path)
        body = BODIES.get((method, path), {} if method in {"PATCH", "PUT"} else None)
        response = bob.client.request(method, url, json=body)
        assert response.status_code == 404, (method, url, response.text)
        assert response.json()["error"]["code"] == "not_found"
    for template in ID_QUERIES:
        url = template.format(**ids)
        response = bob.client.get(url)
        assert response.status_code == 404, (url, response.text)
    for template in PAGE_ROUTES:
        url = template.format(**ids)
        response = bob.client.post(url, follow_redirects=False)
        assert response.status_code == 404, (url, response.text)
    # Alice's things are untouched and still hers.
    assert len(alice.client.get("/api/v1/auth/tokens").json()["items"]) == 1
    assert alice.client.get(f"/api/v1/accounts/{ids['account']}").status_code == 200
    assert len(alice.client.get("/api/v1/connections").json()["items"]) == 1
    assert len(alice.client.get("/api/v1/auth/passkeys").json()["items"]) == 1
    assert len(alice.client.get("/api/v1/notifications/channels").json()["items"]) == 1
    deliveries = alice.client.get("/api/v1/notifications/deliveries").json()["items"]
    assert all(d["event"] != "test" for d in deliveries)  # Bob's "send a test" did nothing
    assert alice.client.get("/api/v1/notices").json()["items"][0]["read_at"] is None
    listed = alice.client.get("/api/v1/categories").json()["items"]
    assert [c["name"] for c in listed if c["own"]] == ["Treats"]


def test_lists_only_show_the_callers_own_things(
    alice: SignedIn, bob: SignedIn, db: Session
) -> None:
    _alice_objects(alice, db)
    bob.client.post("/api/v1/auth/tokens", json={"name": "bob token"})
    assert [t["name"] for t in bob.client.get("/api/v1/auth/tokens").json()["items"]] == [
        "bob token"
    ]
    for path in (
        "/api/v1/connections",
        "/api/v1/accounts",
        "/api/v1/pots",
        "/api/v1/transactions",
        "/api/v1/sync/runs",
        "/api/v1/automations",
        "/api/v1/budgets",
        "/api/v1/categories/rules",
    ):
        assert bob.client.get(path).json()["items"] == [], path
        assert alice.client.get(path).json()["items"] != [], path
    bobs = bob.client.get("/api/v1/categories").json()["items"]
    assert bobs and not any(c["own"] for c in bobs)
    bob_sessions = bob.client.get("/api/v1/auth/sessions").json()["items"]
    alice_sessions = alice.client.get("/api/v1/auth/sessions").json()["items"]
    assert {s["id"] for s in bob_sessions}.isdisjoint({s["id"] for s in alice_sessions})


def test_sign_out_everywhere_touches_only_the_callers_sessions(
    alice: SignedIn, bob: SignedIn
) -> None:
    bob.client.delete("/api/v1/auth/sessions")
    bob_again = bob.client.delete("/api/v1/auth/sessions")
    assert bob_again.json() == {"revoked": 0}
    assert alice.client.get("/api/v1/auth/me").status_code == 200
