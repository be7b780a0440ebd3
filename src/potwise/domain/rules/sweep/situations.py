"""The sweep rule's situations, one function each, as the product states the rule.

* **Pot deleted**: nothing moves; the services pause the rule.
* **No payday**: a ``before_payday`` sweep whose payday is not known yet waits.
* **Not due**: not a slot day, not the slot's time yet, or the slot is handled.
* **Sweep the surplus**: at a due slot, what the current account holds above its
  threshold (and, with ``keep_for_bills``, above the bills due before payday) is
  rounded down to the rule's step and moved within the limits. The slot counts as
  handled whether money moved or not: a sweep looks once per slot.

The surplus never exceeds ``available`` (the threshold and the bills are never
below zero), so a sweep never takes the current account below zero.
"""

from __future__ import annotations

from datetime import date, datetime

from potwise.domain.rules.moves import cap
from potwise.domain.rules.sweep.inputs import SweepConfig, SweepInputs
from potwise.domain.rules.sweep.model import Outcome, Reason

__all__ = ["no_payday", "not_due", "pot_deleted", "sweep_the_surplus"]


def pot_deleted() -> Outcome:
    return Outcome(Reason.POT_DELETED)


def no_payday() -> Outcome:
    return Outcome(Reason.NO_PAYDAY)


def not_due(upcoming: datetime | None) -> Outcome:
    return Outcome(Reason.NOT_DUE, upcoming=upcoming)


def sweep_the_surplus(
    config: SweepConfig, inputs: SweepInputs, slot: date, upcoming: datetime | None
) -> Outcome:
    """The due slot ``slot``: move the surplus, rounded down, within the limits."""
    bills_kept = inputs.bills_due if config.keep_for_bills else 0
    surplus = inputs.available - config.threshold - bills_kept
    rounded = surplus // config.round_to * config.round_to if surplus > 0 else 0
    limited = None
    if surplus == 0:
        reason = Reason.THRESHOLD_MET
    elif surplus < 0:
        reason = Reason.BELOW_THRESHOLD
    elif rounded == 0:
        reason = Reason.LESS_THAN_ROUND
    else:
        limited = cap(
            rounded,
            max_transfer=config.max_transfer,
            max_per_day=config.max_per_day,
            moved_today=inputs.moved_today,
        )
        if limited.amount == 0:
            reason = Reason.DAILY_LIMIT_REACHED
        elif limited.capped:
            reason = Reason.CAPPED_BY_LIMIT
        else:
            reason = Reason.SWEPT
    return Outcome(
        reason,
        slot=slot,
        bills_kept=bills_kept,
        surplus=surplus,
        rounded=rounded,
        amount=0 if limited is None else limited.amount,
        limited=limited,
        upcoming=upcoming,
    )
