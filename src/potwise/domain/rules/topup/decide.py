"""The top-up rule's decision: what to move now, as a pure function.

:func:`decide_topup` takes the config, a snapshot of the current account and the
pot, and the stored state, and returns a ``RuleDecision``: at most one withdrawal
from the pot into the current account, the reason, the explanation and the state
to store. It reads no clock and does no I/O; the same inputs always give the same
decision.

The order of the checks: a deleted pot, a current account at or above its floor,
a cooldown in force, a pot with nothing to give, then the top-up
(``situations``). What the decision leaves behind:

* after a move, ``last_topup_at`` is ``now`` (the cooldown runs from it) and the
  phase is ``cooldown`` until it ends (``ok`` with no cooldown set);
* while the pot is short, ``waiting_since`` holds when the shortage began, so its
  notice is sent once; it clears when a top-up is whole or the current account is
  back at its floor. A pot with nothing to give leaves the phase ``waiting_funds``.
"""

from __future__ import annotations

from typing import Any

from potwise.domain.rules.checks import input_zone
from potwise.domain.rules.moves import Direction, Move, Phase, RuleDecision
from potwise.domain.rules.topup import situations
from potwise.domain.rules.topup.explain import Words, explain, move_reason, notice, status
from potwise.domain.rules.topup.inputs import TopupConfig, TopupInputs
from potwise.domain.rules.topup.model import InvalidTopupInput, Outcome, Reason
from potwise.domain.rules.topup.state import TopupState

__all__ = ["decide_topup"]


def decide_topup(
    config: TopupConfig, inputs: TopupInputs, state: TopupState | None = None
) -> RuleDecision:
    """Decide what the top-up rule moves now (the policy: ``situations``' docs).

    ``state`` is the stored :class:`TopupState` (None: the rule never ran).
    """
    prior = state if state is not None else TopupState()
    outcome = _situation(config, inputs, prior)
    words = Words(outcome, config, inputs, prior, input_zone(inputs.tz, InvalidTopupInput))
    moves: tuple[Move, ...] = ()
    if outcome.amount > 0:
        moves = (
            Move(
                pot_id=config.pot_id,
                direction=Direction.WITHDRAW,
                amount=outcome.amount,
                reason=move_reason(config, inputs.currency),
            ),
        )
    kept = _new_state(outcome, inputs, prior)
    return RuleDecision(
        moves=moves,
        reason=str(outcome.reason),
        explanation=explain(words),
        currency=inputs.currency,
        new_state=None if kept is None else kept.to_dict(),
        notify=notice(words),
        phase=_phase(outcome),
        status_reason=status(words),
        capped=outcome.limited is not None and outcome.limited.capped,
        figures=_figures(config, inputs, outcome),
    )


def _situation(config: TopupConfig, inputs: TopupInputs, prior: TopupState) -> Outcome:
    if inputs.pot_deleted:
        return situations.pot_deleted()
    if inputs.available >= config.floor:
        return situations.above_floor()
    last = prior.last_topup_at
    if last is not None and inputs.now < last + config.cooldown:
        return situations.cooling_down(last + config.cooldown)
    need = config.target - inputs.available
    can_give = max(0, inputs.pot_balance - config.pot_floor)
    if can_give == 0:
        return situations.pot_short(need)
    return situations.top_up(config, inputs, need, can_give)


def _new_state(outcome: Outcome, inputs: TopupInputs, prior: TopupState) -> TopupState | None:
    """The state to store (None: keep the stored one)."""
    reason = outcome.reason
    if reason in (Reason.POT_DELETED, Reason.COOLDOWN, Reason.DAILY_LIMIT_REACHED):
        return None
    if reason is Reason.ABOVE_FLOOR:
        return TopupState(last_topup_at=prior.last_topup_at, waiting_since=None)
    waiting = (prior.waiting_since or inputs.now) if outcome.short else None
    last = inputs.now if outcome.amount > 0 else prior.last_topup_at
    return TopupState(last_topup_at=last, waiting_since=waiting)


def _phase(outcome: Outcome) -> Phase:
    if outcome.until is not None:
        return Phase.COOLDOWN
    if outcome.reason is Reason.POT_SHORT or (outcome.short and outcome.amount > 0):
        return Phase.WAITING_FUNDS
    return Phase.OK


def _figures(config: TopupConfig, inputs: TopupInputs, outcome: Outcome) -> dict[str, Any]:
    """The numbers the decision used (JSON-safe), kept in the run's history."""
    until = outcome.until
    figures: dict[str, Any] = {
        "available": inputs.available,
        "floor": config.floor,
        "target": config.target,
        "pot_balance": inputs.pot_balance,
        "pot_floor": config.pot_floor,
        "cooldown_until": None if until is None else until.isoformat(),
    }
    if outcome.need:
        figures["need"] = outcome.need
        figures["can_give"] = outcome.can_give
        figures["moved_today"] = inputs.moved_today
        figures["amount"] = outcome.amount
    return figures
