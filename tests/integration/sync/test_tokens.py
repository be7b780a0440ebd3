"""Access tokens expire and are refreshed; a refresh token is spent exactly once, even
when two processes want a fresh token at the same moment; a refused refresh asks the
user to re-connect. All against the sandbox over loopback HTTP, where refresh tokens
are single-use exactly as at Monzo and TrueLayer.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from potwise.banks.errors import ConsentExpired
from potwise.db.engine import make_engine, make_session_factory
from potwise.db.models import Connection
from potwise.services import connections
from potwise.services.connections import ConnectionsContext, valid_access_token
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

TOKEN_PATHS = {"monzo": "/monzo/api/oauth2/token", "truelayer": "/truelayer/auth/connect/token"}


def _connect(client: TestClient, sandbox: Sandbox, provider: str) -> str:
    """Connect Monzo (approved in the app) or a TrueLayer provider; wait for the first sync."""
    if provider == "monzo":
        landed = connect(client, sandbox, "monzo")
        assert landed.status_code == 303, landed.text
        sandbox.approve_monzo()
    else:
        landed = connect(client, sandbox, "truelayer", sandbox_provider=provider)
        assert landed.status_code == 303, landed.text
    [connection] = [
        c
        for c in client.get("/api/v1/connections").json()["items"]
        if c["provider"] == provider or c["provider_id"] == provider
    ]
    if provider == "monzo":
        approved = client.post(f"/api/v1/connections/{connection['id']}/approval").json()
        assert approved == {"approved": True, "status": "active"}
    [run] = wait_for_run(client, connection["id"])
    assert run["status"] == "succeeded", run
    return str(connection["id"])


def _kind(provider: str) -> str:
    return "monzo" if provider == "monzo" else "truelayer"


def _count_refreshes(sandbox: Sandbox, provider: str) -> None:
    """A zero-latency fault on the token endpoint: it fires on, and so counts, every request."""
    sandbox.fault(path=TOKEN_PATHS[_kind(provider)], kind="latency", ms=0, probability=1.0)


def _refreshes(sandbox: Sandbox) -> int:
    faults = sandbox.http.get("/_sandbox/faults").raise_for_status().json()["faults"]
    return sum(int(f["fired"]) for f in faults if f["kind"] == "latency")


@dataclass(frozen=True)
class Stored:
    access: str
    refresh: str
    expires_at: datetime
    status: str
    reason: str | None


def _stored(ctx: ConnectionsContext, connection_id: str) -> Stored:
    with ctx.session_factory() as db:
        row = db.get(Connection, connection_id)
        assert row is not None
        assert row.access_token_enc and row.refresh_token_enc and row.token_expires_at
        return Stored(
            access=ctx.vault.decrypt(row.access_token_enc),
            refresh=ctx.vault.decrypt(row.refresh_token_enc),
            expires_at=row.token_expires_at,
            status=row.status,
            reason=row.status_reason,
        )


def _make_stale(ctx: ConnectionsContext, connection_id: str) -> None:
    """Our record says the access token has run out (the bank may still take it)."""
    with ctx.session_factory() as db:
        row = db.get(Connection, connection_id)
        assert row is not None
        row.token_expires_at = datetime.now(UTC) - timedelta(minutes=1)
        db.commit()


# --- expiry and refresh ---------------------------------------------------------------


@pytest.mark.parametrize("provider", ["monzo", "ob-amex"])
def test_a_token_the_bank_expired_is_refreshed_and_the_sync_succeeds(
    tmp_path: Path, database_url: str, engine: Engine, provider: str
) -> None:
    with running_sandbox() as sandbox:
        app = product(tmp_path, database_url, engine, sandbox)
        client = signed_in(app)
        ctx: ConnectionsContext = app.state.connections
        connection_id = _connect(client, sandbox, provider)
        before = _stored(ctx, connection_id)
        _count_refreshes(sandbox, provider)
        # The bank expires the token on its first data call of the run: a 401 mid-sync.
        data_path = "/monzo/api/balance" if provider == "monzo" else "/truelayer/api/data/v1/*"
        sandbox.fault(path=data_path, kind="expire_token", count=1)
        run = sync_engine.sync_connection(ctx, connection_id, psu_ip="127.0.0.1")
        assert run.status == "succeeded", run.errors
        assert run.errors == []
        assert _refreshes(sandbox) == 1
        after = _stored(ctx, connection_id)
        assert after.access != before.access
        assert after.refresh != before.refresh
        assert after.status == "active"
        # Counts describe the data, not the attempts: the accounts are counted once.
        accounts = len(client.get("/api/v1/accounts").json()["items"])
        assert run.counts["accounts"] == accounts
        # The old refresh token is spent; the bank refuses it a second time.
        oauth = ctx.gateway.monzo_oauth if provider == "monzo" else ctx.gateway.truelayer_oauth
        with ctx.session_factory() as db:
            credentials = connections.credentials_for(db, ctx, run.user_id, _kind(provider))
        with pytest.raises(ConsentExpired):
            oauth(credentials).refresh(refresh_token=before.refresh, now=datetime.now(UTC))


@pytest.mark.parametrize("provider", ["monzo", "ob-amex"])
def test_short_lived_tokens_are_refreshed_every_run_and_each_refresh_token_spent_once(
    tmp_path: Path, database_url: str, engine: Engine, provider: str
) -> None:
    # Tokens live a minute: inside the refresh margin, so each run starts by refreshing.
    with running_sandbox(monzo_token_ttl=60, truelayer_token_ttl=60) as sandbox:
        app = product(tmp_path, database_url, engine, sandbox)
        client = signed_in(app)
        ctx: ConnectionsContext = app.state.connections
        connection_id = _connect(client, sandbox, provider)
        _count_refreshes(sandbox, provider)
        seen = {_stored(ctx, connection_id).refresh}
        for n in range(1, 4):
            run = sync_engine.sync_connection(ctx, connection_id, psu_ip="127.0.0.1")
            assert run.status == "succeeded", run.errors
            assert _refreshes(sandbox) == n  # one refresh per run, never two
            stored = _stored(ctx, connection_id)
            assert stored.refresh not in seen  # a new one each time: the old one is spent
            seen.add(stored.refresh)
            assert stored.expires_at - datetime.now(UTC) <= timedelta(seconds=60)
        assert _stored(ctx, connection_id).status == "active"


def test_tokens_that_ran_out_while_nobody_synced_are_refreshed(
    tmp_path: Path, database_url: str, engine: Engine
) -> None:
    # A frozen sandbox sent a day ahead, and this process in step: every token is long dead.
    with running_sandbox(frozen_clock=True) as sandbox:
        app = product(tmp_path, database_url, engine, sandbox)
        client = signed_in(app)
        ctx: ConnectionsContext = app.state.connections
        monzo = _connect(client, sandbox, "monzo")
        amex = _connect(client, sandbox, "ob-amex")
        before = {c: _stored(ctx, c) for c in (monzo, amex)}
        sandbox.advance("P1D")
        with sandbox.our_clock_in_step():
            runs = sync_engine.sync_many(ctx, [monzo, amex], trigger="manual", psu_ip="127.0.0.1")
            assert {r.connection_id: r.status for r in runs} == {
                monzo: "succeeded",
                amex: "succeeded",
            }, [r.errors for r in runs]
            for connection_id in (monzo, amex):
                after = _stored(ctx, connection_id)
                assert after.access != before[connection_id].access
                assert after.expires_at > datetime.now(UTC)


# --- two processes, one refresh token --------------------------------------------------


def _second_process(
    app: FastAPI, request: pytest.FixtureRequest, database_url: str
) -> tuple[ConnectionsContext, Engine]:
    """Another process: its own engine, sessions and HTTP pool; only the database is shared."""
    ours: ConnectionsContext = app.state.connections
    schema = request.getfixturevalue("pg_schema") if database_url.startswith("postgresql") else None
    other_engine = make_engine(database_url, schema=schema)
    context = ConnectionsContext(
        settings=ours.settings,
        vault=ours.vault,
        gateway=BankGateway(ours.settings, retry=FAST_RETRY),
        session_factory=make_session_factory(other_engine),
    )
    return context, other_engine


def _race(contexts: tuple[ConnectionsContext, ...], connection_id: str) -> list[str]:
    """Each context asks for a valid access token at the same moment, from its own thread."""
    barrier = threading.Barrier(len(contexts))
    got: dict[int, str] = {}
    failed: list[BaseException] = []

    def ask(i: int, ctx: ConnectionsContext) -> None:
        barrier.wait(timeout=10)
        try:
            got[i] = valid_access_token(ctx, connection_id)
        except BaseException as exc:
            failed.append(exc)

    threads = [threading.Thread(target=ask, args=(i, c)) for i, c in enumerate(contexts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not failed, failed
    return [got[i] for i in range(len(contexts))]


@pytest.mark.parametrize("provider", ["monzo", "ob-amex"])
def test_two_processes_refreshing_at_once_spend_the_refresh_token_once(
    tmp_path: Path,
    database_url: str,
    engine: Engine,
    provider: str,
    request: pytest.FixtureRequest,
) -> None:
    with running_sandbox() as sandbox:
        app = product(tmp_path, database_url, engine, sandbox)
        client = signed_in(app)
        first: ConnectionsContext = app.state.connections
        connection_id = _connect(client, sandbox, provider)
        second, second_engine = _second_process(app, request, database_url)
        _count_refreshes(sandbox, provider)
        rounds = 5
        for n in range(1, rounds + 1):
            _make_stale(first, connection_id)
            old = _stored(first, connection_id)
            got = _race((first, second), connection_id)
            assert _refreshes(sandbox) == n  # exactly one refresh reached the bank
            stored = _stored(first, connection_id)
            assert stored.status == "active", stored.reason
            assert got[0] == got[1] == stored.access != old.access
            assert stored.refresh != old.refresh
        # And the token both hold works.
        run = sync_engine.sync_connection(second, connection_id, psu_ip="127.0.0.1")
        assert run.status == "succeeded", run.errors
        second.gateway.close()
        second_engine.dispose()


# --- refused refresh ------------------------------------------------------------------


def test_a_refresh_refused_after_the_consent_window_asks_for_reconnection(
    tmp_path: Path, database_url: str, engine: Engine
) -> None:
    with running_sandbox(frozen_clock=True) as sandbox:
        app = product(tmp_path, database_url, engine, sandbox)
        client = signed_in(app)
        ctx: ConnectionsContext = app.state.connections
        connection_id = _connect(client, sandbox, "uk-ob-barclaycard")
        _count_refreshes(sandbox, "truelayer")
        sandbox.advance("P91D")
        with sandbox.our_clock_in_step():
            with pytest.raises(ConsentExpired):
                valid_access_token(ctx, connection_id)
            assert _refreshes(sandbox) == 1
            stored = _stored(ctx, connection_id)
            assert stored.status == "needs_reconnect"
            assert stored.reason and "refused to refresh" in stored.reason
            # Nothing more is sent to the bank for a dead consent.
            with pytest.raises(ConsentExpired):
                valid_access_token(ctx, connection_id)
            assert _refreshes(sandbox) == 1
        [listed] = client.get("/api/v1/connections").json()["items"]
        assert listed["status"] == "needs_reconnect"
        assert listed["status_reason"] == stored.reason


def test_a_refresh_token_spent_elsewhere_asks_for_reconnection(
    tmp_path: Path, database_url: str, engine: Engine, db: Session
) -> None:
    with running_sandbox() as sandbox:
        app = product(tmp_path, database_url, engine, sandbox)
        client = signed_in(app)
        ctx: ConnectionsContext = app.state.connections
        connection_id = _connect(client, sandbox, "monzo")
        stored = _stored(ctx, connection_id)
        # Something else (a copy of the database, an old process) spent the refresh token.
        with ctx.session_factory() as session:
            owner = session.get(Connection, connection_id)
            assert owner is not None
            credentials = connections.credentials_for(session, ctx, owner.user_id, "monzo")
        ctx.gateway.monzo_oauth(credentials).refresh(
            refresh_token=stored.refresh, now=datetime.now(UTC)
        )
        _make_stale(ctx, connection_id)
        run = sync_engine.sync_connection(ctx, connection_id)
        assert run.status == "failed"
        assert [e["code"] for e in run.errors] == ["consent_expired"]
        [listed] = client.get("/api/v1/connections").json()["items"]
        assert listed["status"] == "needs_reconnect"
        assert "refused" in listed["status_reason"]
        assert connection_id not in sync_schedule.due_connection_ids(ctx)
