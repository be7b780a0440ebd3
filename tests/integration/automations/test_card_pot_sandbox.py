"""The credit-card pot rule against the sandbox over HTTP: exact, once, and explainable."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from potwise.db.models import Account, Automation, AutomationRun, Pot, Transfer
from potwise.services.automations import executor, runner
from potwise.services.connections import valid_access_token
from potwise.web.app import create_app
from tests.support.harness import (
    Sandbox,
    connect,
    product,
    running_sandbox,
    settle,
    signed_in,
    wait_for_run,
)


@dataclass
class World:
    client: TestClient
    sandbox: Sandbox
    rule_id: str
    pot: dict[str, Any]
    card: dict[str, Any]
    monzo_connection_id: str

    @property
    def ctx(self) -> Any:
        return self.client.app.state.connections  # type: ignore[attr-defined]

    def ledger(self) -> list[dict[str, Any]]:
        moves = self.sandbox.http.get("/_sandbox/users/demo/ledger").json()["moves"]
        return [m for m in moves if m["pot_id"] == self.pot["external_id"] and m["source"] == "api"]

    def sandbox_pot_balance(self) -> int:
        pots = self.sandbox.household()["monzo"]["pots"]
        return int(next(p["balance"] for p in pots if p["id"] == self.pot["external_id"]))

    def owed(self) -> int:
        [card] = self.sandbox.household()["truelayer"]["ob-amex"]
        pending = self.client.get(
            "/api/v1/transactions", params={"account_id": self.card["id"], "status": "pending"}
        ).json()["items"]
        return int(card["current"]) + sum(-t["amount"] for t in pending if t["amount"] < 0)

    def run(self, **kwargs: Any) -> dict[str, Any]:
        response = self.client.post(f"/api/v1/automations/{self.rule_id}/run", **kwargs)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def runs(self) -> list[dict[str, Any]]:
        return list(self.client.get(f"/api/v1/automations/{self.rule_id}/runs").json()["items"])

    def wait_for_run(self, trigger: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for run in self.runs():
                if run["trigger"] == trigger and run["finished_at"] is not None:
                    return run
            time.sleep(0.1)
        raise AssertionError(f"no {trigger} run: {self.runs()}")

    def spend_on_amex(self, pence: int, *, pending: bool = True) -> None:
        self.sandbox.add_transaction(
            bank="ob-amex",
            account=self.card["external_id"],
            amount=pence,
            kind="purchase",
            description="TEST SPEND",
            pending=pending,
        )


@pytest.fixture
def world(tmp_path: Path, database_url: str, engine: Engine) -> Iterator[World]:
    with running_sandbox() as sandbox:
        client = signed_in(product(tmp_path, database_url, engine, sandbox))
        assert connect(client, sandbox, "monzo").status_code == 303
        sandbox.approve_monzo()
        monzo = client.get("/api/v1/connections").json()["items"][0]
        assert client.post(f"/api/v1/connections/{monzo['id']}/approval").json()["approved"]
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
        # The household tops the pot up by hand each Monday; on a day with no Amex
        # spending since, the pot would already hold what is owed. One charge the pot
        # does not cover yet makes every test start from the same kind of day.
        sandbox.add_transaction(
            bank="ob-amex",
            account=card["external_id"],
            amount=2345,
            kind="purchase",
            description="SPENT SINCE MONDAY",
            pending=True,
        )
        yield World(client, sandbox, created.json()["id"], pot, card, monzo["id"])


def test_first_run_brings_the_pot_to_what_is_owed_in_one_move(world: World) -> None:
    before = world.sandbox_pot_balance()
    run = world.run()
    owed = world.owed()
    assert world.sandbox_pot_balance() == owed
    [move] = world.ledger()
    assert move["amount"] == abs(owed - before)
    assert move["direction"] == ("deposit" if owed > before else "withdraw")
    assert run["status"] == "moved"
    assert run["transfers"][0]["dedupe_id"] == move["dedupe_id"]
    assert run["transfers"][0]["status"] == "confirmed"
    again = world.run()
    assert again["status"] == "nothing"
    assert again["reason"] == "in_sync"
    assert len(world.ledger()) == 1


def test_new_amex_spending_is_deposited_exactly_once(world: World) -> None:
    world.run()
    world.spend_on_amex(1899)
    run = world.run()
    assert run["status"] == "moved", run["explanation"]
    assert run["transfers"][0]["direction"] == "deposit"
    assert run["transfers"][0]["amount"] == 1899
    assert "£18.99" in run["explanation"]
    assert world.sandbox_pot_balance() == world.owed()
    world.run()
    assert sum(1 for m in world.ledger() if m["amount"] == 1899) == 1


def test_a_repayment_releases_the_surplus(world: World) -> None:
    world.run()
    in_pot = world.sandbox_pot_balance()
    world.sandbox.add_transaction(
        bank="ob-amex",
        account=world.card["external_id"],
        amount=5000,
        kind="repayment",
        description="PAYMENT RECEIVED",
        pending=False,
    )
    # The sync brings the payment in, and the rule runs by itself right after it.
    world.client.post(f"/api/v1/connections/{world.card['connection_id']}/sync")
    run = world.wait_for_run("sync")
    assert run["transfers"][0]["direction"] == "withdraw"
    assert run["transfers"][0]["amount"] == 5000
    assert world.sandbox_pot_balance() == in_pot - 5000
    assert world.run()["status"] == "nothing"


def test_preview_explains_and_moves_nothing(world: World, db: Session) -> None:
    preview = world.client.post(f"/api/v1/automations/{world.rule_id}/preview").json()
    assert preview["status"] == "preview"
    assert preview["explanation"]
    assert world.ledger() == []
    rule = db.get(Automation, world.rule_id)
    assert rule is not None and rule.state is None
    assert db.scalars(select(Transfer)).all() == []


def test_a_connection_dropped_after_the_move_still_moves_money_once(world: World) -> None:
    world.run()
    world.spend_on_amex(2500)
    world.sandbox.fault(path="/monzo/api/pots/*/deposit", kind="drop_after_apply", count=1)
    run = world.run()
    assert world.sandbox_pot_balance() == world.owed()
    applied = [m for m in world.ledger() if m["amount"] == 2500]
    assert len([m for m in applied if not m["repeat"]]) == 1
    assert run["transfers"][0]["status"] == "confirmed"  # the same dedupe_id was sent again


def test_a_crash_between_intent_and_call_is_completed_by_reconciliation(
    world: World, db: Session
) -> None:
    world.run()
    pot = db.get(Pot, world.pot["id"])
    account = db.get(Account, pot.account_id) if pot else None
    assert pot is not None and account is not None
    crashed = AutomationRun(user_id=pot.user_id, automation_id=world.rule_id, trigger="manual")
    db.add(crashed)
    db.flush()
    transfer = executor.plan(
        user_id=pot.user_id,
        automation_id=world.rule_id,
        run_id=crashed.id,
        sequence=0,
        pot=pot,
        account=account,
        direction="deposit",
        amount=777,
        reason="planned just before the process died",
        state_after=None,
    )
    db.add(transfer)
    db.commit()
    executor.reconcile(world.ctx)
    executor.reconcile(world.ctx)
    db.expire_all()
    assert db.get(Transfer, transfer.id).status == "confirmed"  # type: ignore[union-attr]
    assert len([m for m in world.ledger() if m["amount"] == 777 and not m["repeat"]]) == 1


def test_two_concurrent_runs_move_money_once(world: World) -> None:
    world.run()
    world.spend_on_amex(4321)
    barrier = threading.Barrier(2)
    results: list[str] = []

    def go() -> None:
        barrier.wait()
        outcome = runner.run_rule(world.ctx, world.rule_id, trigger="manual")
        results.append(outcome.run.status)

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len([m for m in world.ledger() if m["amount"] == 4321]) == 1
    assert sorted(results) in (["moved", "skipped"], ["moved", "nothing"])


def test_paying_a_bill_from_the_pot_starts_a_cooldown_that_survives_a_restart(
    world: World, engine: Engine
) -> None:
    world.run()
    token = valid_access_token(world.ctx, world.monzo_connection_id)
    taken = httpx2.put(
        f"{world.sandbox.url}/monzo/api/pots/{world.pot['external_id']}/withdraw",
        headers={"Authorization": f"Bearer {token}"},
        data={
            "destination_account_id": world.ledger()[0]["account_id"],
            "amount": "1000",
            "dedupe_id": "the-user-in-the-app",
        },
    )
    assert taken.status_code == 200, taken.text
    run = world.run()
    assert run["status"] == "nothing"
    assert run["reason"] == "cooldown_started"
    rule = world.client.get(f"/api/v1/automations/{world.rule_id}").json()
    assert rule["status"] == "cooldown"
    # A new process: the same settings and database, nothing kept in memory.
    settings = world.client.app.state.settings  # type: ignore[attr-defined]
    restarted = signed_in(create_app(settings, engine=engine), "owner@example.com")
    after_restart = restarted.post(f"/api/v1/automations/{world.rule_id}/run").json()
    assert after_restart["reason"] in {"cooldown_waiting", "cooldown_started"}
    assert after_restart["status"] == "nothing"


def test_pause_stops_every_money_move(world: World) -> None:
    assert world.client.put("/api/v1/automations/pause", json={"paused": True}).json()["paused"]
    world.spend_on_amex(1500)
    run = world.run()
    assert run["status"] == "skipped"
    assert run["reason"] == "paused"
    assert world.ledger() == []
    world.client.put("/api/v1/automations/pause", json={"paused": False})
    assert world.run()["status"] == "moved"


def test_a_rule_cannot_use_another_users_pot_or_card(world: World) -> None:
    other = signed_in(world.client.app, "mallory@example.com")  # type: ignore[arg-type]
    attempt = other.post(
        "/api/v1/automations",
        json={
            "kind": "card_pot",
            "name": "steal",
            "config": {"pot_id": world.pot["id"], "card_account_ids": [world.card["id"]]},
        },
    )
    assert attempt.status_code == 400
    assert "not one of your pots" in attempt.json()["error"]["message"]
