"""The Monzo simulator against the reference: OAuth, SCA, shapes, pagination, pots."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.testclient import TestClient

from potwise.sandbox.clock import monzo_time, parse_instant

from .conftest import CLIENT, NOW, REDIRECT, make_client, monzo_login, monzo_token_body
from .shapes import MonzoAccount, MonzoBalance, MonzoErrorBody, MonzoPot, MonzoTransaction


def accounts(client: TestClient, headers: dict[str, str]) -> dict[str, dict[str, Any]]:
    r = client.get("/monzo/api/accounts", headers=headers)
    assert r.status_code == 200
    return {a["type"]: a for a in r.json()["accounts"]}


def test_data_is_forbidden_until_the_app_approves_then_full_history_for_five_minutes() -> None:
    client = make_client()
    body = monzo_token_body(client)
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert set(body) >= {
        "access_token",
        "client_id",
        "expires_in",
        "refresh_token",
        "token_type",
        "user_id",
    }
    assert body["expires_in"] == 21600 and body["token_type"] == "Bearer"
    r = client.get("/monzo/api/accounts", headers=headers)
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden.insufficient_permissions"
    who = client.get("/monzo/api/ping/whoami", headers=headers).json()
    assert who == {
        "authenticated": True,
        "client_id": "potwise-sandbox",
        "user_id": body["user_id"],
    }
    client.post("/_sandbox/users/demo/monzo/approve")
    personal = accounts(client, headers)["uk_retail"]["id"]
    # Inside the window: no `since` walks from the beginning of history.
    r = client.get("/monzo/api/transactions", params={"account_id": personal}, headers=headers)
    assert r.status_code == 200 and len(r.json()["transactions"]) == 30
    client.post("/_sandbox/clock", json={"advance": "PT5M1S"})
    r = client.get("/monzo/api/transactions", params={"account_id": personal}, headers=headers)
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden.verification_required"
    now = parse_instant(client.get("/_sandbox/clock").json()["now"])
    old = monzo_time(now - timedelta(days=90))
    recent = monzo_time(now - timedelta(days=89))
    r = client.get(
        "/monzo/api/transactions", params={"account_id": personal, "since": old}, headers=headers
    )
    assert r.status_code == 403
    r = client.get(
        "/monzo/api/transactions", params={"account_id": personal, "since": recent}, headers=headers
    )
    assert r.status_code == 200 and r.json()["transactions"]
    # Balance and pots keep working outside the window.
    assert (
        client.get(
            "/monzo/api/balance", params={"account_id": personal}, headers=headers
        ).status_code
        == 200
    )


def test_tokens_expire_refresh_rotates_and_old_tokens_are_evicted() -> None:
    client = make_client(monzo_token_ttl=60)
    body = monzo_token_body(client)
    client.post("/_sandbox/users/demo/monzo/approve")
    first = {"Authorization": f"Bearer {body['access_token']}"}
    assert client.get("/monzo/api/ping/whoami", headers=first).status_code == 200
    client.post("/_sandbox/clock", json={"advance": "PT61S"})
    r = client.get("/monzo/api/accounts", headers=first)
    assert r.status_code == 401
    assert r.json()["code"] == "unauthorized.bad_access_token.expired"
    assert r.json()["error"] == "invalid_token"
    refreshed = client.post(
        "/monzo/api/oauth2/token",
        data={"grant_type": "refresh_token", **CLIENT, "refresh_token": body["refresh_token"]},
    ).json()
    assert refreshed["refresh_token"] != body["refresh_token"]
    second = {"Authorization": f"Bearer {refreshed['access_token']}"}
    # The refreshed token keeps the approval.
    assert client.get("/monzo/api/accounts", headers=second).status_code == 200
    reused = client.post(
        "/monzo/api/oauth2/token",
        data={"grant_type": "refresh_token", **CLIENT, "refresh_token": body["refresh_token"]},
    )
    assert reused.status_code == 401
    assert reused.json()["code"] == "unauthorized.bad_refresh_token"
    # A new login evicts the previous token and its refresh token.
    third = monzo_token_body(client)
    r = client.get("/monzo/api/ping/whoami", headers=second)
    assert r.json()["code"] == "unauthorized.bad_access_token.evicted"
    evicted = client.post(
        "/monzo/api/oauth2/token",
        data={"grant_type": "refresh_token", **CLIENT, "refresh_token": refreshed["refresh_token"]},
    )
    assert evicted.json()["code"] == "unauthorized.bad_refresh_token.evicted"
    # The new login needs its own approval.
    fresh = {"Authorization": f"Bearer {third['access_token']}"}
    assert client.get("/monzo/api/accounts", headers=fresh).status_code == 403
    # Logout invalidates immediately, refresh included.
    assert client.post("/monzo/api/oauth2/logout", headers=fresh).json() == {}
    assert client.get("/monzo/api/ping/whoami", headers=fresh).status_code == 401
    assert (
        client.post(
            "/monzo/api/oauth2/token",
            data={
                "grant_type": "refresh_token",
                **CLIENT,
                "refresh_token": third["refresh_token"],
            },
        ).status_code
        == 401
    )


def test_codes_are_single_use_and_non_confidential_clients_get_no_refresh_token() -> None:
    client = make_client()
    r = client.get(
        "/monzo/auth/",
        params={
            "client_id": "potwise-sandbox",
            "redirect_uri": REDIRECT,
            "response_type": "code",
            "auto_approve": "1",
        },
        follow_redirects=False,
    )
    code = r.headers["location"].split("code=")[1].split("&")[0]
    form = {"grant_type": "authorization_code", **CLIENT, "redirect_uri": REDIRECT, "code": code}
    assert client.post("/monzo/api/oauth2/token", data=form).status_code == 200
    again = client.post("/monzo/api/oauth2/token", data=form)
    assert again.status_code == 401
    assert again.json()["code"] == "unauthorized.bad_authorization_code.used"
    client.post(
        "/_sandbox/clients",
        json={"client_id": "phone-app", "client_secret": "x", "confidential": False},
    )
    r = client.get(
        "/monzo/auth/",
        params={
            "client_id": "phone-app",
            "redirect_uri": REDIRECT,
            "response_type": "code",
            "auto_approve": "1",
        },
        follow_redirects=False,
    )
    code = r.headers["location"].split("code=")[1].split("&")[0]
    body = client.post(
        "/monzo/api/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "client_id": "phone-app",
            "client_secret": "x",
            "redirect_uri": REDIRECT,
            "code": code,
        },
    ).json()
    assert "access_token" in body and "refresh_token" not in body
    # A redirect URI that is not loopback is refused on the page.
    bad = client.get(
        "/monzo/auth/",
        params={
            "client_id": "potwise-sandbox",
            "redirect_uri": "https://evil.example/cb",
            "response_type": "code",
        },
    )
    assert bad.status_code == 400


def test_authorize_page_is_a_form_with_an_approve_button() -> None:
    client = make_client()
    page = client.get(
        "/monzo/auth/",
        params={
            "client_id": "potwise-sandbox",
            "redirect_uri": REDIRECT,
            "response_type": "code",
            "state": "abc",
        },
    )
    assert page.status_code == 200 and 'value="approve"' in page.text
    r = client.post(
        "/monzo/auth/",
        data={
            "client_id": "potwise-sandbox",
            "redirect_uri": REDIRECT,
            "response_type": "code",
            "state": "abc",
            "sandbox_user": "demo",
            "decision": "approve",
        },
        follow_redirects=False,
    )
    assert r.status_code == 302 and "state=abc" in r.headers["location"]


def test_shapes_match_the_reference(shared: TestClient) -> None:
    headers = monzo_login(shared)
    listed = shared.get("/monzo/api/accounts", headers=headers).json()["accounts"]
    parsed = [MonzoAccount.model_validate(a) for a in listed]
    types = [a.type for a in parsed]
    assert types[0] == "uk_prepaid" and parsed[0].closed  # closed accounts are still listed
    assert {"uk_retail", "uk_retail_joint"} <= set(types)
    joint = next(a for a in parsed if a.type == "uk_retail_joint")
    assert len(joint.owners) == 2 and joint.description.startswith("Joint account between")
    only = shared.get(
        "/monzo/api/accounts", params={"account_type": "uk_retail_joint"}, headers=headers
    ).json()["accounts"]
    assert [a["id"] for a in only] == [joint.id]
    for account in parsed[1:]:
        balance = MonzoBalance.model_validate(
            shared.get(
                "/monzo/api/balance", params={"account_id": account.id}, headers=headers
            ).json()
        )
        assert balance.spend_today <= 0
        pots = [
            MonzoPot.model_validate(p)
            for p in shared.get(
                "/monzo/api/pots", params={"current_account_id": account.id}, headers=headers
            ).json()["pots"]
        ]
        assert pots and all(p.current_account_id == account.id for p in pots)
        live = sum(p.balance for p in pots if not p.deleted)
        assert balance.total_balance == balance.balance + live
    personal = next(a for a in parsed if a.type == "uk_retail")
    pots = shared.get(
        "/monzo/api/pots", params={"current_account_id": personal.id}, headers=headers
    ).json()["pots"]
    assert any(p["deleted"] for p in pots)
    missing = shared.get("/monzo/api/pots", headers=headers)
    assert missing.status_code == 400
    assert missing.json() == {
        "code": "bad_request.missing_param.current_account_id",
        "message": "The field 'current_account_id' is required",
        "retryable": {},
    }
    since = monzo_time(NOW - timedelta(days=30))
    txs = shared.get(
        "/monzo/api/transactions",
        params={"account_id": personal.id, "since": since, "limit": 100, "expand[]": "merchant"},
        headers=headers,
    ).json()["transactions"]
    parsed_txs = [MonzoTransaction.model_validate(t) for t in txs]
    card = [t for t in parsed_txs if t.scheme == "mastercard"]
    assert card and all(isinstance(t.merchant, dict | object) for t in card)
    assert all(not isinstance(t.merchant, str) for t in parsed_txs)
    pot_moves = [t for t in parsed_txs if t.scheme == "uk_retail_pot"]
    for move in pot_moves:
        assert move.description.startswith("pot_") and move.merchant is None
        assert move.settled == move.created and move.metadata["pot_id"] == move.description
        assert not move.include_in_spending
    plain = shared.get(
        "/monzo/api/transactions",
        params={"account_id": personal.id, "since": since},
        headers=headers,
    )
    assert all(isinstance(t["merchant"], str | None) for t in plain.json()["transactions"])


def test_pending_card_payments_settle_in_place_after_working_days() -> None:
    client = make_client()
    headers = monzo_login(client)
    personal = accounts(client, headers)["uk_retail"]["id"]
    made = client.post(
        "/_sandbox/users/demo/transactions",
        json={"bank": "monzo", "amount": 465, "kind": "purchase", "description": "CORNER CAFE"},
    ).json()
    tx = client.get(f"/monzo/api/transactions/{made['transaction_id']}", headers=headers).json()
    assert tx["transaction"]["settled"] == "" and tx["transaction"]["amount"] == -465
    balance = client.get(
        "/monzo/api/balance", params={"account_id": personal}, headers=headers
    ).json()
    client.post("/_sandbox/clock", json={"advance": "P4D"})
    headers = monzo_login(client)
    settled = client.get(
        f"/monzo/api/transactions/{made['transaction_id']}", headers=headers
    ).json()["transaction"]
    assert settled["settled"] != "" and settled["id"] == made["transaction_id"]
    assert balance["spend_today"] <= -465


def test_pagination_walks_forward_oldest_first_without_gaps(shared: TestClient) -> None:
    headers = monzo_login(shared)
    personal = accounts(shared, headers)["uk_retail"]["id"]
    since = monzo_time(NOW - timedelta(days=89))
    everything = shared.get(
        "/monzo/api/transactions",
        params={"account_id": personal, "since": since, "limit": 1000},
        headers=headers,
    ).json()
    assert len(everything["transactions"]) == 100  # limit above 100 is clamped
    walked: list[dict[str, Any]] = []
    cursor = since
    while True:
        page = shared.get(
            "/monzo/api/transactions",
            params={"account_id": personal, "since": cursor, "limit": 37},
            headers=headers,
        ).json()
        walked.extend(page["transactions"])
        if len(page["transactions"]) < 37:
            break
        cursor = page["transactions"][-1]["id"]  # an id is exclusive
    created = [t["created"] for t in walked]
    assert created == sorted(created, key=parse_instant)
    assert len({t["id"] for t in walked}) == len(walked)
    assert walked[:100] == everything["transactions"]
    first_time = walked[5]["created"]
    inclusive = shared.get(
        "/monzo/api/transactions",
        params={"account_id": personal, "since": first_time, "limit": 2},
        headers=headers,
    ).json()
    assert inclusive["transactions"][0]["created"] == first_time
    before = shared.get(
        "/monzo/api/transactions",
        params={"account_id": personal, "since": since, "before": first_time, "limit": 100},
        headers=headers,
    ).json()["transactions"]
    assert all(parse_instant(t["created"]) < parse_instant(first_time) for t in before)
    assert (
        len(
            shared.get(
                "/monzo/api/transactions",
                params={"account_id": personal, "since": since},
                headers=headers,
            ).json()["transactions"]
        )
        == 30
    )


def test_pot_moves_are_idempotent_per_dedupe_id_and_ledgered() -> None:
    client = make_client()
    headers = monzo_login(client)
    personal = accounts(client, headers)["uk_retail"]["id"]
    joint = accounts(client, headers)["uk_retail_joint"]["id"]
    pots = client.get(
        "/monzo/api/pots", params={"current_account_id": personal}, headers=headers
    ).json()["pots"]
    pot = next(p for p in pots if p["name"] == "Bills")
    before = client.get(
        "/monzo/api/balance", params={"account_id": personal}, headers=headers
    ).json()
    form = {"source_account_id": personal, "amount": "2500", "dedupe_id": "intent-1"}
    for _ in range(3):
        r = client.put(f"/monzo/api/pots/{pot['id']}/deposit", data=form, headers=headers)
        assert r.status_code == 200
        assert MonzoPot.model_validate(r.json()).balance == pot["balance"] + 2500
    after = client.get(
        "/monzo/api/balance", params={"account_id": personal}, headers=headers
    ).json()
    assert after["balance"] == before["balance"] - 2500
    assert after["total_balance"] == before["total_balance"]
    ledger = client.get("/_sandbox/users/demo/ledger").json()["moves"]
    mine = [m for m in ledger if m["dedupe_id"] == "intent-1"]
    assert [m["repeat"] for m in mine] == [False, True, True]
    tx = client.get(f"/monzo/api/transactions/{mine[0]['transaction_id']}", headers=headers).json()[
        "transaction"
    ]
    user_id = client.get("/monzo/api/ping/whoami", headers=headers).json()["user_id"]
    assert tx["dedupe_id"] == f"{pot['id']}:{personal}:deposit:{user_id}:intent-1"
    assert tx["metadata"]["external_id"] == f"{user_id}:intent-1"
    assert tx["metadata"]["pot_deposit_id"].startswith("potdep_")
    # The same dedupe_id for the other direction is a different move.
    r = client.put(
        f"/monzo/api/pots/{pot['id']}/withdraw",
        headers=headers,
        data={"destination_account_id": personal, "amount": "1000", "dedupe_id": "intent-1"},
    )
    assert r.json()["balance"] == pot["balance"] + 1500
    # Parameters in the query string are ignored, as on the real API.
    r = client.put(f"/monzo/api/pots/{pot['id']}/deposit", params=form, headers=headers)
    assert r.status_code == 400
    assert r.json()["code"].startswith("bad_request.missing_param")
    r = client.put(
        f"/monzo/api/pots/{pot['id']}/deposit",
        headers=headers,
        data={**form, "amount": "0", "dedupe_id": "x"},
    )
    assert MonzoErrorBody.model_validate(r.json()).code == "bad_request.bad_param.bad_param.amount"
    r = client.put(
        f"/monzo/api/pots/{pot['id']}/deposit",
        headers=headers,
        data={**form, "amount": str(10**9), "dedupe_id": "too-much"},
    )
    assert (r.status_code, r.json()["code"]) == (400, "bad_request.insufficient_funds")
    r = client.put(
        f"/monzo/api/pots/{pot['id']}/deposit",
        headers=headers,
        data={**form, "source_account_id": joint, "dedupe_id": "wrong-account"},
    )
    assert r.status_code == 403


def test_annotate_feed_and_unknown_paths(shared: TestClient) -> None:
    headers = monzo_login(shared)
    personal = accounts(shared, headers)["uk_retail"]["id"]
    tx = shared.get(
        "/monzo/api/transactions",
        params={"account_id": personal, "since": monzo_time(NOW - timedelta(days=3))},
        headers=headers,
    ).json()["transactions"][0]
    r = shared.patch(
        f"/monzo/api/transactions/{tx['id']}",
        headers=headers,
        data={"metadata[potwise_rule]": "card_pot", "metadata[notes]": "hello"},
    )
    body = r.json()["transaction"]
    assert body["metadata"]["potwise_rule"] == "card_pot" and body["notes"] == "hello"
    r = shared.post(
        "/monzo/api/feed",
        headers=headers,
        data={
            "account_id": personal,
            "type": "basic",
            "params[title]": "Card pot topped up",
            "params[image_url]": "https://example.invalid/i.png",
        },
    )
    assert r.json() == {}
    assert shared.get("/monzo/api/no-such-thing", headers=headers).status_code == 404
    assert shared.delete("/monzo/api/accounts", headers=headers).status_code == 405
