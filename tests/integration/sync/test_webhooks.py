"""Monzo webhooks end to end: registered on connect, delivered over HTTP, stored at once."""

from __future__ import annotations

import time
from pathlib import Path

import httpx2
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from potwise.db.models import Connection, Transaction
from potwise.services.events import TransactionsChanged
from potwise.web.app import create_app
from tests.integration.conftest import GOOD_PASSWORD
from tests.support.harness import (
    FAST_RETRY,
    connect,
    product_settings,
    running_sandbox,
)
from tests.support.loopback import loopback_socket, serve, url_of


def test_a_new_monzo_transaction_arrives_by_webhook_without_a_sync(
    tmp_path: Path, database_url: str, engine: Engine, db: Session
) -> None:
    sock = loopback_socket()
    with running_sandbox(webhook_retry_base=0.05) as sandbox:
        settings = product_settings(tmp_path, database_url, sandbox.url, public_url=url_of(sock))
        app = create_app(settings, engine=engine)
        app.state.connections.gateway.retry = FAST_RETRY
        seen: list[object] = []
        app.state.events.subscribe(seen.append)
        with serve(app, sock) as url, httpx2.Client(base_url=url, timeout=60) as browser:
            browser.post(
                "/api/v1/auth/register", json={"email": "w@example.com", "password": GOOD_PASSWORD}
            )
            browser.post(
                "/api/v1/auth/login", json={"email": "w@example.com", "password": GOOD_PASSWORD}
            )
            assert connect(browser, sandbox, "monzo").status_code == 303
            sandbox.approve_monzo()
            [connection] = browser.get("/api/v1/connections").json()["items"]
            assert browser.post(f"/api/v1/connections/{connection['id']}/approval").json()[
                "approved"
            ]
            stored = db.scalars(select(Connection)).one()
            assert stored.webhook_secret_hash and stored.webhook_external_id

            account = next(
                a["id"]
                for a in sandbox.household()["monzo"]["accounts"]
                if a["type"] == "uk_retail" and not a["closed"]
            )
            added = sandbox.add_transaction(
                bank="monzo",
                account=account,
                amount=675,
                kind="purchase",
                description="Webhook coffee",
                pending=True,
            )
            deadline = time.monotonic() + 20
            found = None
            while time.monotonic() < deadline and found is None:
                db.expire_all()
                found = db.scalars(
                    select(Transaction).where(Transaction.external_id == added["transaction_id"])
                ).one_or_none()
                time.sleep(0.1)
            assert found is not None, "the webhook never arrived"
            assert found.amount == -675
            assert found.status == "pending"
            assert any(
                isinstance(event, TransactionsChanged) and found.id in event.transaction_ids
                for event in seen
            )
            runs = browser.get("/api/v1/sync/runs").json()["items"]
            assert len(runs) == 1  # it came by webhook, not by another sync


def test_unknown_webhook_secrets_and_malformed_bodies_are_refused(client: TestClient) -> None:
    unknown = client.post("/webhooks/monzo/not-a-secret", json={"type": "transaction.created"})
    assert unknown.status_code == 404
    # The secret is checked first: a stranger learns nothing about what we would parse.
    garbage = client.post(
        "/webhooks/monzo/whatever",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert garbage.status_code == 404
