"""Builders for the sweep and top-up decision tests: configs, snapshots and runs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from potwise.domain.rules.moves import RuleDecision
from potwise.domain.rules.sweep import SweepConfig, SweepInputs, SweepState, decide_sweep
from potwise.domain.rules.topup import TopupConfig, TopupInputs, TopupState, decide_topup

LONDON = ZoneInfo("Europe/London")
POT = "pot-holiday"
#: Tuesday 22 December 2026 at 20:00 in London (GMT, so the same in UTC).
T0 = datetime(2026, 12, 22, 20, 0, tzinfo=UTC)
#: Friday 25 December 2026: Christmas Day.
CHRISTMAS = date(2026, 12, 25)


def london(year: int, month: int, day: int, hour: int = 20, minute: int = 0) -> datetime:
    """The instant (UTC) of a wall-clock time in London."""
    return datetime(year, month, day, hour, minute, tzinfo=LONDON).astimezone(UTC)


def sweep_config(**changes: Any) -> SweepConfig:
    """A daily 20:00 sweep above £1,000.00 into Holiday, whole pounds, roomy limits."""
    fields: dict[str, Any] = {
        "pot_id": POT,
        "threshold": 100_000,
        "schedule": "daily",
        "max_transfer": 1_000_000,
        "max_per_day": 3_000_000,
    }
    fields.update(changes)
    return SweepConfig(**fields)


def sweep_inputs(**changes: Any) -> SweepInputs:
    """£1,320.45 available, no bills, payday on Christmas Day, at ``T0``."""
    fields: dict[str, Any] = {
        "available": 132_045,
        "pot_balance": 50_000,
        "now": T0,
        "next_payday": CHRISTMAS,
        "pot_name": "Holiday",
    }
    fields.update(changes)
    return SweepInputs(**fields)


def sweep(
    config: dict[str, Any] | None = None,
    state: SweepState | None = None,
    **inputs: Any,
) -> RuleDecision:
    """Decide a sweep from :func:`sweep_config` and :func:`sweep_inputs` with changes."""
    return decide_sweep(sweep_config(**(config or {})), sweep_inputs(**inputs), state)


def topup_config(**changes: Any) -> TopupConfig:
    """Below £100.00, top up to £500.00 from the pot; 6 h cooldown, roomy limits."""
    fields: dict[str, Any] = {
        "pot_id": POT,
        "floor": 10_000,
        "target": 50_000,
        "max_transfer": 1_000_000,
        "max_per_day": 3_000_000,
    }
    fields.update(changes)
    return TopupConfig(**fields)


def topup_inputs(**changes: Any) -> TopupInputs:
    """£50.00 available (below the floor), £1,000.00 in the pot, at ``T0``."""
    fields: dict[str, Any] = {
        "available": 5_000,
        "pot_balance": 100_000,
        "now": T0,
        "pot_name": "Rainy day",
    }
    fields.update(changes)
    return TopupInputs(**fields)


def topup(
    config: dict[str, Any] | None = None,
    state: TopupState | None = None,
    **inputs: Any,
) -> RuleDecision:
    """Decide a top-up from :func:`topup_config` and :func:`topup_inputs` with changes."""
    return decide_topup(topup_config(**(config or {})), topup_inputs(**inputs), state)
