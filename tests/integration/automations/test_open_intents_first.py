"""A run first finishes the intents an earlier run of its rule left open, then reads
the balances those moves changed: each intent is sent once, and the decision sees it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from potwise.db.models import Transfer
from tests.integration.automations.world import World


def test_an_intent_left_open_is_finished_before_the_run_decides(world: World, db: Session) -> None:
    world.run()
    transfer = world.leave_intent_open(db)
    before = world.sandbox_pot_balance()

    run = world.run()

    db.expire_all()
    assert db.get(Transfer, transfer.id).status == "confirmed"  # type: ignore[union-attr]
    assert _deposits_of(world, 777) == 1
    # The decision read the pot with the finished deposit in it.
    assert run["decision"]["pot_balance"] == before + 777
    world.run()
    assert _deposits_of(world, 777) == 1


def _deposits_of(world: World, amount: int) -> int:
    return sum(
        1
        for m in world.ledger()
        if m["amount"] == amount and m["direction"] == "deposit" and not m["repeat"]
    )
