"""Which rules a finished sync wakes: the owners' rules whose pot or cards came through
the synced connections, each once, and never another user's."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from potwise.db.engine import make_session_factory
from potwise.db.models import Account, Automation, Connection, Pot, User
from potwise.services.automations import runner


def _household(db: Session, name: str) -> dict[str, str]:
    user = User(email=f"{name}@example.com", password_hash="-")
    db.add(user)
    db.flush()
    monzo = Connection(user_id=user.id, provider="monzo", display_name="Monzo")
    amex = Connection(user_id=user.id, provider="truelayer", display_name="Amex")
    db.add_all([monzo, amex])
    db.flush()
    current = Account(
        user_id=user.id,
        connection_id=monzo.id,
        external_id=f"{name}-acc",
        provider="monzo",
        kind="current",
        name="Current",
        currency="GBP",
    )
    card = Account(
        user_id=user.id,
        connection_id=amex.id,
        external_id=f"{name}-card",
        provider="ob-amex",
        kind="credit_card",
        name="Amex",
        currency="GBP",
    )
    db.add_all([current, card])
    db.flush()
    pot = Pot(
        user_id=user.id,
        connection_id=monzo.id,
        account_id=current.id,
        external_id=f"{name}-pot",
        name="Card",
        currency="GBP",
    )
    db.add(pot)
    db.flush()
    rule = Automation(
        user_id=user.id,
        kind="card_pot",
        name="Card pot",
        config={"pot_id": pot.id, "card_account_ids": [card.id]},
    )
    db.add(rule)
    db.commit()
    return {"monzo": monzo.id, "amex": amex.id, "rule": rule.id}


def test_a_sync_wakes_its_owners_rules_once_and_no_one_elses(db: Session, engine: Engine) -> None:
    ann = _household(db, "ann")
    bob = _household(db, "bob")
    ctx: Any = SimpleNamespace(session_factory=make_session_factory(engine))
    # The pot came through Monzo, the card through Amex: either wakes the rule, both once.
    assert runner.rules_touching(ctx, connection_ids=[ann["monzo"]]) == [ann["rule"]]
    assert runner.rules_touching(ctx, connection_ids=[ann["amex"]]) == [ann["rule"]]
    assert runner.rules_touching(ctx, connection_ids=[ann["monzo"], ann["amex"]]) == [ann["rule"]]
    assert runner.rules_touching(ctx, connection_ids=[bob["amex"]]) == [bob["rule"]]
    assert runner.rules_touching(ctx, connection_ids=[]) == []
    assert sorted(runner.rules_touching(ctx)) == sorted([ann["rule"], bob["rule"]])
