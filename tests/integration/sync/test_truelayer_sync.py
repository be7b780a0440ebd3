"""Connect sandbox cards and banks through TrueLayer's OAuth flow and sync them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from potwise.db.models import Account, Transaction
from potwise.services.sync import engine as sync_engine
from potwise.services.sync import schedule as sync_schedule
from tests.support.harness import (
    Sandbox,
    connect,
    product,
    running_sandbox,
    signed_in,
    wait_for_run,
)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    # Frozen, so this process's clock can be moved in step with it (see our_clock_in_step).
    with running_sandbox(frozen_clock=True) as sandbox:
        yield sandbox


@pytest.fixture
def client(tmp_path: Path, database_url: str, engine: Engine, sandbox: Sandbox) -> TestClient:
    return signed_in(product(tmp_path, database_url, engine, sandbox))


def _connect(client: TestClient, sandbox: Sandbox, provider: str) -> dict[str, Any]:
    landed = connect(client, sandbox, "truelayer", sandbox_provider=provider)
    assert landed.status_code == 303, landed.text
    assert landed.headers["location"] == "/connections?flash=connected"
    [connection] = [
        c for c in client.get("/api/v1/connections").json()["items"] if c["provider_id"] == provider
    ]
    wait_for_run(client, connection["id"])
    return connection


def _card_truth(sandbox: Sandbox, provider: str) -> dict[str, Any]:
    [card] = sandbox.household()["truelayer"][provider]
    return card


def _count(db: Session, external_id: str, status: str) -> int:
    return int(
        db.scalar(
            select(func.count())
            .select_from(Transaction)
            .join(Account, Account.id == Transaction.account_id)
            .where(Account.external_id == external_id, Transaction.status == status)
        )
        or 0
    )


def test_amex_card_is_mirrored_as_owed_with_pending_items(
    client: TestClient, sandbox: Sandbox, db: Session
) -> None:
    connection = _connect(client, sandbox, "ob-amex")
    assert connection["status"] == "active"
    assert connection["consent_days_left"] is not None and connection["consent_days_left"] >= 89
    truth = _card_truth(sandbox, "ob-amex")
    [card] = client.get("/api/v1/accounts").json()["items"]
    assert card["kind"] == "credit_card"
    assert card["provider"] == "ob-amex"
    assert card["balance"] == -truth["current"]  # the issuer's positive debt is ours to owe
    assert _count(db, truth["id"], "settled") == truth["settled_transactions"]
    assert _count(db, truth["id"], "pending") == truth["pending_transactions"]
    purchases = db.scalar(
        select(func.count()).select_from(Transaction).where(Transaction.amount < 0)
    )
    assert purchases and purchases > 0


def test_barclaycard_and_a_bank_account_sync_side_by_side(
    client: TestClient, sandbox: Sandbox, db: Session
) -> None:
    _connect(client, sandbox, "uk-ob-barclaycard")
    _connect(client, sandbox, "ob-natwest")
    accounts = {a["external_id"]: a for a in client.get("/api/v1/accounts").json()["items"]}
    barclaycard = _card_truth(sandbox, "uk-ob-barclaycard")
    [natwest] = sandbox.household()["truelayer"]["ob-natwest"]
    assert accounts[barclaycard["id"]]["balance"] == -barclaycard["current"]
    assert accounts[natwest["id"]]["kind"] == "current"
    assert accounts[natwest["id"]]["balance"] == natwest["current"]
    assert _count(db, natwest["id"], "settled") == natwest["settled_transactions"]


def test_pendings_that_settle_or_vanish_leave_no_duplicates(
    client: TestClient, sandbox: Sandbox, db: Session
) -> None:
    connection = _connect(client, sandbox, "ob-amex")
    truth = _card_truth(sandbox, "ob-amex")
    card = truth["id"]
    sandbox.add_transaction(
        bank="ob-amex",
        account=card,
        amount=4250,
        kind="purchase",
        description="PENDING DINNER",
        pending=True,
    )
    client.post(f"/api/v1/connections/{connection['id']}/sync")
    assert _count(db, card, "pending") == truth["pending_transactions"] + 1
    sandbox.advance("P7D")  # every pending item settles (new ids) or vanishes
    with sandbox.our_clock_in_step():
        run = client.post(f"/api/v1/connections/{connection['id']}/sync").json()
    assert run["status"] == "succeeded", run
    after = _card_truth(sandbox, "ob-amex")
    assert _count(db, card, "pending") == after["pending_transactions"]
    assert _count(db, card, "settled") == after["settled_transactions"]
    accounts = {a["external_id"]: a for a in client.get("/api/v1/accounts").json()["items"]}
    assert accounts[card]["balance"] == -after["current"]


def test_a_category_chosen_on_a_pending_item_survives_its_settling(
    client: TestClient, sandbox: Sandbox, db: Session
) -> None:
    connection = _connect(client, sandbox, "ob-amex")
    card = _card_truth(sandbox, "ob-amex")["id"]
    sandbox.add_transaction(
        bank="ob-amex",
        account=card,
        amount=6120,
        kind="purchase",
        description="PENDING DINNER",
        pending=True,
    )
    client.post(f"/api/v1/connections/{connection['id']}/sync")
    [pending] = [
        t
        for t in client.get("/api/v1/transactions", params={"q": "PENDING DINNER"}).json()["items"]
        if t["status"] == "pending"
    ]
    chosen = client.patch(f"/api/v1/transactions/{pending['id']}", json={"category": "date_night"})
    assert chosen.status_code == 200, chosen.text
    sandbox.advance("P7D")  # it settles under a new id
    with sandbox.our_clock_in_step():
        run = client.post(f"/api/v1/connections/{connection['id']}/sync").json()
    assert run["status"] == "succeeded", run
    assert run["counts"].get("choices_carried") == 1, run
    found = client.get("/api/v1/transactions", params={"q": "PENDING DINNER"}).json()["items"]
    [settled] = found  # one row: the pending item is gone, nothing is counted twice
    assert settled["status"] == "settled" and settled["external_id"] != pending["external_id"]
    assert settled["amount"] == -6120
    assert settled["category"] == "date_night"


def test_unattended_syncs_stop_at_the_daily_allowance_and_say_so(
    client: TestClient, sandbox: Sandbox
) -> None:
    connection = _connect(client, sandbox, "ob-amex")
    ctx = client.app.state.connections  # type: ignore[attr-defined]
    # A scheduled run: nobody is present, so no PSU IP is sent and calls count.
    first = sync_engine.sync_connection(ctx, connection["id"], trigger="schedule")
    second = sync_engine.sync_connection(ctx, connection["id"], trigger="schedule")
    assert first.api_calls + second.api_calls == 4  # exactly the allowance, never more
    assert any(e["code"] == "unattended_limit" for e in second.errors)
    third = sync_engine.sync_connection(ctx, connection["id"], trigger="schedule")
    assert third.api_calls == 0  # nothing is sent to be refused: the bank is not hammered
    [listed] = client.get("/api/v1/connections").json()["items"]
    budget = listed["unattended_budget"]
    assert budget["allowance"] == 4
    assert budget["remaining"] == 0
    assert budget["next_reset"] is not None
    # The plan: one whole refresh a day (3 calls), not due while the calls are spent.
    assert budget["plan"]["times"] == ["06:30"]
    assert budget["plan"]["calls_per_refresh"] == 3
    assert budget["plan"]["next_refresh_at"] is not None
    # A person pressing "sync now" is present: the bank answers regardless of the cap.
    manual = client.post(f"/api/v1/connections/{connection['id']}/sync").json()
    assert manual["status"] == "succeeded"
    assert manual["api_calls"] > 0


def test_the_card_balance_and_pending_come_first_when_calls_are_scarce(
    tmp_path: Path, database_url: str, engine: Engine, sandbox: Sandbox, db: Session
) -> None:
    app = product(tmp_path, database_url, engine, sandbox, truelayer_unattended_calls_per_day=2)
    client = signed_in(app)
    connection = _connect(client, sandbox, "ob-amex")
    truth = _card_truth(sandbox, "ob-amex")
    sandbox.add_transaction(
        bank="ob-amex",
        account=truth["id"],
        amount=999,
        kind="purchase",
        description="SCARCE",
        pending=True,
    )
    run = sync_engine.sync_connection(app.state.connections, connection["id"], trigger="schedule")
    assert run.api_calls == 2
    assert run.counts.get("balances") == 1
    assert run.counts.get("pending") == truth["pending_transactions"] + 1
    assert "transactions" not in run.counts


def test_consent_expiry_marks_the_connection_as_needing_reconnection(
    client: TestClient, sandbox: Sandbox
) -> None:
    connection = _connect(client, sandbox, "uk-ob-barclaycard")
    sandbox.advance("P91D")
    ctx = client.app.state.connections  # type: ignore[attr-defined]
    with sandbox.our_clock_in_step():
        run = sync_engine.sync_connection(ctx, connection["id"], trigger="schedule")
    assert run.status == "failed"
    assert run.errors[0]["code"] == "consent_expired"
    [listed] = client.get("/api/v1/connections").json()["items"]
    assert listed["status"] == "needs_reconnect"
    assert listed["status_reason"]
    # Nothing is retried against a dead consent: the scheduler leaves it alone.
    assert connection["id"] not in sync_schedule.due_connection_ids(ctx)


def test_consent_expiring_soon_is_warned_about(client: TestClient, sandbox: Sandbox) -> None:
    connection = _connect(client, sandbox, "uk-ob-barclaycard")
    from datetime import timedelta

    from potwise import clock

    token = client.post("/api/v1/auth/tokens", json={"name": "script"}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}  # a browser session would have expired
    with clock.using(clock.FixedClock(clock.now() + timedelta(days=80))):
        [listed] = client.get("/api/v1/connections", headers=headers).json()["items"]
    assert listed["id"] == connection["id"]
    assert listed["warning"] and "re-connect" in listed["warning"]
    assert listed["consent_days_left"] <= 14


def test_disconnect_revokes_at_the_bank_and_forgets_the_data(
    client: TestClient, sandbox: Sandbox, db: Session
) -> None:
    connection = _connect(client, sandbox, "ob-amex")
    ctx = client.app.state.connections  # type: ignore[attr-defined]
    from potwise.services.connections import valid_access_token

    token = valid_access_token(ctx, connection["id"])
    result = client.delete(f"/api/v1/connections/{connection['id']}").json()
    assert result == {"revoked_at_provider": True, "message": None}
    assert client.get("/api/v1/connections").json()["items"] == []
    assert client.get("/api/v1/accounts").json()["items"] == []
    assert db.scalar(select(func.count()).select_from(Transaction)) == 0
    import httpx2

    refused = httpx2.get(
        f"{sandbox.url}/truelayer/api/data/v1/cards",
        headers={"Authorization": f"Bearer {token}", "X-PSU-IP": "127.0.0.1"},
    )
    assert refused.status_code in (401, 403)
