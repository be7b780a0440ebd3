"""`potwise automations run --dry-run` says what each rule would do and writes nothing:
every table holds exactly the rows it held before (no sync run, no allowance booked,
no run, no rule state, no notice), and the bank is not asked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from potwise.db import migrate
from potwise.db.engine import make_engine
from potwise.db.models import Base
from tests.support.harness import (
    Sandbox,
    connect,
    product,
    running_sandbox,
    settle,
    signed_in,
    wait_for_run,
)

SECRET_KEY = "cli-" + "d" * 40


def _cli(tmp_path: Path, url: str, keys: str, sandbox_url: str, *args: str) -> Any:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("POTWISE_")}
    environment.update(
        {
            "POTWISE_DATABASE_URL": url,
            "POTWISE_DATA_DIR": str(tmp_path / "cli-data"),
            "POTWISE_SECRET_KEY": SECRET_KEY,
            "POTWISE_ENCRYPTION_KEYS": keys,
            "POTWISE_MONZO_API_URL": f"{sandbox_url}/monzo/api",
            "POTWISE_MONZO_AUTH_URL": f"{sandbox_url}/monzo/auth",
            "POTWISE_TRUELAYER_API_URL": f"{sandbox_url}/truelayer/api",
            "POTWISE_TRUELAYER_AUTH_URL": f"{sandbox_url}/truelayer/auth",
            "POTWISE_MONZO_CLIENT_ID": "potwise-sandbox",
            "POTWISE_MONZO_CLIENT_SECRET": "sandbox-secret",
            "POTWISE_TRUELAYER_CLIENT_ID": "potwise-sandbox",
            "POTWISE_TRUELAYER_CLIENT_SECRET": "sandbox-secret",
            "COLUMNS": "200",
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "potwise.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )


def _everything(engine: Engine) -> dict[str, list[str]]:
    """Every row of every table, as text, in a stable order."""
    with engine.connect() as connection:
        return {
            table.name: sorted(repr(tuple(row)) for row in connection.execute(select(table)))
            for table in Base.metadata.sorted_tables
        }


def _count_bank_requests(sandbox: Sandbox) -> None:
    """A zero-latency fault on every bank path: it fires on, and so counts, each request."""
    sandbox.fault(path="*", kind="latency", ms=0, probability=1.0)


def _requests(sandbox: Sandbox) -> int:
    faults = sandbox.http.get("/_sandbox/faults").raise_for_status().json()["faults"]
    return sum(int(f["fired"]) for f in faults)


def _household_with_a_rule(client: TestClient, sandbox: Sandbox) -> str:
    """Monzo and an Amex card with a charge the pot does not cover yet, and a rule."""
    assert connect(client, sandbox, "monzo").status_code == 303
    sandbox.approve_monzo()
    monzo = client.get("/api/v1/connections").json()["items"][0]
    assert client.post(f"/api/v1/connections/{monzo['id']}/approval").json()["approved"]
    [card] = sandbox.household()["truelayer"]["ob-amex"]
    sandbox.add_transaction(
        bank="ob-amex", account=card["id"], amount=4321, kind="purchase", pending=True
    )
    assert connect(client, sandbox, "truelayer", sandbox_provider="ob-amex").status_code == 303
    for connection in client.get("/api/v1/connections").json()["items"]:
        wait_for_run(client, connection["id"])
    settle(client)
    pot = next(p for p in client.get("/api/v1/pots").json()["items"] if p["name"] == "Credit card")
    cards = [
        a for a in client.get("/api/v1/accounts").json()["items"] if a["kind"] == "credit_card"
    ]
    created = client.post(
        "/api/v1/automations",
        json={
            "kind": "card_pot",
            "name": "Amex pot",
            "config": {"pot_id": pot["id"], "card_account_ids": [c["id"] for c in cards]},
        },
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def test_a_dry_run_prints_what_each_rule_would_do_and_writes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'dry.db'}"
    keys = Fernet.generate_key().decode()
    engine = make_engine(url)
    migrate.upgrade(engine)
    with running_sandbox() as sandbox:
        app = product(tmp_path, url, engine, sandbox, encryption_keys=keys, secret_key=SECRET_KEY)
        client = signed_in(app)
        rule_id = _household_with_a_rule(client, sandbox)
        _count_bank_requests(sandbox)
        before = _everything(engine)

        result = _cli(tmp_path, url, keys, sandbox.url, "automations", "run", "--dry-run")

        assert result.returncode == 0, result.stdout + result.stderr
        assert _everything(engine) == before
        assert _requests(sandbox) == 0  # no bank was asked either
        assert f"{rule_id} decided:" in result.stdout, result.stdout
        assert "would move: deposit" in result.stdout, result.stdout
        assert "data as of" in result.stdout
        # The same rule for real moves what the dry run said.
        ran = _cli(tmp_path, url, keys, sandbox.url, "automations", "run")
        assert ran.returncode == 0, ran.stdout + ran.stderr
        assert "moved: deposit" in ran.stdout, ran.stdout
    engine.dispose()
