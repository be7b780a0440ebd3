"""Every fault the sandbox can inject, met by a sync over loopback HTTP.

Rate limits are waited out as the bank asks, outages and timeouts are retried
within bounds and then reported, a malformed answer is reported without
half-writing anything, and one slow bank never holds up another connection.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from potwise.db.models import Account, Transaction
from potwise.services.events import SyncFinished
from potwise.services.sync import engine as sync_engine
from tests.support.harness import (
    Sandbox,
    connect,
    product,
    running_sandbox,
    signed_in,
    wait_for_run,
)

MIRRORED_TYPES = {"uk_retail", "uk_retail_joint"}


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


def _connect_monzo(client: TestClient, sandbox: Sandbox) -> str:
    """Connect and approve Monzo; the approval runs the first sync."""
    landed = connect(client, sandbox, "monzo")
    assert landed.status_code == 303, landed.text
    [connection] = [
        c for c in client.get("/api/v1/connections").json()["items"] if c["provider"] == "monzo"
    ]
    sandbox.approve_monzo()
    approved = client.post(f"/api/v1/connections/{connection['id']}/approval").json()
    assert approved == {"approved": True, "status": "active"}
    return str(connection["id"])


def _connect_truelayer(client: TestClient, sandbox: Sandbox, provider: str) -> str:
    landed = connect(client, sandbox, "truelayer", sandbox_provider=provider)
    assert landed.status_code == 303, landed.text
    [connection] = [
        c for c in client.get("/api/v1/connections").json()["items"] if c["provider_id"] == provider
    ]
    wait_for_run(client, connection["id"])
    return str(connection["id"])


def _monzo_truth(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    return {
        a["id"]: a for a in sandbox.household()["monzo"]["accounts"] if a["type"] in MIRRORED_TYPES
    }


def _mirrored_counts(db: Session) -> dict[str, int]:
    db.expire_all()
    rows = db.execute(
        select(Account.external_id, func.count(Transaction.id))
        .outerjoin(Transaction, Transaction.account_id == Account.id)
        .group_by(Account.external_id)
    ).all()
    return {external_id: int(n) for external_id, n in rows}


def _fired(sandbox: Sandbox) -> int:
    faults = sandbox.http.get("/_sandbox/faults").raise_for_status().json()["faults"]
    return sum(int(f["fired"]) for f in faults)


def _sync(client: TestClient, connection_id: str) -> dict[str, Any]:
    response = client.post(f"/api/v1/connections/{connection_id}/sync")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# --- 429 ----------------------------------------------------------------------------


def test_a_rate_limited_read_waits_as_long_as_retry_after_says_then_succeeds(
    client: TestClient, sandbox: Sandbox
) -> None:
    connection_id = _connect_monzo(client, sandbox)
    sandbox.fault(path="/monzo/api/balance", kind="rate_limit", retry_after=1, count=1)
    started = time.monotonic()
    run = _sync(client, connection_id)
    elapsed = time.monotonic() - started
    assert _fired(sandbox) == 1
    assert run["status"] == "succeeded", run
    assert run["retries"] >= 1
    assert run["errors"] == []
    assert elapsed >= 1.0  # the retry policy alone would have come back within 0.1 s


def test_a_truelayer_rate_limit_is_waited_out_too(client: TestClient, sandbox: Sandbox) -> None:
    connection_id = _connect_truelayer(client, sandbox, "ob-amex")
    sandbox.fault(path="/truelayer/api/data/v1/cards/*/balance", kind="rate_limit", retry_after=1)
    started = time.monotonic()
    run = _sync(client, connection_id)
    elapsed = time.monotonic() - started
    assert _fired(sandbox) == 1
    assert run["status"] == "succeeded", run
    assert run["retries"] >= 1
    assert elapsed >= 1.0


def test_a_retry_after_too_long_to_wait_is_reported_not_slept_through(
    client: TestClient, sandbox: Sandbox
) -> None:
    connection_id = _connect_monzo(client, sandbox)
    sandbox.fault(path="/monzo/api/balance", kind="rate_limit", retry_after=3600, count=1)
    started = time.monotonic()
    run = _sync(client, connection_id)
    assert time.monotonic() - started < 10
    assert run["status"] in {"partial", "failed"}
    assert [e["code"] for e in run["errors"]] == ["rate_limited"]


# --- 5xx ----------------------------------------------------------------------------


def test_server_errors_are_retried_and_the_mirror_is_as_without_them(
    client: TestClient, sandbox: Sandbox, db: Session
) -> None:
    # One of each 5xx the sandbox knows, on every resource of the first sync.
    sandbox.fault(path="/monzo/api/balance", kind="error_5xx", status=500, count=1)
    sandbox.fault(path="/monzo/api/pots", kind="error_5xx", status=502, count=1)
    sandbox.fault(path="/monzo/api/transactions", kind="error_5xx", status=503, count=1)
    sandbox.fault(path="/monzo/api/transactions", kind="error_5xx", status=504, count=1)
    connection_id = _connect_monzo(client, sandbox)
    assert _fired(sandbox) == 4
    [run] = wait_for_run(client, connection_id)
    assert run["status"] == "succeeded", run
    assert run["retries"] == 4
    truth = _monzo_truth(sandbox)
    assert _mirrored_counts(db) == {k: int(a["transactions"]) for k, a in truth.items()}
    assert run["counts"]["transactions"] == sum(int(a["transactions"]) for a in truth.values())
    balances = {
        a["external_id"]: a["balance"] for a in client.get("/api/v1/accounts").json()["items"]
    }
    for external_id, account in truth.items():
        if not account["closed"]:
            assert balances[external_id] == account["balance"]


def test_a_balance_that_cannot_be_read_keeps_the_pages_read_beside_it(
    client: TestClient, sandbox: Sandbox, db: Session
) -> None:
    # The balance and pots are asked for beside the transaction pages: when the
    # balance keeps failing, the pages already read are kept, but the account's
    # sync point does not move, so the next sync reads its history again.
    sandbox.fault(path="/monzo/api/balance", kind="error_5xx", status=500, probability=1.0)
    connection_id = _connect_monzo(client, sandbox)
    [run] = wait_for_run(client, connection_id)
    assert run["status"] == "partial", run
    assert {e["code"] for e in run["errors"]} == {"provider_unavailable"}
    truth = _monzo_truth(sandbox)
    open_accounts = {k for k, a in truth.items() if not a["closed"]}
    assert len(run["errors"]) == len(open_accounts)
    assert _mirrored_counts(db) == {k: int(a["transactions"]) for k, a in truth.items()}
    db.expire_all()
    synced = {k: v for k, v in db.execute(select(Account.external_id, Account.synced_until))}
    assert all(synced[k] is None for k in open_accounts)

    sandbox.http.delete("/_sandbox/faults").raise_for_status()
    again = _sync(client, connection_id)
    assert again["status"] == "succeeded", again
    assert _mirrored_counts(db) == {k: int(a["transactions"]) for k, a in truth.items()}
    db.expire_all()
    synced = {k: v for k, v in db.execute(select(Account.external_id, Account.synced_until))}
    assert all(synced[k] is not None for k in open_accounts)


def test_a_truelayer_outage_is_retried_on_the_first_sync(
    client: TestClient, sandbox: Sandbox, db: Session
) -> None:
    sandbox.fault(path="/truelayer/api/data/v1/cards/*", kind="error_5xx", status=502, count=2)
    sandbox.fault(path="/truelayer/api/data/v1/cards/*", kind="error_5xx", status=503, count=1)
    connection_id = _connect_truelayer(client, sandbox, "ob-amex")
    assert _fired(sandbox) == 3
    [run] = wait_for_run(client, connection_id)
    assert run["status"] == "succeeded", run
    assert run["retries"] == 3
    [card] = sandbox.household()["truelayer"]["ob-amex"]
    expected = int(card["settled_transactions"]) + int(card["pending_transactions"])
    assert _mirrored_counts(db) == {card["id"]: expected}


# --- malformed JSON -----------------------------------------------------------------


def test_malformed_json_is_reported_and_nothing_is_half_written(
    client: TestClient, sandbox: Sandbox, db: Session
) -> None:
    sandbox.fault(path="/monzo/api/transactions", kind="malformed", count=1)
    connection_id = _connect_monzo(client, sandbox)
    [run] = wait_for_run(client, connection_id)
    assert run["status"] == "partial", run
    [error] = run["errors"]
    assert error["code"] == "bad_response"
    truth = _monzo_truth(sandbox)
    mirrored = _mirrored_counts(db)
    # The account whose page was cut stored none of its history; the other one all of it.
    broken = [k for k in truth if mirrored[k] != truth[k]["transactions"]]
    assert len(broken) == 1
    assert broken[0] in error["where"]
    assert mirrored[broken[0]] == 0
    assert run["counts"]["transactions"] == sum(mirrored.values())
    db.expire_all()
    account = db.scalars(select(Account).where(Account.external_id == broken[0])).one()
    assert account.synced_until is None  # the next sync starts it from the beginning

    again = _sync(client, connection_id)
    assert again["status"] == "succeeded", again
    assert _mirrored_counts(db) == {k: int(a["transactions"]) for k, a in truth.items()}


def test_a_malformed_account_list_fails_the_run_before_anything_is_stored(
    client: TestClient, sandbox: Sandbox, db: Session
) -> None:
    connection_id = _connect_monzo(client, sandbox)
    before = _mirrored_counts(db)
    sandbox.fault(path="/monzo/api/accounts", kind="malformed", count=1)
    run = _sync(client, connection_id)
    assert run["status"] == "failed"
    assert [e["code"] for e in run["errors"]] == ["bad_response"]
    assert run["counts"] == {}
    assert _mirrored_counts(db) == before
    [listed] = client.get("/api/v1/connections").json()["items"]
    assert listed["status"] == "error" and listed["status_reason"]
    # The next clean sync clears the error.
    assert _sync(client, connection_id)["status"] == "succeeded"
    [listed] = client.get("/api/v1/connections").json()["items"]
    assert listed["status"] == "active"


# --- timeouts -----------------------------------------------------------------------


def _short_timeouts(app: FastAPI, seconds: float = 0.3) -> None:
    app.state.connections.gateway.http.timeout = httpx2.Timeout(seconds)


def test_a_timeout_is_retried_and_the_sync_succeeds(
    app: FastAPI, client: TestClient, sandbox: Sandbox
) -> None:
    connection_id = _connect_monzo(client, sandbox)
    _short_timeouts(app)
    sandbox.fault(path="/monzo/api/pots", kind="timeout", ms=1000, count=1)
    run = _sync(client, connection_id)
    assert _fired(sandbox) == 1
    assert run["status"] == "succeeded", run
    assert run["retries"] == 1


def test_a_bank_that_keeps_timing_out_is_reported_unavailable(
    app: FastAPI, client: TestClient, sandbox: Sandbox, db: Session
) -> None:
    connection_id = _connect_monzo(client, sandbox)
    before = _mirrored_counts(db)
    _short_timeouts(app)
    sandbox.fault(path="/monzo/api/accounts", kind="timeout", ms=1000, probability=1.0)
    started = time.monotonic()
    run = _sync(client, connection_id)
    elapsed = time.monotonic() - started
    assert run["status"] == "failed"
    assert [e["code"] for e in run["errors"]] == ["provider_unavailable"]
    # Both account types are listed side by side: four attempts each, then it gives up.
    assert run["retries"] == 2 * 3
    assert run["api_calls"] == 2 * 4
    assert elapsed < 5
    assert _mirrored_counts(db) == before
    [listed] = client.get("/api/v1/connections").json()["items"]
    assert listed["status"] == "retrying"  # the bank's trouble: waited out, not the user's


def test_one_slow_bank_does_not_hold_up_another_connection(
    app: FastAPI, client: TestClient, sandbox: Sandbox
) -> None:
    monzo = _connect_monzo(client, sandbox)
    amex = _connect_truelayer(client, sandbox, "ob-amex")
    _short_timeouts(app)
    sandbox.fault(path="/monzo/api/*", kind="timeout", ms=1000, probability=1.0)
    finished: dict[str, float] = {}
    started = time.monotonic()

    def done(run: Any) -> None:
        finished[run.connection_id] = time.monotonic() - started

    runs = sync_engine.sync_many(
        app.state.connections, [monzo, amex], trigger="manual", psu_ip="127.0.0.1", on_done=done
    )
    by_connection = {r.connection_id: r for r in runs}
    assert by_connection[amex].status == "succeeded"
    assert by_connection[monzo].status == "failed"
    assert by_connection[monzo].errors[0]["code"] == "provider_unavailable"
    # The card synced while Monzo was still timing out, not after it.
    assert finished[amex] < finished[monzo]
    assert finished[amex] < 1.0
    listed = {c["id"]: c["status"] for c in client.get("/api/v1/connections").json()["items"]}
    assert listed == {monzo: "retrying", amex: "active"}


def _recorded_announcements(app: FastAPI) -> list[tuple[float, SyncFinished]]:
    heard: list[tuple[float, SyncFinished]] = []

    def record(event: Any) -> None:
        if isinstance(event, SyncFinished):
            heard.append((time.monotonic(), event))

    app.state.connections.events.subscribe(record)
    return heard


def test_a_users_connections_are_announced_together_when_the_last_is_done(
    app: FastAPI, client: TestClient, sandbox: Sandbox, db: Session
) -> None:
    monzo = _connect_monzo(client, sandbox)
    amex = _connect_truelayer(client, sandbox, "ob-amex")
    heard = _recorded_announcements(app)
    finished: dict[str, float] = {}

    def done(run: Any) -> None:
        finished[run.connection_id] = time.monotonic()

    runs = sync_engine.sync_many(
        app.state.connections, [monzo, amex], trigger="manual", psu_ip="127.0.0.1", on_done=done
    )
    assert sorted(r.status for r in runs) == ["succeeded", "succeeded"]
    # One announcement for the user, naming both connections, after both finished.
    [(at, event)] = heard
    assert set(event.connection_ids) == {monzo, amex}
    assert event.trigger == "manual"
    assert at >= max(finished.values())
    # The work that follows ran before sync_many returned: nothing is left unclassified.
    left = db.scalar(
        select(func.count()).select_from(Transaction).where(Transaction.classification.is_(None))
    )
    assert left == 0


def test_a_failed_connection_is_left_out_of_the_announcement_not_waited_for_forever(
    app: FastAPI, client: TestClient, sandbox: Sandbox
) -> None:
    monzo = _connect_monzo(client, sandbox)
    amex = _connect_truelayer(client, sandbox, "ob-amex")
    _short_timeouts(app)
    sandbox.fault(path="/monzo/api/*", kind="timeout", ms=1000, probability=1.0)
    heard = _recorded_announcements(app)
    runs = sync_engine.sync_many(
        app.state.connections, [monzo, amex], trigger="manual", psu_ip="127.0.0.1"
    )
    assert {r.connection_id: r.status for r in runs} == {monzo: "failed", amex: "succeeded"}
    [(_, event)] = heard
    assert event.connection_ids == (amex,)
