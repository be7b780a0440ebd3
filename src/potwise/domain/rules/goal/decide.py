"""The savings goal's decision: what goes into the goal's pot today, as a pure function.

:func:`decide_goal` is given the pot's balance, today's local date, whether
today is the user's payday and what is safe to add (both decided by the
caller, which knows the payday and safe-to-spend), the current account's
available balance, what the rule moved today and its stored state. It returns a
:class:`~potwise.domain.rules.moves.RuleDecision`: at most one deposit.

* **Pot deleted**: nothing moves, ``pot_deleted``; the state is kept.
* **Goal reached** (the pot holds the target or more): nothing moves,
  ``goal_reached``; the user is told once (``reached_notified``).
* **Not contributing now** (``situations``): ``tracking``, ``not_payday``,
  ``already_contributed``.
* **Payday**: this payday's share within what is safe to add, the current
  account and the limits: ``contributed`` or ``capped_by_limit``; nothing
  moves with ``nothing_safe_to_add``, ``insufficient_funds`` (the rule waits
  for funds and retries that day) or ``daily_limit_reached``.
* **Date passed**: contributions go on until the goal is reached; when nothing
  moves, whatever the cause, the reason is ``date_passed`` (the news the user
  needs first) and the explanation gives the cause too.

A contribution's day is stored as ``last_contribution_on``; the state is kept
only once the move is confirmed, so a failed move is tried again that day.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

from potwise.domain.calendar import DEFAULT_TIMEZONE
from potwise.domain.rules.goal import explain, situations
from potwise.domain.rules.goal.inputs import GoalConfig, is_day, whole
from potwise.domain.rules.goal.model import InvalidGoalInput, Reason
from potwise.domain.rules.goal.progress import GoalProgress, goal_progress
from potwise.domain.rules.goal.state import GoalState
from potwise.domain.rules.moves import Direction, Move, Phase, RuleDecision

__all__ = ["decide_goal"]

_MOVE_REASON = "Savings goal: payday contribution"


def decide_goal(
    config: GoalConfig,
    *,
    pot_balance: int,
    pot_deleted: bool,
    today: date,
    payday_today: bool,
    safe_to_add: int,
    available: int,
    moved_today: int,
    state: GoalState | None,
    now: datetime,
    tz: str = DEFAULT_TIMEZONE,
    currency: str = "GBP",
    pot_name: str | None = None,
) -> RuleDecision:
    """Decide what the goal rule moves today (the policy: this module's docs).

    ``today`` is the user's local date (the caller works it out from ``now`` in
    ``tz``); ``safe_to_add`` (>= 0) what can go to the goal without breaking
    safe-to-spend before payday; ``moved_today`` what the rule moved today.
    ``pot_name`` is how explanations name the pot.
    """
    _check_inputs(safe_to_add, available, moved_today, today, now)
    prior = state or GoalState()
    pot = pot_name or "the goal's pot"
    progress = goal_progress(config, pot_balance, today)
    day = explain.Day(safe_to_add, available, moved_today, currency)
    figures: dict[str, Any] = {
        **progress.to_dict(),
        "safe_to_add": safe_to_add,
        "available": available,
        "moved_today": moved_today,
        "payday_today": payday_today,
        "local_date": today.isoformat(),
    }
    if pot_deleted:
        return RuleDecision(
            moves=(),
            reason=Reason.POT_DELETED,
            explanation=explain.deleted(pot),
            currency=currency,
            status_reason=Reason.POT_DELETED,
            figures=figures,
        )
    if progress.reached:
        return _reached(pot, progress, prior, currency, figures)
    kept = replace(prior, reached_notified=False)
    why = situations.not_contributing(config, prior, today, payday_today)
    if why is not None:
        text = explain.waiting(pot, progress, config, why, None, day)
        return _still(why, text, progress, kept, currency, figures)
    return _payday(config, pot, progress, kept, day, today, figures)


def _payday(
    config: GoalConfig,
    pot: str,
    progress: GoalProgress,
    kept: GoalState,
    day: explain.Day,
    today: date,
    figures: dict[str, Any],
) -> RuleDecision:
    """Payday and no contribution yet: this payday's share, as far as it can go."""
    safe_to_add, available, moved_today, currency = day
    contribution = situations.contribute(
        config, progress, safe_to_add=safe_to_add, available=available, moved_today=moved_today
    )
    figures["want"] = contribution.want
    if not contribution.amount:
        why = contribution.reason
        text = explain.waiting(pot, progress, config, why, contribution, day)
        phase = Phase.WAITING_FUNDS if why is Reason.INSUFFICIENT_FUNDS else Phase.OK
        return _still(why, text, progress, kept, currency, figures, phase)
    return RuleDecision(
        moves=(Move(config.pot_id, Direction.DEPOSIT, contribution.amount, _MOVE_REASON),),
        reason=contribution.reason,
        explanation=explain.contributed(pot, progress, config, contribution, day),
        currency=currency,
        new_state=replace(kept, last_contribution_on=today).to_dict(),
        status_reason=Reason.DATE_PASSED if progress.date_passed else None,
        capped=contribution.reason is Reason.CAPPED_BY_LIMIT,
        figures=figures,
    )


def _reached(
    pot: str, progress: GoalProgress, prior: GoalState, currency: str, figures: dict[str, Any]
) -> RuleDecision:
    """The goal is reached: nothing moves; the user is told the first time."""
    notify = None if prior.reached_notified else explain.reached_notice(pot, progress, currency)
    return RuleDecision(
        moves=(),
        reason=Reason.GOAL_REACHED,
        explanation=explain.reached(pot, progress, currency),
        currency=currency,
        new_state=replace(prior, reached_notified=True).to_dict(),
        notify=notify,
        status_reason=Reason.GOAL_REACHED,
        figures=figures,
    )


def _still(
    why: Reason,
    text: str,
    progress: GoalProgress,
    kept: GoalState,
    currency: str,
    figures: dict[str, Any],
    phase: Phase = Phase.OK,
) -> RuleDecision:
    """Nothing moves today, for `why` (``date_passed`` instead once the date passed)."""
    reason = Reason.DATE_PASSED if progress.date_passed else why
    figures["cause"] = str(why)
    return RuleDecision(
        moves=(),
        reason=reason,
        explanation=text,
        currency=currency,
        new_state=kept.to_dict(),
        phase=phase,
        status_reason=Reason.DATE_PASSED if progress.date_passed else None,
        figures=figures,
    )


def _check_inputs(
    safe_to_add: int, available: int, moved_today: int, today: date, now: datetime
) -> None:
    if not whole(safe_to_add) or safe_to_add < 0:
        raise InvalidGoalInput("safe_to_add must be whole pence >= 0")
    if not whole(available):
        raise InvalidGoalInput("available must be whole pence")
    if not whole(moved_today) or moved_today < 0:
        raise InvalidGoalInput("moved_today must be whole pence >= 0")
    if not is_day(today):
        raise InvalidGoalInput("today must be a date")
    if now.tzinfo is None or now.utcoffset() is None:
        raise InvalidGoalInput("now must be timezone-aware")
