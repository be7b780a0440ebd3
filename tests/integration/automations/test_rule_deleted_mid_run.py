"""A rule deleted while one of its runs is under way: the run ends as one asked for a
missing rule does (not found), and money already on its way still moves once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from potwise.db.models import Automation, Transfer
from potwise.services.automations import executor, runner
from potwise.services.errors import NotFound
from potwise.services.sync import engine
from tests.integration.automations.world import World


def _then_delete_the_rule(world: World, step: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        result = step(*args, **kwargs)
        with world.ctx.session_factory() as other:
            rule = other.get(Automation, world.rule_id)
            if rule is not None:
                other.delete(rule)
                other.commit()
        return result

    return wrapped


def test_a_rule_deleted_while_balances_refresh_is_not_found(
    world: World, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        engine, "refresh_balances", _then_delete_the_rule(world, engine.refresh_balances)
    )
    with pytest.raises(NotFound):
        runner.run_rule(world.ctx, world.rule_id, trigger="manual")
    assert db.scalars(select(Transfer)).all() == []
    assert world.ledger() == []


def test_a_rule_deleted_while_its_money_moves_still_moves_it_once(
    world: World, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(executor, "execute", _then_delete_the_rule(world, executor.execute))
    with pytest.raises(NotFound):
        runner.run_rule(world.ctx, world.rule_id, trigger="manual")
    [transfer] = db.scalars(select(Transfer)).all()
    assert transfer.status == "confirmed"
    assert [m["dedupe_id"] for m in world.ledger()] == [transfer.dedupe_id]
