"""Request bodies are bounded: an oversized one is refused with 413 before it is read,
and the Monzo webhook checks its secret before reading a byte of the body."""

from __future__ import annotations

import hashlib

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from potwise.db.models import Connection
from tests.integration.conftest import SignedIn
from tests.security.streaming import MB, PeakMemory, post_stream
from tests.support.loopback import serve

HUGE = 200 * MB
# What the kernel's socket buffers may take in before the server stops reading.
UNREAD = 16 * MB


def _refused_as_too_large(answer_body: bytes) -> bool:
    return b'"payload_too_large"' in answer_body


def test_a_huge_chunked_login_body_is_refused_with_413_without_being_buffered(
    app: FastAPI,
) -> None:
    with serve(app) as url, PeakMemory() as memory:
        answer = post_stream(url, "/api/v1/auth/login", HUGE, declare=False)
    assert answer.status == 413
    assert _refused_as_too_large(answer.body)
    assert answer.sent < UNREAD
    assert memory.growth < 20 * MB


def test_a_declared_huge_body_is_refused_before_the_route_runs(app: FastAPI) -> None:
    with serve(app) as url, PeakMemory() as memory:
        answer = post_stream(url, "/api/v1/auth/register", HUGE, declare=True)
    assert answer.status == 413
    assert _refused_as_too_large(answer.body)
    assert answer.sent < UNREAD
    assert memory.growth < 20 * MB


def test_a_webhook_with_a_wrong_secret_is_refused_without_reading_the_body(
    app: FastAPI,
) -> None:
    with serve(app) as url, PeakMemory() as memory:
        answer = post_stream(url, "/webhooks/monzo/not-the-secret", HUGE, declare=False)
    assert answer.status == 404
    assert answer.sent < UNREAD
    assert memory.growth < 20 * MB


def _webhook_secret(db: Session, user_id: str) -> str:
    secret = "a-known-webhook-secret"
    db.add(
        Connection(
            user_id=user_id,
            provider="monzo",
            display_name="Monzo",
            webhook_secret_hash=hashlib.sha256(secret.encode()).hexdigest(),
        )
    )
    db.commit()
    return secret


def test_a_known_webhook_refuses_a_body_over_its_own_limit(
    app: FastAPI, alice: SignedIn, db: Session
) -> None:
    secret = _webhook_secret(db, alice.user_id)
    body = b'{"type": "transaction.created", "data": "' + b"x" * (300 * 1024) + b'"}'
    answer = TestClient(app).post(
        f"/webhooks/monzo/{secret}", content=body, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "payload_too_large"


def test_a_body_within_the_limit_is_read_as_before(client: TestClient) -> None:
    answer = client.post(
        "/api/v1/auth/login", json={"email": "nobody@example.com", "password": "p" * 1000}
    )
    assert answer.status_code == 401
