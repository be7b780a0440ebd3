"""The sweep rule's decision: what to move now, as a pure function.

:func:`decide_sweep` takes the config, a snapshot of the current account and the
pot, and the stored state, and returns a ``RuleDecision``: at most one deposit
into the pot, the reason, the explanation and the state to store. It reads no
clock and does no I/O; the same inputs always give the same decision.

The order of the checks: a deleted pot, a ``before_payday`` sweep without a
payday, a slot that is not due (``slots``), then the surplus (``situations``).
A due slot is handled whatever it finds: the new state records its day, so the
rule looks once per slot however often it runs. Nothing else is stored, so a
decision whose move is not confirmed leaves the slot to the next run.
"""

from __future__ import annotations

from typing import Any

from potwise.domain.rules.checks import input_zone
from potwise.domain.rules.moves import Direction, Move, Phase, RuleDecision
from potwise.domain.rules.sweep import situations
from potwise.domain.rules.sweep.explain import Words, explain, move_reason, notice, status
from potwise.domain.rules.sweep.inputs import SweepConfig, SweepInputs
from potwise.domain.rules.sweep.model import InvalidSweepInput, Outcome, Schedule
from potwise.domain.rules.sweep.slots import due_slot, next_slot
from potwise.domain.rules.sweep.state import SweepState

__all__ = ["decide_sweep"]


def decide_sweep(
    config: SweepConfig, inputs: SweepInputs, state: SweepState | None = None
) -> RuleDecision:
    """Decide what the sweep rule moves now (the policy: ``situations``' docs).

    ``state`` is the stored :class:`SweepState` (None: the rule never ran).
    """
    prior = state if state is not None else SweepState()
    words = _words(config, inputs, prior)
    outcome = words.outcome
    moves: tuple[Move, ...] = ()
    if outcome.amount > 0:
        moves = (
            Move(
                pot_id=config.pot_id,
                direction=Direction.DEPOSIT,
                amount=outcome.amount,
                reason=move_reason(config, inputs.currency),
            ),
        )
    kept = prior if outcome.slot is None else SweepState(last_slot=outcome.slot)
    return RuleDecision(
        moves=moves,
        reason=str(outcome.reason),
        explanation=explain(words),
        currency=inputs.currency,
        new_state=None if inputs.pot_deleted else kept.to_dict(),
        notify=notice(words),
        phase=Phase.OK,
        status_reason=status(words),
        capped=outcome.limited is not None and outcome.limited.capped,
        figures=_figures(config, inputs, outcome),
    )


def _words(config: SweepConfig, inputs: SweepInputs, prior: SweepState) -> Words:
    """The situation the rule is in, with what its sentences need."""
    zone = input_zone(inputs.tz, InvalidSweepInput)
    now, payday = inputs.now, inputs.next_payday
    if inputs.pot_deleted:
        outcome = situations.pot_deleted()
    elif config.schedule is Schedule.BEFORE_PAYDAY and payday is None:
        outcome = situations.no_payday()
    else:
        slot = due_slot(config, now, zone, payday, prior.last_slot)
        # The next slot once this decision is made: a due slot is handled by it.
        handled = prior.last_slot if slot is None else slot
        upcoming = next_slot(config, now, inputs.tz, payday, handled=handled)
        if slot is None:
            outcome = situations.not_due(upcoming)
        else:
            outcome = situations.sweep_the_surplus(config, inputs, slot, upcoming)
    return Words(outcome, config, inputs, zone)


def _figures(config: SweepConfig, inputs: SweepInputs, outcome: Outcome) -> dict[str, Any]:
    """The numbers the decision used (JSON-safe), kept in the run's history."""
    upcoming = outcome.upcoming
    figures: dict[str, Any] = {
        "available": inputs.available,
        "threshold": config.threshold,
        "slot": None if outcome.slot is None else outcome.slot.isoformat(),
        "next_slot": None if upcoming is None else upcoming.isoformat(),
    }
    if outcome.slot is not None:
        figures["bills_kept"] = outcome.bills_kept
        figures["moved_today"] = inputs.moved_today
        figures["surplus"] = outcome.surplus
        figures["rounded"] = outcome.rounded
        figures["amount"] = outcome.amount
    return figures
