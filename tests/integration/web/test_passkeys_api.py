"""Passkeys through the API, where no authenticator is needed: who may ask for
options, what the options say, answers that are refused, and ownership. The
ceremonies themselves run in a real browser (tests/e2e/test_passkeys.py)."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.models import Passkey, UserSession, WebauthnChallenge
from potwise.services.twofactor import passkeys
from potwise.web.app import create_app
from tests.conftest import make_settings
from tests.integration.conftest import SignedIn, sign_up


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://localhost:8000", ("localhost", "http://localhost:8000")),
        ("https://money.example.org", ("money.example.org", "https://money.example.org")),
        (
            "https://money.example.org:8443/",
            ("money.example.org", "https://money.example.org:8443"),
        ),
        ("http://127.0.0.1:8000", None),
        ("http://[::1]:8000", None),
    ],
)
def test_the_relying_party_is_the_public_host_name(
    url: str, expected: tuple[str, str] | None
) -> None:
    rp = passkeys.relying_party(url)
    assert ((rp.id, rp.origin) if rp else None) == expected


def _client_data(challenge: str, kind: str = "webauthn.get") -> str:
    data = {"type": kind, "challenge": challenge, "origin": "http://testserver"}
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def test_registration_options_need_a_signed_in_browser(app: FastAPI, alice: SignedIn) -> None:
    options = alice.client.post("/api/v1/auth/passkeys/register/options")
    assert options.status_code == 200
    body = options.json()
    assert body["rp"] == {"id": "testserver", "name": "potwise"}
    assert body["authenticatorSelection"]["residentKey"] == "required"
    assert body["authenticatorSelection"]["userVerification"] == "required"
    assert body["user"]["name"] == alice.email

    raw = alice.client.post("/api/v1/auth/tokens", json={"name": "script"}).json()["token"]
    script = TestClient(app, headers={"Authorization": f"Bearer {raw}"})
    refused = script.post("/api/v1/auth/passkeys/register/options")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "session_required"


def test_sign_in_options_ask_for_user_verification_and_name_no_one(client: TestClient) -> None:
    options = client.post("/api/v1/auth/passkeys/login/options", json={})
    assert options.status_code == 200
    body = options.json()
    assert body["userVerification"] == "required"
    assert body["rpId"] == "testserver"
    assert body.get("allowCredentials", []) == []


def test_a_bad_pending_token_gets_no_options(client: TestClient) -> None:
    refused = client.post("/api/v1/auth/passkeys/login/options", json={"pending_token": "x.y"})
    assert refused.status_code == 401


def test_an_answer_to_no_challenge_or_an_expired_one_opens_no_session(
    client: TestClient, engine: Engine
) -> None:
    forged = {
        "id": "AAAA",
        "rawId": "AAAA",
        "type": "public-key",
        "response": {
            "clientDataJSON": _client_data("bm90LWEtY2hhbGxlbmdl"),
            "authenticatorData": "AAAA",
            "signature": "AAAA",
        },
    }
    refused = client.post("/api/v1/auth/passkeys/login", json={"credential": forged})
    assert refused.status_code == 401
    assert "expired" in refused.json()["error"]["message"]

    challenge = client.post("/api/v1/auth/passkeys/login/options", json={}).json()["challenge"]
    forged["response"]["clientDataJSON"] = _client_data(challenge)  # type: ignore[index]
    with clock.using(clock.FixedClock(clock.now() + timedelta(minutes=6))):
        late = client.post("/api/v1/auth/passkeys/login", json={"credential": forged})
    assert late.status_code == 401

    challenge = client.post("/api/v1/auth/passkeys/login/options", json={}).json()["challenge"]
    forged["response"]["clientDataJSON"] = _client_data(challenge)  # type: ignore[index]
    unknown = client.post("/api/v1/auth/passkeys/login", json={"credential": forged})
    assert unknown.status_code == 401
    assert "not known here" in unknown.json()["error"]["message"]
    again = client.post("/api/v1/auth/passkeys/login", json={"credential": forged})
    assert "expired" in again.json()["error"]["message"]  # a challenge is spent once

    garbage = client.post(
        "/api/v1/auth/passkeys/login", json={"credential": {"response": {"clientDataJSON": "%%"}}}
    )
    assert garbage.status_code == 400
    with Session(engine) as db:
        assert db.scalar(select(func.count()).select_from(UserSession)) == 0


def _stored_passkey(engine: Engine, user_id: str, name: str) -> str:
    with Session(engine) as db:
        row = Passkey(
            user_id=user_id,
            credential_id=f"cred-{name}",
            public_key=b"not a real key",
            sign_count=0,
            name=name,
        )
        db.add(row)
        db.commit()
        return row.id


def test_passkeys_are_listed_and_removed_by_their_owner_only(
    alice: SignedIn, bob: SignedIn, engine: Engine
) -> None:
    alices = _stored_passkey(engine, alice.user_id, "Ann's phone")
    _stored_passkey(engine, bob.user_id, "Bob's laptop")
    listed = alice.client.get("/api/v1/auth/passkeys").json()["items"]
    assert [p["name"] for p in listed] == ["Ann's phone"]
    assert "public_key" not in listed[0] and "credential_id" not in listed[0]

    assert bob.client.delete(f"/api/v1/auth/passkeys/{alices}").status_code == 404
    assert bob.client.post(f"/settings/passkeys/{alices}/delete").status_code == 404
    assert len(alice.client.get("/api/v1/auth/passkeys").json()["items"]) == 1
    assert alice.client.delete(f"/api/v1/auth/passkeys/{alices}").status_code == 204
    assert alice.client.get("/api/v1/auth/passkeys").json()["items"] == []


def test_a_server_reached_by_an_ip_address_offers_no_passkeys(
    tmp_path: Path, database_url: str, engine: Engine
) -> None:
    settings = make_settings(tmp_path, database_url, public_url="http://127.0.0.1:8000")
    app = create_app(settings, engine=engine)
    user = sign_up(app, "ip@example.com")
    refused = user.client.post("/api/v1/auth/passkeys/register/options")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "passkeys_unavailable"
    page = user.client.get("/settings")
    assert "not an IP address" in page.text
    assert "passkeys.js" not in page.text
    assert "passkeys.js" not in TestClient(app).get("/login").text


def test_a_challenge_row_is_left_for_each_ceremony_and_old_ones_are_swept(
    client: TestClient, engine: Engine
) -> None:
    client.post("/api/v1/auth/passkeys/login/options", json={})
    with clock.using(clock.FixedClock(clock.now() + timedelta(minutes=10))):
        client.post("/api/v1/auth/passkeys/login/options", json={})
    with Session(engine) as db:
        assert db.scalar(select(func.count()).select_from(WebauthnChallenge)) == 1
