"""The sort itself: what each step asks for (one function per kind of step), and the
walk that turns the asks into amounts, in the steps' order.

The walk keeps ``left``: the part of the credit on the current account not yet
claimed (at first the credit, or the available balance when that is lower).
Each step claims ``min(its ask, left)``, then the limits may move less than
the claim: ``max_transfer`` each move, what is left of ``max_per_day``. What
a limit holds back, and the claim of a step whose pot was deleted, stay in the
current account: they are not passed on to later steps, so a limit on the
bills pot never fattens the spending pot and a deleted savings pot's share is
not spent by the ``rest``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from potwise.domain.money import Money
from potwise.domain.rules.autosort.inputs import AutosortConfig, PotView, SortStep
from potwise.domain.rules.autosort.model import InvalidAutosortInput, StepKind, StepOutcome
from potwise.domain.rules.moves import cap

__all__ = ["percent_shares", "sort_steps"]

_FULL: Final = 10_000  # basis points in 100%


def percent_shares(steps: tuple[SortStep, ...], credit: int, currency: str) -> dict[int, int]:
    """Each percent step's share of `credit`, by step index, worked out together.

    The credit is split by largest remainders into the percent steps and one
    last part for what they leave, so the parts add up to the credit exactly:
    rounding neither loses nor invents a penny (3 x 33.33% of £100.00 is
    £33.33 each and 1p left), and each share is within a penny of its exact
    value.
    """
    indexed = [(i, s.percent_bp or 0) for i, s in enumerate(steps) if s.kind is StepKind.PERCENT]
    if not indexed:
        return {}
    ratios = [bp for _, bp in indexed]
    ratios.append(_FULL - sum(ratios))
    parts = Money(credit, currency).allocate(ratios)
    return {i: part.minor for (i, _), part in zip(indexed, parts[:-1], strict=True)}


def _bills_ask(step: SortStep, pot: PotView, bills_due: Mapping[str, int]) -> tuple[int, int]:
    """(the ask, the bills due): what tops the pot up to the bills due from it."""
    due = bills_due.get(step.pot_id, 0)
    return max(0, due - pot.balance), due


def sort_steps(
    config: AutosortConfig,
    *,
    credit: int,
    available: int,
    pots: Mapping[str, PotView],
    bills_due: Mapping[str, int],
    moved_today: int,
    currency: str,
) -> tuple[StepOutcome, ...]:
    """What every step of `config` comes to for a credit of `credit` pence."""
    shares = percent_shares(config.steps, credit, currency)
    left = max(0, min(credit, available))
    asked = 0  # what the earlier steps asked for: the rest is what the credit has beyond it
    moved = 0
    outcomes = []
    for i, step in enumerate(config.steps):
        pot = pots.get(step.pot_id)
        if pot is None:
            raise InvalidAutosortInput(f"the pot of step {i + 1} was not given")
        due: int | None = None
        if step.kind is StepKind.PERCENT:
            want = shares[i]
        elif step.kind is StepKind.FIXED:
            want = step.amount or 0
        elif step.kind is StepKind.BILLS:
            want, due = _bills_ask(step, pot, bills_due)
        else:
            want = max(0, credit - asked)
        asked += want
        claim = min(want, left)
        left -= claim
        limited = cap(
            0 if pot.deleted else claim,
            max_transfer=config.max_transfer,
            max_per_day=config.max_per_day,
            moved_today=moved_today + moved,
        )
        moved += limited.amount
        outcomes.append(
            StepOutcome(
                index=i,
                kind=step.kind,
                pot_id=step.pot_id,
                pot_name=pot.name,
                percent_bp=step.percent_bp,
                want=want,
                claim=claim,
                amount=limited.amount,
                deleted=pot.deleted,
                by_transfer_limit=limited.by_transfer_limit,
                by_daily_limit=limited.by_daily_limit,
                due=due,
                held=None if due is None else pot.balance,
            )
        )
    return tuple(outcomes)
