"""A bank that cannot be reached is waited out; only a bank saying the access is gone asks
the user to re-connect. Against the sandbox over loopback HTTP.

An outage (5xx), a timeout, a rate limit or an address nobody answers at leaves the
run failed and the connection `retrying`, still in the scheduled cycle, with a plain
sentence and no re-connect button; the next sync that gets through makes it `active`.
A token the bank no longer takes, or a consent revoked, still gives `needs_reconnect`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from potwise.db.models import Connection
from potwise.services.connections import ConnectionsContext
from potwise.services.gateway import BankGateway
from potwise.services.sync import engine as sync_engine
from potwise.services.sync import schedule as sync_schedule
from tests.support.harness import (
    FAST_RETRY,
    Sandbox,
    connect,
    product,
    running_sandbox,
    signed_in,
    wait_for_run,
)
from tests.support.loopback import free_port

RETRYING_SENTENCE = re.compile(
    r"^The bank (could not be reached|asked potwise to slow down) at \d\d:\d\d; "
    r"potwise retries on its own\.$"
)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def app(tmp_path: Path, database_url: str, engine: Engine, sandbox: Sandbox) -> FastAPI:
    return product(tmp_path, database_url, engine, sandbox)


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return signed_in(app)


def _ctx(app: FastAPI) -> ConnectionsContext:
    ctx: ConnectionsContext = app.state.connections
    return ctx


def _connect_monzo(client: TestClient, sandbox: Sandbox) -> str:
    assert connect(client, sandbox, "monzo").status_code == 303
    [connection] = [
        c for c in client.get("/api/v1/connections").json()["items"] if c["provider"] == "monzo"
    ]
    sandbox.approve_monzo()
    approved = client.post(f"/api/v1/connections/{connection['id']}/approval").json()
    assert approved == {"approved": True, "status": "active"}
    wait_for_run(client, connection["id"])
    return str(connection["id"])


def _connect_amex(client: TestClient, sandbox: Sandbox) -> str:
    landed = connect(client, sandbox, "truelayer", sandbox_provider="ob-amex")
    assert landed.status_code == 303, landed.text
    [connection] = [
        c
        for c in client.get("/api/v1/connections").json()["items"]
        if c["provider_id"] == "ob-amex"
    ]
    [run] = wait_for_run(client, connection["id"])
    assert run["status"] == "succeeded", run
    return str(connection["id"])


def _listed(client: TestClient, connection_id: str) -> dict[str, Any]:
    [listed] = [
        c for c in client.get("/api/v1/connections").json()["items"] if c["id"] == connection_id
    ]
    return dict(listed)


def _sync(ctx: ConnectionsContext, connection_id: str, **kwargs: Any) -> Any:
    return sync_engine.sync_connection(ctx, connection_id, psu_ip="127.0.0.1", **kwargs)


def _assert_retrying(client: TestClient, ctx: ConnectionsContext, connection_id: str) -> None:
    listed = _listed(client, connection_id)
    assert listed["status"] == "retrying", listed
    assert RETRYING_SENTENCE.match(listed["status_reason"]), listed["status_reason"]
    # Still synced on the clock, like any active connection: Monzo on every cycle, a
    # card connection at its next planned refresh.
    assert connection_id in sync_schedule.due_connection_ids(ctx)
    when = datetime.now(UTC)
    if listed["provider"] == "truelayer":
        when = datetime.fromisoformat(listed["unattended_budget"]["plan"]["next_refresh_at"])
        when += timedelta(minutes=1)
    assert connection_id in sync_schedule.scheduled_connection_ids(ctx, when)
    # The page says so in words, and asks nothing of the user.
    page = client.get("/connections").text
    assert "Retrying" in page
    assert listed["status_reason"] in page
    assert "Re-connect" not in page


def _assert_active_again(
    client: TestClient, ctx: ConnectionsContext, connection_id: str, **kwargs: Any
) -> None:
    run = _sync(ctx, connection_id, **kwargs)
    assert run.status == "succeeded", run.errors
    listed = _listed(client, connection_id)
    assert listed["status"] == "active"
    assert listed["status_reason"] is None


# --- what the bank's trouble leaves -------------------------------------------------


@pytest.mark.parametrize("status", [500, 503])
def test_an_outage_leaves_the_connection_retrying_and_a_good_sync_makes_it_active(
    app: FastAPI, client: TestClient, sandbox: Sandbox, status: int
) -> None:
    connection_id = _connect_monzo(client, sandbox)
    sandbox.fault(path="/monzo/api/*", kind="error_5xx", status=status, probability=1.0)
    run = _sync(_ctx(app), connection_id)
    assert run.status == "failed"
    assert [e["code"] for e in run.errors] == ["provider_unavailable"]
    _assert_retrying(client, _ctx(app), connection_id)
    # Failing again while retrying is still retrying (not an error, not re-connect).
    assert _sync(_ctx(app), connection_id).status == "failed"
    assert _listed(client, connection_id)["status"] == "retrying"

    sandbox.clear_faults()
    _assert_active_again(client, _ctx(app), connection_id)


def test_a_truelayer_timeout_leaves_the_card_retrying_until_it_answers(
    app: FastAPI, client: TestClient, sandbox: Sandbox
) -> None:
    connection_id = _connect_amex(client, sandbox)
    _ctx(app).gateway.http.timeout = httpx2.Timeout(0.3)
    sandbox.fault(path="/truelayer/api/data/v1/cards", kind="timeout", ms=1000, probability=1.0)
    run = _sync(_ctx(app), connection_id)
    assert run.status == "failed"
    assert [e["code"] for e in run.errors] == ["provider_unavailable"]
    _assert_retrying(client, _ctx(app), connection_id)

    sandbox.clear_faults()
    # A balances refresh for a rule that gets through also says the bank is back.
    _assert_active_again(client, _ctx(app), connection_id, balances_only=True)


def test_a_rate_limit_that_outlasts_the_run_leaves_the_card_retrying(
    app: FastAPI, client: TestClient, sandbox: Sandbox
) -> None:
    connection_id = _connect_amex(client, sandbox)
    sandbox.fault(
        path="/truelayer/api/data/v1/cards", kind="rate_limit", retry_after=3600, probability=1.0
    )
    run = _sync(_ctx(app), connection_id)
    assert run.status == "failed"
    assert [e["code"] for e in run.errors] == ["rate_limited"]
    listed = _listed(client, connection_id)
    assert listed["status"] == "retrying"
    assert "slow down" in listed["status_reason"]

    sandbox.clear_faults()
    _assert_active_again(client, _ctx(app), connection_id)


def test_a_bank_address_nobody_answers_at_leaves_the_connection_retrying(
    app: FastAPI, client: TestClient, sandbox: Sandbox
) -> None:
    connection_id = _connect_monzo(client, sandbox)
    ours = _ctx(app)
    # The same product with Monzo's API at an address where nothing listens.
    unreachable = ours.settings.model_copy(
        update={"monzo_api_url": f"http://127.0.0.1:{free_port()}/monzo/api"}
    )
    elsewhere = dataclasses.replace(ours, gateway=BankGateway(unreachable, retry=FAST_RETRY))
    try:
        run = _sync(elsewhere, connection_id)
    finally:
        elsewhere.gateway.close()
    assert run.status == "failed"
    assert [e["code"] for e in run.errors] == ["provider_unavailable"]
    _assert_retrying(client, ours, connection_id)
    assert "could not be reached" in _listed(client, connection_id)["status_reason"]

    _assert_active_again(client, ours, connection_id)


# --- what only the user can mend ----------------------------------------------------


def test_a_token_the_bank_keeps_refusing_asks_for_reconnection(
    app: FastAPI, client: TestClient, sandbox: Sandbox
) -> None:
    connection_id = _connect_monzo(client, sandbox)
    # Every token the bank is shown, the refreshed one too, is expired on arrival.
    sandbox.fault(path="/monzo/api/*", kind="expire_token", probability=1.0)
    run = _sync(_ctx(app), connection_id)
    assert run.status == "failed"
    assert [e["code"] for e in run.errors] == ["auth_expired"]
    # Once is waited out: a bank can be a moment behind its own token service.
    first = _listed(client, connection_id)
    assert first["status"] == "retrying", first
    assert "tries again on its own" in first["status_reason"]
    run = _sync(_ctx(app), connection_id)
    assert [e["code"] for e in run.errors] == ["auth_expired"]
    listed = _listed(client, connection_id)
    assert listed["status"] == "needs_reconnect"
    assert "refused access" in listed["status_reason"]
    assert connection_id not in sync_schedule.due_connection_ids(_ctx(app))
    assert "Re-connect" in client.get("/connections").text


def test_a_consent_revoked_at_the_bank_asks_for_reconnection(
    app: FastAPI, client: TestClient, sandbox: Sandbox
) -> None:
    connection_id = _connect_amex(client, sandbox)
    ctx = _ctx(app)
    with ctx.session_factory() as db:
        row = db.get(Connection, connection_id)
        assert row is not None and row.access_token_enc is not None
        token = ctx.vault.decrypt(row.access_token_enc)
    # The user withdrew the consent at the bank's side.
    revoked = sandbox.http.delete(
        "/truelayer/auth/api/delete", headers={"Authorization": f"Bearer {token}"}
    )
    assert revoked.status_code == 200
    run = _sync(ctx, connection_id)
    assert run.status == "failed"
    assert [e["code"] for e in run.errors] == ["consent_expired"]
    assert _listed(client, connection_id)["status"] == "needs_reconnect"
