"""Which rules a finished sync wakes: the owners' rules whose pot or cards came through
the synced connections, each once, and never another user's."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from potwise.db.engine import make_session_factory
from potwise.services.automations import runner
from tests.integration.automations.builders import household


def test_a_sync_wakes_its_owners_rules_once_and_no_one_elses(db: Session, engine: Engine) -> None:
    ann = household(db, "ann")
    bob = household(db, "bob")
    ctx: Any = SimpleNamespace(session_factory=make_session_factory(engine))
    # The pot came through Monzo, the card through Amex: either wakes the rule, both once.
    assert runner.rules_touching(ctx, connection_ids=[ann["monzo"]]) == [ann["rule"]]
    assert runner.rules_touching(ctx, connection_ids=[ann["amex"]]) == [ann["rule"]]
    assert runner.rules_touching(ctx, connection_ids=[ann["monzo"], ann["amex"]]) == [ann["rule"]]
    assert runner.rules_touching(ctx, connection_ids=[bob["amex"]]) == [bob["rule"]]
    assert runner.rules_touching(ctx, connection_ids=[]) == []
    assert sorted(runner.rules_touching(ctx)) == sorted([ann["rule"], bob["rule"]])
