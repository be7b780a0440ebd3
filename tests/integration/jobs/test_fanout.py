"""A scheduled cycle spread over worker processes (POTWISE_WORKER_PROCESSES)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from potwise.db.models import SyncRun
from potwise.jobs.fanout import Fanout, shares
from potwise.jobs.scheduler import poll_approvals, run_sync_cycle
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
    with running_sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def client(tmp_path: Path, database_url: str, engine: Engine, sandbox: Sandbox) -> TestClient:
    return signed_in(product(tmp_path, database_url, engine, sandbox))


def test_ids_are_dealt_into_at_most_n_non_empty_shares() -> None:
    assert shares(["a", "b", "c", "d", "e"], 2) == [["a", "c", "e"], ["b", "d"]]
    assert shares(["a"], 4) == [["a"]]
    assert shares([], 3) == []


def test_a_users_connections_are_dealt_into_one_share() -> None:
    owner = {"m1": "ann", "c1": "ann", "a1": "ann", "m2": "bob", "c2": "bob", "m3": "cy"}
    dealt = shares(["m1", "c1", "a1", "m2", "c2", "m3"], 2, owner)
    assert dealt == [["m1", "c1", "a1", "m3"], ["m2", "c2"]]
    # An id with no known owner stands alone.
    assert shares(["x", "m1", "c1"], 2, {"m1": "ann", "c1": "ann"}) == [["x"], ["m1", "c1"]]


def test_a_cycle_over_two_processes_syncs_each_connection_once(
    client: TestClient,
    sandbox: Sandbox,
    db: Session,
    engine: Engine,
    request: pytest.FixtureRequest,
) -> None:
    ctx = client.app.state.connections  # type: ignore[attr-defined]
    connect(client, sandbox, "monzo")
    sandbox.approve_monzo()
    poll_approvals(ctx)
    connect(client, sandbox, "truelayer", sandbox_provider="ob-amex")
    amex = next(
        c
        for c in client.get("/api/v1/connections").json()["items"]
        if c["provider_id"] == "ob-amex"
    )
    wait_for_run(client, amex["id"])
    # The card was last read two days ago: its planned refresh is due.
    for old in db.scalars(select(SyncRun).where(SyncRun.connection_id == amex["id"])):
        old.started_at -= timedelta(days=2)
    db.commit()
    settings = ctx.settings
    if engine.dialect.name == "postgresql":
        # The worker processes connect on their own: point them at this test's schema.
        schema = request.getfixturevalue("pg_schema")
        url = f"{settings.database_url}?options=-csearch_path%3D{schema}"
        settings = settings.model_copy(update={"database_url": url})
    fanout = Fanout(settings.model_copy(update={"log_level": "WARNING"}), 2)
    try:
        assert len(fanout.start()) == 2  # two processes, each with its own context
        assert run_sync_cycle(ctx, fanout) == 2
    finally:
        fanout.close()
    runs = db.scalars(select(SyncRun).where(SyncRun.trigger == "schedule")).all()
    assert sorted(r.status for r in runs) == ["succeeded", "succeeded"]
    assert len({r.connection_id for r in runs}) == 2
    # The card's scheduled sync was unattended and spent its allowance, logged once per call.
    [card_run] = [r for r in runs if r.connection_id == amex["id"]]
    assert card_run.api_calls == 3
