"""A bank's authorization code is bound to the flow that asked for it.

The `state` proves a callback belongs to this browser session's flow, but on its own
it does not tie the *code* to that flow: someone holding a code issued to another
person's flow could pair it with a state of their own. With PKCE the bank refuses a
code unless the verifier of the flow that asked for it comes with it. All against the
sandbox's auth server over loopback HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from potwise.db.models import OAuthState
from tests.support.harness import Sandbox, product, running_sandbox, signed_in


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def app(tmp_path: Path, database_url: str, engine: Engine, sandbox: Sandbox) -> FastAPI:
    return product(tmp_path, database_url, engine, sandbox)


def _start(client: TestClient, provider: str) -> str:
    started = client.post(f"/api/v1/connections/{provider}/start", json={})
    assert started.status_code == 200, started.text
    return str(started.json()["authorize_url"])


def _query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def _code_from_bank(authorize_url: str, sandbox: Sandbox) -> dict[str, str]:
    """The bank's redirect back for an approved flow: its `code` and `state`."""
    with httpx2.Client(timeout=30) as browser:
        bank = browser.get(
            f"{authorize_url}&auto_approve=1&sandbox_user={sandbox.user}",
            follow_redirects=False,
        )
    assert bank.status_code in (302, 303), bank.text[:500]
    return _query(bank.headers["location"])


def _callback(client: TestClient, provider: str, code: str, state: str) -> httpx2.Response:
    return client.get(
        f"/connections/{provider}/callback",
        params={"code": code, "state": state},
        follow_redirects=False,
    )


def _connections(client: TestClient) -> list[dict[str, object]]:
    return list(client.get("/api/v1/connections").json()["items"])


def _verifiers(engine: Engine) -> list[str | None]:
    with Session(engine) as db:
        return list(db.scalars(select(OAuthState.code_verifier)))


def test_a_code_from_another_flow_is_refused_by_the_bank(
    app: FastAPI, sandbox: Sandbox, engine: Engine
) -> None:
    alice = signed_in(app, "alice@example.com")
    bob = signed_in(app, "bob@example.com")

    alice_flow = _start(alice, "truelayer")
    assert _query(alice_flow)["code_challenge_method"] == "S256"
    # The verifier stays on the server: only its challenge travels through the browser.
    [verifier] = _verifiers(engine)
    assert verifier is not None
    assert len(verifier) >= 43
    assert verifier not in alice_flow
    alice_back = _code_from_bank(alice_flow, sandbox)

    # Bob starts a flow of his own and presents his own (valid) state with Alice's code.
    bob_state = _query(_start(bob, "truelayer"))["state"]
    stolen = _callback(bob, "truelayer", alice_back["code"], bob_state)

    assert stolen.status_code == 502, stolen.text
    assert "The bank did not complete the connection" in stolen.text
    assert "it was not issued to this sign-in" in stolen.text
    assert _connections(bob) == []

    # The bank refused the exchange without spending the code: Alice's own flow completes.
    landed = _callback(alice, "truelayer", alice_back["code"], alice_back["state"])
    assert landed.status_code == 303, landed.text
    assert landed.headers["location"] == "/connections?flash=connected"
    [connection] = _connections(alice)
    assert connection["provider"] == "truelayer"
    assert _verifiers(engine) == [None, None]  # cleared once each state was used


def test_the_sandbox_refuses_an_exchange_without_the_matching_verifier(
    app: FastAPI, sandbox: Sandbox
) -> None:
    """The auth server itself: a code issued with a challenge needs its verifier."""
    alice = signed_in(app, "alice@example.com")
    back = _code_from_bank(_start(alice, "truelayer"), sandbox)
    form = {
        "grant_type": "authorization_code",
        "client_id": "potwise-sandbox",
        "client_secret": "sandbox-secret",
        "redirect_uri": "http://127.0.0.1:8000/connections/truelayer/callback",
        "code": back["code"],
    }
    for verifier in (None, "", "x" * 43):
        body = form if verifier is None else {**form, "code_verifier": verifier}
        refused = sandbox.http.post("/truelayer/auth/connect/token", data=body)
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"] == "invalid_grant"


def test_monzo_is_sent_only_the_parameters_it_documents(app: FastAPI) -> None:
    """Monzo documents no PKCE: its authorize URL carries no challenge (README, Security)."""
    alice = signed_in(app, "alice@example.com")
    assert set(_query(_start(alice, "monzo"))) == {
        "client_id",
        "redirect_uri",
        "response_type",
        "state",
    }


def test_the_sandbox_takes_only_s256_challenges(app: FastAPI, sandbox: Sandbox) -> None:
    """A challenge without `code_challenge_method=S256` (absent means `plain`) is refused."""
    alice = signed_in(app, "alice@example.com")
    link = _start(alice, "truelayer")
    for method in ("plain", None):
        query = {k: v for k, v in _query(link).items() if k != "code_challenge_method"}
        if method:
            query["code_challenge_method"] = method
        page = sandbox.http.get(
            "/truelayer/auth/", params={**query, "auto_approve": "1", "sandbox_user": sandbox.user}
        )
        assert page.status_code == 400, page.text[:300]
        assert "code_challenge_method must be" in page.text
