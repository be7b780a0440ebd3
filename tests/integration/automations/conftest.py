"""The card-pot rule's world: the product signed in, both banks connected, one rule."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.integration.automations.world import World
from tests.support.harness import (
    connect,
    product,
    running_sandbox,
    settle,
    signed_in,
    wait_for_run,
)


@pytest.fixture
def world_settings() -> dict[str, Any]:
    """Settings a test module adds to the world's product (e.g. a mail server's)."""
    return {}


@pytest.fixture
def world(
    tmp_path: Path, database_url: str, engine: Engine, world_settings: dict[str, Any]
) -> Iterator[World]:
    with running_sandbox() as sandbox:
        client = signed_in(product(tmp_path, database_url, engine, sandbox, **world_settings))
        assert connect(client, sandbox, "monzo").status_code == 303
        sandbox.approve_monzo()
        monzo = client.get("/api/v1/connections").json()["items"][0]
        assert client.post(f"/api/v1/connections/{monzo['id']}/approval").json()["approved"]
        # The household tops the pot up by hand each Monday; on a day with no Amex
        # spending since (a Monday, say), the pot would already hold what is owed. One
        # charge the pot does not cover yet, there before the card is first read, makes
        # every test start from the same kind of day.
        amex_card = sandbox.household()["truelayer"]["ob-amex"][0]["id"]
        sandbox.add_transaction(
            bank="ob-amex",
            account=amex_card,
            amount=2345,
            kind="purchase",
            description="SPENT SINCE MONDAY",
            pending=True,
        )
        assert connect(client, sandbox, "truelayer", sandbox_provider="ob-amex").status_code == 303
        amex = next(
            c
            for c in client.get("/api/v1/connections").json()["items"]
            if c["provider_id"] == "ob-amex"
        )
        wait_for_run(client, amex["id"])
        # The first syncs' follow-up work is done before the rule exists, so no run
        # set off by them can land in the middle of a test.
        settle(client)
        pot = next(
            p for p in client.get("/api/v1/pots").json()["items"] if p["name"] == "Credit card"
        )
        card = next(
            a for a in client.get("/api/v1/accounts").json()["items"] if a["kind"] == "credit_card"
        )
        created = client.post(
            "/api/v1/automations",
            json={
                "kind": "card_pot",
                "name": "Amex pot",
                "config": {"pot_id": pot["id"], "card_account_ids": [card["id"]]},
            },
        )
        assert created.status_code == 201, created.text
        yield World(client, sandbox, created.json()["id"], pot, card, monzo["id"])
