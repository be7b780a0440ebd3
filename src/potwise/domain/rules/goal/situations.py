"""The savings goal's situations, one function each, as the product states the rule.

* **Not contributing now**: contributions are off (the rule only tracks), or
  today is not payday, or today's payday contribution is already made (one
  per payday, whatever runs that day).
* **Contribute on payday**: this payday's share is what the goal needs a
  month (everything that remains once its date is today or behind: a goal
  whose date passed keeps being funded until it is reached), within what is
  safe to add without breaking safe-to-spend before the next payday, within
  the current account, then within the rule's limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from potwise.domain.rules.goal.inputs import GoalConfig
from potwise.domain.rules.goal.model import Reason
from potwise.domain.rules.goal.progress import GoalProgress
from potwise.domain.rules.goal.state import GoalState
from potwise.domain.rules.moves import cap

__all__ = ["Contribution", "contribute", "not_contributing"]


@dataclass(frozen=True, slots=True)
class Contribution:
    """A payday contribution: ``want`` (this payday's share), ``wanted`` (within
    what is safe to add and the current account) and ``amount`` (what moves,
    within the limits), with the reason and the limit that had its say."""

    want: int
    wanted: int
    amount: int
    reason: Reason
    by_transfer_limit: bool = False
    by_daily_limit: bool = False


def not_contributing(
    config: GoalConfig, prior: GoalState, today: date, payday_today: bool
) -> Reason | None:
    """Why nothing is contributed today (None: today a contribution is due)."""
    if not config.contribute_on_payday:
        return Reason.TRACKING
    if not payday_today:
        return Reason.NOT_PAYDAY
    if prior.last_contribution_on == today:
        return Reason.ALREADY_CONTRIBUTED
    return None


def contribute(
    config: GoalConfig,
    progress: GoalProgress,
    *,
    safe_to_add: int,
    available: int,
    moved_today: int,
) -> Contribution:
    """Payday: what goes into the goal's pot now."""
    want = min(progress.monthly_needed, progress.remaining)
    if safe_to_add == 0:
        return Contribution(want, 0, 0, Reason.NOTHING_SAFE_TO_ADD)
    if available <= 0:
        return Contribution(want, 0, 0, Reason.INSUFFICIENT_FUNDS)
    wanted = min(want, safe_to_add, available)
    limited = cap(
        wanted,
        max_transfer=config.max_transfer,
        max_per_day=config.max_per_day,
        moved_today=moved_today,
    )
    if not limited.amount:
        reason = Reason.DAILY_LIMIT_REACHED
    elif limited.capped:
        reason = Reason.CAPPED_BY_LIMIT
    else:
        reason = Reason.CONTRIBUTED
    return Contribution(
        want, wanted, limited.amount, reason, limited.by_transfer_limit, limited.by_daily_limit
    )
