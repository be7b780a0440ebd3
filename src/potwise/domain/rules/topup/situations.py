"""The top-up rule's situations, one function each, as the product states the rule.

* **Pot deleted**: nothing moves; the services pause the rule.
* **Above the floor**: the current account holds at least its floor (exactly
  the floor included): nothing to do, and a shortage the user was told of is over.
* **Cooldown**: a top-up was made less than ``cooldown_hours`` ago (half-open: at
  its end the cooldown is over): nothing moves until it ends, so a sweep and a
  top-up cannot move the same money back and forth.
* **Pot short**: the pot holds nothing above its own floor: nothing moves, and
  the rule waits for funds.
* **Top up**: withdraw what brings the current account to its target, or what the
  pot can give above its floor when that is less (a partial top-up), within the
  limits.

A withdrawal is never more than the pot holds above its floor, so the pot never
goes below it; and never more than the need, so the current account is never
brought above its target.
"""

from __future__ import annotations

from datetime import datetime

from potwise.domain.rules.moves import cap
from potwise.domain.rules.topup.inputs import TopupConfig, TopupInputs
from potwise.domain.rules.topup.model import Outcome, Reason

__all__ = ["above_floor", "cooling_down", "pot_deleted", "pot_short", "top_up"]


def pot_deleted() -> Outcome:
    return Outcome(Reason.POT_DELETED)


def above_floor() -> Outcome:
    return Outcome(Reason.ABOVE_FLOOR)


def cooling_down(until: datetime) -> Outcome:
    return Outcome(Reason.COOLDOWN, until=until)


def pot_short(need: int) -> Outcome:
    return Outcome(Reason.POT_SHORT, need=need, short=True)


def top_up(config: TopupConfig, inputs: TopupInputs, need: int, can_give: int) -> Outcome:
    """Withdraw up to ``need`` (> 0) from a pot that can give ``can_give`` (> 0)."""
    wanted = min(need, can_give)
    limited = cap(
        wanted,
        max_transfer=config.max_transfer,
        max_per_day=config.max_per_day,
        moved_today=inputs.moved_today,
    )
    short = can_give < need
    if limited.amount == 0:
        reason = Reason.DAILY_LIMIT_REACHED
    elif limited.capped:
        reason = Reason.CAPPED_BY_LIMIT
    elif short:
        reason = Reason.PARTLY_TOPPED_UP
    else:
        reason = Reason.TOPPED_UP
    until = inputs.now + config.cooldown if limited.amount and config.cooldown_hours else None
    return Outcome(
        reason,
        need=need,
        can_give=can_give,
        amount=limited.amount,
        short=short,
        limited=limited,
        until=until,
    )
