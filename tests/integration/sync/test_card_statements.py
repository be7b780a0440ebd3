"""A card's last statement and payment due land in the mirror when TrueLayer is synced
(the sandbox over HTTP, as the real provider)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from potwise.db.models import Account
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
    with running_sandbox(frozen_clock=True) as sandbox:
        yield sandbox


@pytest.fixture
def client(tmp_path: Path, database_url: str, engine: Engine, sandbox: Sandbox) -> TestClient:
    return signed_in(product(tmp_path, database_url, engine, sandbox))


def _synced_card(
    client: TestClient, sandbox: Sandbox, db: Session, provider: str
) -> tuple[Account, dict[str, Any]]:
    landed = connect(client, sandbox, "truelayer", sandbox_provider=provider)
    assert landed.status_code == 303, landed.text
    [connection] = [
        c for c in client.get("/api/v1/connections").json()["items"] if c["provider_id"] == provider
    ]
    wait_for_run(client, connection["id"])
    [truth] = sandbox.household()["truelayer"][provider]
    db.expire_all()
    card = db.scalars(select(Account).where(Account.external_id == truth["id"])).one()
    return card, truth


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def test_a_card_with_a_payment_due_keeps_its_statement_and_due_date(
    client: TestClient, sandbox: Sandbox, db: Session
) -> None:
    card, truth = _synced_card(client, sandbox, db, "uk-ob-barclaycard")
    assert truth["last_statement_date"] is not None and truth["payment_due_date"] is not None
    assert card.statement_balance == -truth["last_statement_balance"]  # owed: negative
    assert card.statement_date == _day(truth["last_statement_date"])
    assert card.payment_due == truth["payment_due"] and card.payment_due > 0
    assert card.payment_due_date == _day(truth["payment_due_date"])
    [model] = client.get("/api/v1/analytics/card-models").json()["items"]
    assert model["statement_date"] == truth["last_statement_date"]
    assert model["statement_balance"] == max(truth["last_statement_balance"], 0)
    assert model["payment_due"] == truth["payment_due"]
    assert model["payment_due_date"] == truth["payment_due_date"]


def test_amex_keeps_its_statement_without_a_payment_due(
    client: TestClient, sandbox: Sandbox, db: Session
) -> None:
    card, truth = _synced_card(client, sandbox, db, "ob-amex")
    assert truth["last_statement_date"] is not None and truth["payment_due"] is None
    assert card.statement_balance == -truth["last_statement_balance"]
    assert card.statement_date == _day(truth["last_statement_date"])
    assert card.payment_due is None and card.payment_due_date is None
