"""A bank error that escapes a route is answered with its own status and the error body,
never a 500: the real app and bank client, with only the network under the client
replaced by a bank that is down or rate-limiting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx2
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from potwise.banks.http import RetryPolicy
from potwise.db.models import Connection
from potwise.settings import Settings
from potwise.web.app import create_app
from tests.integration.conftest import SignedIn, sign_up

NO_RETRY = RetryPolicy(attempts=1, timeout=5.0, wait_initial=0.0, wait_max=0.0, wait_jitter=0.0)


def _bank_answering(status: int, headers: dict[str, str] | None = None) -> httpx2.MockTransport:
    def answer(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(status, headers=headers, json={"code": "unavailable"})

    return httpx2.MockTransport(answer)


def _app(settings: Settings, engine: Engine, bank: httpx2.MockTransport) -> FastAPI:
    app = create_app(settings, engine=engine, bank_transport=bank)
    app.state.connections.gateway.retry = NO_RETRY
    return app


def _waiting_monzo(app: FastAPI, db: Session, user_id: str, status: str) -> str:
    """A Monzo connection with a valid token, waiting for the in-app approval."""
    connection = Connection(
        user_id=user_id,
        provider="monzo",
        display_name="Monzo",
        status=status,
        access_token_enc=app.state.connections.vault.encrypt("access-token"),
        token_expires_at=datetime.now(UTC) + timedelta(hours=6),
    )
    db.add(connection)
    db.commit()
    return connection.id


@pytest.fixture
def down(settings: Settings, engine: Engine) -> FastAPI:
    return _app(settings, engine, _bank_answering(503))


@pytest.fixture
def limiting(settings: Settings, engine: Engine) -> FastAPI:
    return _app(settings, engine, _bank_answering(429, {"Retry-After": "120"}))


def test_bank_down_is_a_503_with_the_error_body(down: FastAPI, db: Session) -> None:
    alice: SignedIn = sign_up(down, "alice@example.com")
    connection_id = _waiting_monzo(down, db, alice.user_id, "awaiting_approval")
    response = alice.client.post(f"/api/v1/connections/{connection_id}/approval")
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "provider_unavailable"
    assert set(error) == {"code", "message"}
    assert error["message"]


def test_bank_rate_limit_is_a_429_with_retry_after(limiting: FastAPI, db: Session) -> None:
    alice = sign_up(limiting, "alice@example.com")
    connection_id = _waiting_monzo(limiting, db, alice.user_id, "awaiting_approval")
    response = alice.client.post(f"/api/v1/connections/{connection_id}/approval")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "120"
    assert response.json()["error"]["code"] == "rate_limited"


def test_consent_gone_is_a_409_not_a_sign_in_failure(down: FastAPI, db: Session) -> None:
    alice = sign_up(down, "alice@example.com")
    connection_id = _waiting_monzo(down, db, alice.user_id, "needs_reconnect")
    response = alice.client.post(f"/api/v1/connections/{connection_id}/approval")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "consent_expired"


def test_bank_down_on_a_page_is_the_error_page_with_its_status(down: FastAPI, db: Session) -> None:
    alice = sign_up(down, "alice@example.com")
    connection_id = _waiting_monzo(down, db, alice.user_id, "awaiting_approval")
    page = alice.client.post(
        f"/connections/{connection_id}/approval",
        headers={"Accept": "text/html"},
        follow_redirects=False,
    )
    assert page.status_code == 503
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1>503</h1>" in page.text
