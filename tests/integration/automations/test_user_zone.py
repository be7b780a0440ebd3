"""A rule counts "moved today" from midnight where its user lives, not where the server is."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.engine import make_session_factory
from potwise.db.models import Pot, Transfer
from potwise.services.automations import runner
from tests.integration.services.test_dashboard_card_owed import _household

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)  # 7 Dec, 01:00 in Auckland
EARLIER = datetime(2026, 12, 6, 5, 0, tzinfo=UTC)  # today in London, yesterday in Auckland


@pytest.mark.parametrize(("own_zone", "moved_today"), [(None, 300_00), ("Pacific/Auckland", 0)])
def test_moved_today_starts_at_the_users_own_midnight(
    db: Session, engine: Engine, own_zone: str | None, moved_today: int
) -> None:
    with clock.using(clock.FixedClock(NOW)):
        user, rule, _ = _household(db, NOW)
        user.timezone = own_zone
        pot = db.get(Pot, rule.config["pot_id"])
        assert pot is not None
        db.add(
            Transfer(
                user_id=user.id,
                automation_id=rule.id,
                pot_id=pot.id,
                pot_external_id=pot.external_id,
                account_external_id="acc",
                direction="deposit",
                amount=300_00,
                currency="GBP",
                dedupe_id="earlier-today",
                status="confirmed",
                created_at=EARLIER,
            )
        )
        db.commit()
        ctx: Any = SimpleNamespace(
            session_factory=make_session_factory(engine),
            settings=SimpleNamespace(timezone="Europe/London"),
        )
        preview = runner.run_rule(ctx, rule.id, trigger="sync", dry_run=True)
    assert preview.run.status == "preview", preview.run.explanation
    assert preview.run.inputs["moved_today"] == moved_today
