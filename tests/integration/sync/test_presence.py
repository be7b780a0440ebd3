"""The user is looking: a page that shows what the cards owe reads them, attended (no
allowance spent), at most every few minutes per connection."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from potwise.db.models import SyncRun, UnattendedCall
from potwise.services.presence import PRESENCE_TRIGGER
from tests.support.harness import (
    Sandbox,
    connect,
    product,
    running_sandbox,
    settle,
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


def _presence_runs(db: Session) -> list[SyncRun]:
    db.expire_all()
    return list(db.scalars(select(SyncRun).where(SyncRun.trigger == PRESENCE_TRIGGER)))


def test_a_page_load_reads_the_cards_attended_and_not_again_for_a_while(
    client: TestClient, sandbox: Sandbox, db: Session
) -> None:
    connect(client, sandbox, "truelayer", sandbox_provider="ob-amex")
    [amex] = client.get("/api/v1/connections").json()["items"]
    wait_for_run(client, amex["id"])
    settle(client)
    # Just connected: the cards were read a moment ago, a page load reads nothing.
    assert client.get("/").status_code == 200
    settle(client)
    assert _presence_runs(db) == []
    # Ten minutes on, the card was last read long enough ago: the next page load reads it.
    for run in db.scalars(select(SyncRun)):
        run.started_at -= timedelta(minutes=10)
        if run.finished_at is not None:
            run.finished_at -= timedelta(minutes=10)
    db.commit()
    calls = db.scalar(select(func.count()).select_from(UnattendedCall))
    assert client.get("/automations").status_code == 200
    settle(client)
    [read] = _presence_runs(db)
    assert read.status == "succeeded"
    assert read.api_calls > 0
    assert db.scalar(select(func.count()).select_from(UnattendedCall)) == calls  # attended
    # More page loads right after: no more reads.
    for _ in range(3):
        assert client.get("/").status_code == 200
    settle(client)
    assert len(_presence_runs(db)) == 1
