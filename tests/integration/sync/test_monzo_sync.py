"""Connect sandbox Monzo through the real OAuth flow and sync it over loopback HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from potwise.db.models import Account, Pot, Transaction
from tests.support.harness import (
    Sandbox,
    connect,
    product,
    running_sandbox,
    signed_in,
)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def client(tmp_path: Path, database_url: str, engine: Engine, sandbox: Sandbox) -> TestClient:
    return signed_in(product(tmp_path, database_url, engine, sandbox))


def _connect_and_approve(client: TestClient, sandbox: Sandbox) -> str:
    landed = connect(client, sandbox, "monzo")
    assert landed.status_code == 303
    assert landed.headers["location"] == "/connections?flash=approve_in_app"
    [connection] = client.get("/api/v1/connections").json()["items"]
    assert connection["status"] == "awaiting_approval"
    assert "Monzo app" in connection["warning"]
    not_yet = client.post(f"/api/v1/connections/{connection['id']}/approval")
    assert not_yet.json() == {"approved": False, "status": "awaiting_approval"}
    sandbox.approve_monzo()
    approved = client.post(f"/api/v1/connections/{connection['id']}/approval")
    assert approved.json() == {"approved": True, "status": "active"}
    return str(connection["id"])


# potwise mirrors personal and joint accounts; legacy prepaid accounts are not asked for.
MIRRORED_TYPES = {"uk_retail", "uk_retail_joint"}


def _sandbox_accounts(sandbox: Sandbox) -> dict[str, dict[str, object]]:
    return {
        a["id"]: a for a in sandbox.household()["monzo"]["accounts"] if a["type"] in MIRRORED_TYPES
    }


def test_connect_waits_for_app_approval_then_mirrors_everything(
    client: TestClient, sandbox: Sandbox, db: Session
) -> None:
    connection_id = _connect_and_approve(client, sandbox)
    truth = _sandbox_accounts(sandbox)
    mirrored = {a["external_id"]: a for a in client.get("/api/v1/accounts").json()["items"]}
    assert set(mirrored) == set(truth)
    for external_id, account in truth.items():
        ours = mirrored[external_id]
        assert ours["closed"] == account["closed"]
        assert ours["connection_id"] == connection_id
        if not account["closed"]:
            assert ours["balance"] == account["balance"], external_id
        count = db.scalar(
            select(func.count())
            .select_from(Transaction)
            .join(Account, Account.id == Transaction.account_id)
            .where(Account.external_id == external_id)
        )
        assert count == account["transactions"], external_id
    kinds = sorted(a["kind"] for a in mirrored.values())
    assert kinds == ["current", "joint"]

    pots = {p["id"]: p for p in sandbox.household()["monzo"]["pots"]}
    stored = {p.external_id: p for p in db.scalars(select(Pot))}
    assert set(stored) == set(pots)
    for pot_id, pot in pots.items():
        assert stored[pot_id].balance == pot["balance"]
        assert stored[pot_id].deleted == pot["deleted"]
    listed = client.get("/api/v1/pots").json()["items"]
    assert all(not p["deleted"] for p in listed)

    [run] = client.get("/api/v1/sync/runs").json()["items"]
    assert run["status"] == "succeeded"
    assert run["finished_at"] is not None
    assert run["counts"]["transactions"] == sum(int(a["transactions"]) for a in truth.values())


def test_history_before_approval_window_is_full_and_signs_are_the_users(
    client: TestClient, sandbox: Sandbox, db: Session
) -> None:
    _connect_and_approve(client, sandbox)
    oldest = db.scalar(select(func.min(Transaction.created_at)))
    newest = db.scalar(select(func.max(Transaction.created_at)))
    assert oldest is not None and newest is not None
    assert (newest - oldest).days > 300  # a year of history, not just 90 days
    spent = db.scalar(select(func.count()).select_from(Transaction).where(Transaction.amount < 0))
    earned = db.scalar(select(func.count()).select_from(Transaction).where(Transaction.amount > 0))
    assert spent and earned and spent > earned


def test_a_second_sync_adds_nothing_and_costs_one_call_per_resource(
    client: TestClient, sandbox: Sandbox, db: Session
) -> None:
    connection_id = _connect_and_approve(client, sandbox)
    before = db.scalar(select(func.count()).select_from(Transaction))
    second = client.post(f"/api/v1/connections/{connection_id}/sync").json()
    assert second["status"] == "succeeded"
    assert db.scalar(select(func.count()).select_from(Transaction)) == before
    open_accounts = sum(1 for a in _sandbox_accounts(sandbox).values() if not a["closed"])
    # accounts (one call per account type) + per open account: balance, pots, transactions
    assert second["api_calls"] == 2 + 3 * open_accounts


def test_incremental_sync_picks_up_exactly_the_new_items(
    client: TestClient, sandbox: Sandbox, db: Session
) -> None:
    connection_id = _connect_and_approve(client, sandbox)
    sandbox.advance("P3D")
    added = sandbox.add_transaction(
        bank="monzo",
        account=next(
            a["id"]
            for a in _sandbox_accounts(sandbox).values()
            if a["type"] == "uk_retail" and not a["closed"]
        ),
        amount=1234,
        kind="purchase",
        description="Test purchase",
        pending=False,
    )
    run = client.post(f"/api/v1/connections/{connection_id}/sync").json()
    assert run["status"] == "succeeded"
    truth = _sandbox_accounts(sandbox)
    for external_id, account in truth.items():
        count = db.scalar(
            select(func.count())
            .select_from(Transaction)
            .join(Account, Account.id == Transaction.account_id)
            .where(Account.external_id == external_id)
        )
        assert count == account["transactions"], external_id
    mine = db.scalars(
        select(Transaction).where(Transaction.external_id == added["transaction_id"])
    ).one()
    assert mine.amount == -1234
    balances = {
        a["external_id"]: a["balance"] for a in client.get("/api/v1/accounts").json()["items"]
    }
    for external_id, account in truth.items():
        if not account["closed"]:
            assert balances[external_id] == account["balance"]


def test_replayed_callback_is_refused_with_a_clear_page(
    client: TestClient, sandbox: Sandbox
) -> None:
    started = client.post("/api/v1/connections/monzo/start", json={}).json()["authorize_url"]
    with httpx2.Client() as browser:
        location = browser.get(
            started + "&auto_approve=1&sandbox_user=demo", follow_redirects=False
        ).headers["location"]
    path = location.removeprefix("http://127.0.0.1:8000")
    first = client.get(path, follow_redirects=False)
    assert first.status_code == 303
    replay = client.get(path, follow_redirects=False, headers={"Accept": "text/html"})
    assert replay.status_code == 400
    assert "already been used" in replay.text


def test_a_forged_state_is_refused(client: TestClient, sandbox: Sandbox) -> None:
    response = client.get(
        "/connections/monzo/callback?code=abc&state=monzo.9999999999.forged.sig",
        headers={"Accept": "text/html"},
    )
    assert response.status_code == 400
    assert "Connection not made" in response.text
    assert client.get("/api/v1/connections").json()["items"] == []


def test_tokens_are_not_readable_in_the_database(
    client: TestClient, sandbox: Sandbox, engine: Engine
) -> None:
    _connect_and_approve(client, sandbox)
    app = client.app
    ctx = app.state.connections  # type: ignore[attr-defined]
    from potwise.db.models import Connection
    from potwise.services.connections import valid_access_token

    with ctx.session_factory() as session:
        connection = session.scalars(select(Connection)).one()
        stored = (connection.access_token_enc or "") + (connection.refresh_token_enc or "")
    token = valid_access_token(ctx, connection.id)
    assert token and token not in stored
    if engine.dialect.name == "sqlite":
        assert engine.url.database is not None
        raw = Path(engine.url.database).read_bytes() + (
            Path(engine.url.database + "-wal").read_bytes()
            if Path(engine.url.database + "-wal").exists()
            else b""
        )
        assert token.encode() not in raw
