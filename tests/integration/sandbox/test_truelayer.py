"""The TrueLayer simulator against the reference: auth, shapes, card signs, limits, consent."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

from starlette.testclient import TestClient

from .conftest import CLIENT, make_client, truelayer_headers, truelayer_token_body
from .shapes import (
    TLAccount,
    TLAccountBalance,
    TLCard,
    TLCardBalance,
    TLDirectDebit,
    TLError,
    TLMe,
    TLStandingOrder,
    TLTransaction,
    results,
)

API = "/truelayer/api/data/v1"


def exact(response: Any) -> dict[str, Any]:
    return dict(json.loads(response.text, parse_float=Decimal))


def test_token_is_a_jwt_with_exp_and_refresh_needs_offline_access() -> None:
    client = make_client()
    body = truelayer_token_body(client, "ob-amex")
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert "offline_access" in body["scope"].split() and body["refresh_token"]
    claims = json.loads(base64.urlsafe_b64decode(body["access_token"].split(".")[1] + "=="))
    assert claims["exp"] - claims["nbf"] == 3600 and claims["connector_id"] == "ob-amex"
    short = truelayer_token_body(client, "ob-amex", scope="info cards balance transactions")
    assert "refresh_token" not in short


def test_amex_is_cards_only_and_card_signs_are_the_issuers() -> None:
    client = make_client()
    headers = truelayer_headers(truelayer_token_body(client, "ob-amex"))
    r = client.get(f"{API}/accounts", headers=headers)
    assert r.status_code == 501
    assert TLError.model_validate(r.json()).error == "endpoint_not_supported"
    me = results(client.get(f"{API}/me", headers=headers).json(), TLMe)[0]
    assert me.provider.provider_id == "ob-amex"
    assert (me.consent_expires_at - me.consent_created_at).days == 90
    cards = results(client.get(f"{API}/cards", headers=headers).json(), TLCard)
    assert [c.card_network for c in cards] == ["AMEX"]
    card_id = cards[0].account_id
    balance = results(
        exact(client.get(f"{API}/cards/{card_id}/balance", headers=headers)), TLCardBalance
    )[0]
    # Amex: no available, no payment_due; current is what is owed (positive) and settled only.
    assert balance.available is None and balance.payment_due is None and balance.current > 0
    settled = results(
        exact(
            client.get(
                f"{API}/cards/{card_id}/transactions",
                headers=headers,
                params={"from": "2026-02-20", "to": "2026-05-19"},
            )
        ),
        TLTransaction,
    )
    pending = results(
        exact(client.get(f"{API}/cards/{card_id}/transactions/pending", headers=headers)),
        TLTransaction,
    )
    assert settled and all(t.timestamp.hour == 0 for t in settled)
    for tx in settled + pending:
        assert (tx.amount > 0) == (tx.transaction_type == "DEBIT")
    assert any(t.description == "PAYMENT RECEIVED - THANK YOU" and t.amount < 0 for t in settled)
    assert all(t.normalised_provider_transaction_id for t in settled)
    assert all(t.normalised_provider_transaction_id is None for t in pending)
    # Amounts are exact decimals with at most two places.
    assert all(t.amount == t.amount.quantize(Decimal("0.01")) for t in settled)
    assert client.get(f"{API}/cards/{card_id}/direct_debits", headers=headers).status_code == 404


def test_barclaycard_counts_pending_in_current_and_natwest_is_a_bank_account() -> None:
    client = make_client()
    headers = truelayer_headers(truelayer_token_body(client, "uk-ob-barclaycard"))
    card_id = client.get(f"{API}/cards", headers=headers).json()["results"][0]["account_id"]
    before = results(
        exact(client.get(f"{API}/cards/{card_id}/balance", headers=headers)), TLCardBalance
    )[0]
    client.post(
        "/_sandbox/users/demo/transactions",
        json={
            "bank": "uk-ob-barclaycard",
            "amount": 4210,
            "kind": "purchase",
            "description": "SHELL",
        },
    )
    after = results(
        exact(client.get(f"{API}/cards/{card_id}/balance", headers=headers)), TLCardBalance
    )[0]
    assert after.current - before.current == Decimal("42.10")
    assert after.available is not None and after.credit_limit is not None
    assert after.available == after.credit_limit - after.current
    nw_headers = truelayer_headers(truelayer_token_body(client, "ob-natwest"))
    assert client.get(f"{API}/cards", headers=nw_headers).status_code == 501
    accounts = results(client.get(f"{API}/accounts", headers=nw_headers).json(), TLAccount)
    account_id = accounts[0].account_id
    balance = results(
        exact(client.get(f"{API}/accounts/{account_id}/balance", headers=nw_headers)),
        TLAccountBalance,
    )[0]
    txs = results(
        exact(client.get(f"{API}/accounts/{account_id}/transactions", headers=nw_headers)),
        TLTransaction,
    )
    assert balance.current == txs[-1].running_balance.amount if txs[-1].running_balance else True
    for tx in txs:
        assert (tx.amount < 0) == (tx.transaction_type == "DEBIT")
    results(
        client.get(f"{API}/accounts/{account_id}/standing_orders", headers=nw_headers).json(),
        TLStandingOrder,
    )
    dds = results(
        client.get(f"{API}/accounts/{account_id}/direct_debits", headers=nw_headers).json(),
        TLDirectDebit,
    )
    assert {d.name for d in dds} >= {"BARCLAYCARD"}


def test_pending_rows_settle_with_new_ids_and_some_vanish() -> None:
    client = make_client()
    headers = truelayer_headers(truelayer_token_body(client, "ob-amex"))
    card_id = client.get(f"{API}/cards", headers=headers).json()["results"][0]["account_id"]
    made = client.post(
        "/_sandbox/users/demo/transactions",
        json={"bank": "ob-amex", "amount": 895, "kind": "purchase", "description": "PRET"},
    ).json()
    pending_ids = {
        t["transaction_id"]
        for t in client.get(f"{API}/cards/{card_id}/transactions/pending", headers=headers).json()[
            "results"
        ]
    }
    assert made["transaction_id"] in pending_ids
    client.post("/_sandbox/clock", json={"advance": "P5D"})
    headers = truelayer_headers(truelayer_token_body(client, "ob-amex"))
    now_pending = {
        t["transaction_id"]
        for t in client.get(f"{API}/cards/{card_id}/transactions/pending", headers=headers).json()[
            "results"
        ]
    }
    settled = client.get(f"{API}/cards/{card_id}/transactions", headers=headers).json()["results"]
    assert made["transaction_id"] not in now_pending
    pret = [t for t in settled if t["description"] == "PRET" and t["amount"] == 8.95]
    assert len(pret) == 1 and pret[0]["transaction_id"] != made["transaction_id"]
    # Across the generated history some authorisations never settle: cards' settled rows
    # are fewer than the purchases the generator made.
    view = client.get("/_sandbox/users/demo").json()
    assert view["truelayer"]["ob-amex"][0]["settled_transactions"] > 100


def test_unattended_calls_are_capped_per_consent_per_day() -> None:
    client = make_client()
    body = truelayer_token_body(client, "ob-amex")
    unattended = truelayer_headers(body, attended=False)
    for _ in range(4):
        assert client.get(f"{API}/cards", headers=unattended).status_code == 200
    r = client.get(f"{API}/cards", headers=unattended)
    assert r.status_code == 429 and r.json()["error"] == "provider_request_limit_exceeded"
    # /me is answered by TrueLayer itself, and a present user (X-PSU-IP) is not capped.
    assert client.get(f"{API}/me", headers=unattended).status_code == 200
    assert client.get(f"{API}/cards", headers=truelayer_headers(body)).status_code == 200
    client.post("/_sandbox/clock", json={"advance": "PT24H"})
    refreshed = client.post(
        "/truelayer/auth/connect/token",
        data={"grant_type": "refresh_token", **CLIENT, "refresh_token": body["refresh_token"]},
    ).json()
    assert (
        client.get(f"{API}/cards", headers=truelayer_headers(refreshed, False)).status_code == 200
    )
    off = make_client(truelayer_unattended_limit=None)
    headers = truelayer_headers(truelayer_token_body(off, "ob-amex"), attended=False)
    assert all(off.get(f"{API}/cards", headers=headers).status_code == 200 for _ in range(6))


def test_tokens_expire_refresh_rotates_and_consent_lapses_after_90_days() -> None:
    client = make_client(truelayer_token_ttl=30)
    body = truelayer_token_body(client, "ob-natwest")
    headers = truelayer_headers(body)
    client.post("/_sandbox/clock", json={"advance": "PT31S"})
    r = client.get(f"{API}/accounts", headers=headers)
    assert r.status_code == 401 and r.json()["error"] == "invalid_token"
    assert "expired" in r.json()["error_description"]
    refreshed = client.post(
        "/truelayer/auth/connect/token",
        json={"grant_type": "refresh_token", **CLIENT, "refresh_token": body["refresh_token"]},
    ).json()
    assert refreshed["refresh_token"] != body["refresh_token"]
    old = client.post(
        "/truelayer/auth/connect/token",
        data={"grant_type": "refresh_token", **CLIENT, "refresh_token": body["refresh_token"]},
    )
    assert (old.status_code, old.json()) == (400, {"error": "invalid_grant"})
    assert client.get(f"{API}/accounts", headers=truelayer_headers(refreshed)).status_code == 200
    # After the deep-history window, more than 90 days back is refused.
    client.post("/_sandbox/clock", json={"advance": "PT6M"})
    latest = client.post(
        "/truelayer/auth/connect/token",
        data={"grant_type": "refresh_token", **CLIENT, "refresh_token": refreshed["refresh_token"]},
    ).json()
    account_id = client.get(f"{API}/accounts", headers=truelayer_headers(latest)).json()["results"][
        0
    ]["account_id"]
    r = client.get(
        f"{API}/accounts/{account_id}/transactions",
        headers=truelayer_headers(latest),
        params={"from": "2025-06-01", "to": "2026-05-19"},
    )
    assert (r.status_code, r.json()["error"]) == (403, "sca_exceeded")
    r = client.get(
        f"{API}/accounts/{account_id}/transactions",
        headers=truelayer_headers(latest),
        params={"from": "2026-05-19", "to": "2026-05-01"},
    )
    assert (r.status_code, r.json()["error"]) == (400, "invalid_date_range")
    for _ in range(3):  # refresh at least every 30 days to keep the refresh token alive
        client.post("/_sandbox/clock", json={"advance": "P29D"})
        latest = client.post(
            "/truelayer/auth/connect/token",
            data={
                "grant_type": "refresh_token",
                **CLIENT,
                "refresh_token": latest["refresh_token"],
            },
        ).json()
        assert "access_token" in latest, latest
    client.post("/_sandbox/clock", json={"advance": "P4D"})  # day 91 of the consent
    lapsed = client.post(
        "/truelayer/auth/connect/token",
        data={"grant_type": "refresh_token", **CLIENT, "refresh_token": latest["refresh_token"]},
    )
    assert lapsed.json() == {"error": "invalid_grant"}
    # A still-valid access token on a lapsed consent: 403 access_denied, /me included.
    short = make_client(truelayer_consent_days=1, truelayer_token_ttl=200000)
    body = truelayer_token_body(short, "ob-natwest")
    short.post("/_sandbox/clock", json={"advance": "P1DT1M"})
    r = short.get(f"{API}/me", headers=truelayer_headers(body))
    assert (r.status_code, r.json()["error"]) == (403, "access_denied")


def test_revoked_connections_are_refused_everywhere() -> None:
    client = make_client()
    body = truelayer_token_body(client, "uk-ob-barclaycard")
    headers = truelayer_headers(body)
    assert client.delete("/truelayer/auth/api/delete", headers=headers).status_code == 200
    assert client.get(f"{API}/cards", headers=headers).status_code == 403
    assert client.post(
        "/truelayer/auth/connect/token",
        data={
            "grant_type": "refresh_token",
            **CLIENT,
            "refresh_token": body["refresh_token"],
        },
    ).json() == {"error": "invalid_grant"}


def test_provider_picker_page_and_scope_checks(shared: TestClient) -> None:
    page = shared.get(
        "/truelayer/auth/",
        params={
            "response_type": "code",
            "client_id": "potwise-sandbox",
            "redirect_uri": "http://127.0.0.1:9000/cb",
            "scope": "info cards",
            "providers": "uk-ob-all",
        },
    )
    assert page.status_code == 200
    for name in ("AMEX", "BARCLAYCARD", "NatWest"):
        assert name in page.text
    unknown = shared.post(
        "/truelayer/auth/connect/token",
        data={
            "grant_type": "authorization_code",
            "client_id": "nobody",
            "client_secret": "x",
            "code": "c",
            "redirect_uri": "http://127.0.0.1:9000/cb",
        },
    )
    assert (unknown.status_code, unknown.json()["error"]) == (401, "unauthorized_client")
    headers = truelayer_headers(truelayer_token_body(shared, "ob-amex", scope="info cards"))
    card = shared.get(f"{API}/cards", headers=headers).json()["results"][0]["account_id"]
    r = shared.get(f"{API}/cards/{card}/transactions", headers=headers)
    assert (r.status_code, r.json()["error"]) == (403, "access_denied")
    assert r.headers.get("content-type", "").startswith("application/json")
    ok = shared.get(f"{API}/cards", headers=headers)
    assert ok.headers["X-TL-Correlation-Id"] and ok.headers["X-Credentials-Id"]
