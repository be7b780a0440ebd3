"""Every move the executor finishes leaves one in-app notice, through the real runner
against the sandbox: a confirmed move says what moved where and why, once, however
many times its intent was sent."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from potwise.services.automations import executor
from tests.integration.automations.world import World


def _notices(world: World, kind: str) -> list[dict[str, Any]]:
    items = world.client.get("/api/v1/notices", params={"limit": 200}).json()["items"]
    return [n for n in items if n["kind"] == kind]


def test_each_confirmed_move_leaves_one_notice_naming_the_pot(world: World) -> None:
    moved = []
    for pence in (1899, 2500, 310, 4321):
        world.spend_on_amex(pence)
        run = world.run()
        assert run["status"] == "moved", run["explanation"]
        moved.extend(run["transfers"])
    world.run()  # nothing new to move: no new notice
    done = _notices(world, "transfer_done")
    assert len(done) == len(moved) == 4
    for notice in done:
        assert notice["message"].startswith("Moved £")
        assert "into your Credit card pot" in notice["message"]
        assert "Amex pot" in notice["message"]
        assert "pot_" not in notice["message"]
    told = sorted(n["message"].split()[1] for n in done)
    assert told == sorted(f"£{t['amount'] // 100:,}.{t['amount'] % 100:02d}" for t in moved)


def test_a_move_sent_twice_is_told_once(world: World, db: Session) -> None:
    world.run()
    before = len(_notices(world, "transfer_done"))
    world.spend_on_amex(2500)
    world.sandbox.fault(path="/monzo/api/pots/*/deposit", kind="drop_after_apply", count=1)
    world.run()
    transfer = world.leave_intent_open(db)
    executor.reconcile(world.ctx)
    executor.reconcile(world.ctx)
    executor.execute(world.ctx, transfer.id)
    done = _notices(world, "transfer_done")
    assert len(done) == before + 2
    assert sum("£7.77" in n["message"] for n in done) == 1
    assert sum("£25.00" in n["message"] for n in done) == 1


def test_a_move_monzo_refuses_is_told_once_as_failed(world: World, db: Session) -> None:
    world.run()
    transfer = world.leave_intent_open(db, amount=555)
    transfer.pot_external_id = "pot_0000NotThereAnyMore"  # Monzo answers 404: refused
    db.commit()
    executor.reconcile(world.ctx)
    executor.reconcile(world.ctx)
    executor.execute(world.ctx, transfer.id)
    db.expire_all()
    assert db.get(type(transfer), transfer.id).status == "failed"  # type: ignore[union-attr]
    [failed] = _notices(world, "transfer_failed")
    assert failed["level"] == "error"
    assert failed["message"].startswith("The move of £5.55 into your Credit card pot")
    assert "did not happen" in failed["message"]
    assert not [n for n in _notices(world, "transfer_done") if "£5.55" in n["message"]]
