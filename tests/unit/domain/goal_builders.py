"""Builders for the savings-goal tests: a config and one decision."""

from __future__ import annotations

from datetime import UTC, date, datetime

from potwise.domain.rules.goal import GoalConfig, GoalState, decide_goal
from potwise.domain.rules.moves import RuleDecision

TODAY = date(2026, 10, 1)
NOW = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
TARGET_DATE = date(2027, 6, 1)  # eight whole months after TODAY
BIG = 10_000_000


def config(
    *,
    target: int = 200_000,
    by: date = TARGET_DATE,
    on_payday: bool = True,
    max_transfer: int = BIG,
    max_per_day: int = BIG,
) -> GoalConfig:
    """A £2,000.00 goal by 1 Jun 2027 that contributes on payday, unless told otherwise."""
    return GoalConfig(
        pot_id="holiday",
        target_amount=target,
        target_date=by,
        contribute_on_payday=on_payday,
        max_transfer=max_transfer,
        max_per_day=max_per_day,
    )


def decide(
    cfg: GoalConfig | None = None,
    *,
    balance: int = 80_000,
    deleted: bool = False,
    today: date = TODAY,
    payday: bool = True,
    safe: int = 42_000,
    available: int = 500_000,
    moved_today: int = 0,
    state: GoalState | None = None,
) -> RuleDecision:
    """One decision: by default payday, £800.00 saved, £420.00 safe to add."""
    return decide_goal(
        cfg or config(),
        pot_balance=balance,
        pot_deleted=deleted,
        today=today,
        payday_today=payday,
        safe_to_add=safe,
        available=available,
        moved_today=moved_today,
        state=state,
        now=NOW,
        pot_name="Holiday",
    )
