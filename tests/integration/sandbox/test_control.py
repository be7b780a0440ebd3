"""The control API and page: clock, users, truth, reset, scale, balances."""

from __future__ import annotations

from .conftest import make_client, monzo_login


def test_clock_moves_forward_only_and_fills_in_days() -> None:
    client = make_client()
    before = client.get("/_sandbox/users/demo").json()
    moved = client.post("/_sandbox/clock", json={"advance": "P7D"}).json()
    assert moved["now"].startswith("2026-05-26T12:00:00")
    after = client.get("/_sandbox/users/demo").json()
    count = lambda view: sum(a["transactions"] for a in view["monzo"]["accounts"])  # noqa: E731
    assert count(after) > count(before)
    assert client.post("/_sandbox/clock", json={"set": "2020-01-01T00:00:00Z"}).status_code == 400
    assert client.post("/_sandbox/clock", json={"set": "2026-06-01T00:00:00Z"}).status_code == 200


def test_reset_with_the_same_seed_gives_the_same_household() -> None:
    client = make_client(seed=11)
    first = client.get("/_sandbox/users/demo/truth").json()
    client.post("/_sandbox/users/demo/transactions", json={"amount": 100, "kind": "purchase"})
    client.post("/_sandbox/reset", json={"seed": 11})
    assert client.get("/_sandbox/users/demo/truth").json() == first
    client.post("/_sandbox/reset", json={"seed": 12, "years": 1})
    assert client.get("/_sandbox/users/demo/truth").json() != first


def test_truth_lists_recurring_items_transfers_and_repayments() -> None:
    client = make_client()
    truth = client.get("/_sandbox/users/demo/truth").json()
    assert truth["payday"]["adjustment"] == "previous_working_day"
    payees = {r["payee"] for r in truth["recurring"]}
    assert {"Octopus Energy", "Leeds City Council", "Netflix", "American Express"} <= payees
    for item in truth["recurring"]:
        assert set(item) >= {"payee", "amount", "cadence", "direction", "active", "transaction_ids"}
    assert truth["internal_transfers"] and truth["card_repayments"] and truth["pot_moves"]
    headers = monzo_login(client)
    tx = client.get(f"/monzo/api/transactions/{truth['pot_moves'][0]}", headers=headers)
    assert tx.json()["transaction"]["scheme"] == "uk_retail_pot"


def test_scale_creates_households_with_ready_tokens() -> None:
    client = make_client()
    made = client.post("/_sandbox/users", json={"count": 3, "years": 0}).json()["users"]
    assert [u["name"] for u in made] == ["user2", "user3", "user4"]
    token = made[1]["monzo"]["access_token"]
    r = client.get("/monzo/api/accounts", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    tl = made[2]["truelayer"]["ob-amex"]["access_token"]
    r = client.get(
        "/truelayer/api/data/v1/cards",
        headers={"Authorization": f"Bearer {tl}", "X-PSU-IP": "127.0.0.1"},
    )
    assert r.status_code == 200 and r.json()["results"]
    assert client.post("/_sandbox/users", json={"name": "alice"}).status_code == 201
    assert "alice" in client.get("/_sandbox/users").json()["users"]


def test_set_balance_posts_an_adjustment_and_page_renders() -> None:
    client = make_client()
    view = client.get("/_sandbox/users/demo").json()
    personal = next(a for a in view["monzo"]["accounts"] if a["type"] == "uk_retail")
    r = client.post("/_sandbox/users/demo/balance", json={"bank": "monzo", "balance": 12345})
    assert r.json()["balance"] == 12345
    amex = view["truelayer"]["ob-amex"][0]["id"]
    r = client.post(
        "/_sandbox/users/demo/balance", json={"bank": "ob-amex", "account": amex, "balance": 50000}
    )
    assert r.json()["current"] == 50000
    page = client.get("/_sandbox")
    assert page.status_code == 200 and personal["id"] in page.text
    r = client.post("/_sandbox/ui/approve", data={"user": "demo"}, follow_redirects=False)
    assert r.status_code == 303
    bad = client.post("/_sandbox/users/demo/transactions", json={"amount": -5})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_amount"
    assert client.get("/_sandbox/users/nobody").status_code == 404
