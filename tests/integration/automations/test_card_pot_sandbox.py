"""The credit-card pot rule against the sandbox over HTTP: exact, once, and explainable."""

from __future__ import annotations

import threading

import httpx2
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from potwise.db.models import Automation, Transfer
from potwise.services.automations import executor, runner
from potwise.services.connections import valid_access_token
from potwise.web.app import create_app
from tests.integration.automations.world import World
from tests.support.harness import signed_in


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


def test_a_purchase_seen_first_in_the_balance_is_covered_at_once_and_counted_once(
    world: World,
) -> None:
    world.run()
    # Posted without a pending stage, and the card's transactions cannot be read just
    # now: the rule sees the balance rise before the transaction behind it.
    world.spend_on_amex(4567, pending=False)
    world.sandbox.fault(
        path="/truelayer/api/data/v1/cards/*/transactions", kind="error_5xx", probability=1.0
    )
    run = world.run()
    world.sandbox.clear_faults()
    assert run["status"] == "moved", run["explanation"]
    assert run["reason"] == "new_spending"
    assert (run["transfers"][0]["direction"], run["transfers"][0]["amount"]) == ("deposit", 4567)
    assert "owes £45.67 more" in run["explanation"]
    assert "no transactions seen yet: covered as spending" in run["explanation"]
    # The sync then brings the transaction in, and the rule runs by itself after it.
    world.client.post(f"/api/v1/connections/{world.card['connection_id']}/sync")
    after_sync = world.wait_for_run("sync")
    assert after_sync["status"] == "nothing", after_sync["explanation"]
    assert sum(1 for m in world.ledger() if m["amount"] == 4567) == 1
    assert world.sandbox_pot_balance() == world.owed()


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
    transfer = world.leave_intent_open(db)
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
        # Two presses of "Run now": the user is present, so each reads the card.
        outcome = runner.run_rule(world.ctx, world.rule_id, trigger="manual", psu_ip="127.0.0.1")
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
