"""The salary sorter's decision: how a credit that landed is sorted into pots, as a
pure function.

:func:`decide_autosort` is given a credit the caller has matched
(:func:`~potwise.domain.rules.autosort.income.matches_income`), the current
account's available balance after it landed, the step's pots, the bills due
from each pot before the next payday, what the rule already moved today and
its stored state. It walks the steps (``steps``) and returns a
:class:`~potwise.domain.rules.moves.RuleDecision`: one deposit per step that
moves something, in the steps' order.

* **Once per pay event**: a credit already in the state's ``sorted_credits``
  moves nothing (``already_sorted``): the webhook and a sync both deliver it.
* **Marked sorted whatever came of it**: the new state adds the credit even
  when nothing could move (a bills pot already full, today's limit used up)
  and when the current account held less than the credit (money spent, or
  not there yet). Sorting it again later would sort money the user may have
  spent or moved by hand since; the explanation says what was not sorted.
  The state is stored once the moves are confirmed, so a failed move leaves
  the credit to sort again on the next run.
* **Reasons**: ``sorted``; ``partly_sorted`` when the limits or the credit on
  the current account cut a step; ``nothing_to_sort`` when no step moves;
  ``pot_deleted`` (with a notice, once per credit) when a step's pot was
  deleted: that step's share stays in the current account.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from potwise.domain.calendar import DEFAULT_TIMEZONE
from potwise.domain.rules.autosort import explain
from potwise.domain.rules.autosort.inputs import AutosortConfig, IncomeCredit, PotView, whole
from potwise.domain.rules.autosort.model import InvalidAutosortInput, Reason, StepOutcome
from potwise.domain.rules.autosort.state import AutosortState
from potwise.domain.rules.autosort.steps import sort_steps
from potwise.domain.rules.moves import Direction, Move, RuleDecision

__all__ = ["decide_autosort"]


def decide_autosort(
    config: AutosortConfig,
    *,
    credit: IncomeCredit,
    available: int,
    pots: Mapping[str, PotView],
    bills_due: Mapping[str, int],
    next_payday: date | None,
    moved_today: int,
    state: AutosortState | None,
    now: datetime,
    tz: str = DEFAULT_TIMEZONE,
    currency: str = "GBP",
) -> RuleDecision:
    """Decide how the salary sorter sorts `credit` (the policy: this module's docs).

    ``available`` is the current account's spendable balance with the credit in
    it; ``pots`` must hold every step's pot (a deleted one with ``deleted``);
    ``bills_due`` the commitments due from a pot before ``next_payday`` (a pot
    not in it has none due). ``moved_today`` is what the rule moved today (the
    caller decides the day, in the user's zone). ``now`` is timezone-aware;
    ``tz`` only changes how times are written.
    """
    _check_inputs(available, bills_due, moved_today, now)
    prior = state or AutosortState()
    if prior.has_sorted(credit.transaction_id):
        return _already_sorted(config, credit, prior, tz, currency)
    outcomes = sort_steps(
        config,
        credit=credit.amount,
        available=available,
        pots=pots,
        bills_due=bills_due,
        moved_today=moved_today,
        currency=currency,
    )
    moves = tuple(
        Move(o.pot_id, Direction.DEPOSIT, o.amount, explain.move_reason(config, o))
        for o in outcomes
        if o.amount
    )
    reason = _reason(outcomes, bool(moves))
    text = explain.sort_text(
        config, credit, outcomes, available=available, next_payday=next_payday, currency=currency
    )
    return RuleDecision(
        moves=moves,
        reason=reason,
        explanation=text,
        currency=currency,
        new_state=prior.after_sorting(credit.transaction_id, now).to_dict(),
        notify=explain.deleted_notice(config, credit, outcomes, currency),
        status_reason=Reason.POT_DELETED if reason is Reason.POT_DELETED else None,
        capped=any(o.capped for o in outcomes),
        figures=_figures(credit, available, moved_today, outcomes),
    )


def _already_sorted(
    config: AutosortConfig, credit: IncomeCredit, prior: AutosortState, tz: str, currency: str
) -> RuleDecision:
    """The credit was sorted on an earlier run: nothing moves, the state stays."""
    return RuleDecision(
        moves=(),
        reason=Reason.ALREADY_SORTED,
        explanation=explain.already_sorted(config, credit, prior, tz=tz, currency=currency),
        currency=currency,
        figures={"credit": credit.amount, "transaction_id": credit.transaction_id},
    )


def _reason(outcomes: Sequence[StepOutcome], moved: bool) -> Reason:
    if any(o.deleted for o in outcomes):
        return Reason.POT_DELETED
    if not moved:
        return Reason.NOTHING_TO_SORT
    if any(o.short or o.capped for o in outcomes):
        return Reason.PARTLY_SORTED
    return Reason.SORTED


def _figures(
    credit: IncomeCredit, available: int, moved_today: int, outcomes: Sequence[StepOutcome]
) -> dict[str, Any]:
    """The numbers the sort used, for the run's history."""
    moved = sum(o.amount for o in outcomes)
    there = max(0, min(credit.amount, available))
    return {
        "credit": credit.amount,
        "transaction_id": credit.transaction_id,
        "available": available,
        "moved_today": moved_today,
        "steps": [o.to_dict() for o in outcomes],
        "moved": moved,
        "left_over": there - moved,
    }


def _check_inputs(
    available: int, bills_due: Mapping[str, int], moved_today: int, now: datetime
) -> None:
    if not whole(available):
        raise InvalidAutosortInput("available must be whole pence")
    if not whole(moved_today) or moved_today < 0:
        raise InvalidAutosortInput("moved_today must be whole pence >= 0")
    for pot_id, due in bills_due.items():
        if not whole(due) or due < 0:
            raise InvalidAutosortInput(f"the bills due from pot {pot_id} must be whole pence >= 0")
    if now.tzinfo is None or now.utcoffset() is None:
        raise InvalidAutosortInput("now must be timezone-aware")
