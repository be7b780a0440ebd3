"""Builders for the salary-sorter tests: configs, credits, pots and one sort."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime

from potwise.domain.rules.autosort import (
    AutosortConfig,
    AutosortState,
    IncomeCredit,
    PotView,
    SortStep,
    StepKind,
    decide_autosort,
)
from potwise.domain.rules.moves import RuleDecision

# Friday 27 Nov 2026, GMT in London: local times in explanations equal these.
T0 = datetime(2026, 11, 27, 9, 14, tzinfo=UTC)
PAYDAY = date(2026, 12, 25)  # a Friday
BIG = 10_000_000  # the highest limits: nothing a test credit holds is capped by them

POT_NAMES = {
    "bills": "Bills",
    "savings": "Savings",
    "spending": "Spending",
    "rent": "Rent",
    "car": "Car",
    "holiday": "Holiday",
}


def fixed(pot_id: str, amount: int) -> SortStep:
    return SortStep(pot_id, StepKind.FIXED, amount=amount)


def percent(pot_id: str, bp: int) -> SortStep:
    return SortStep(pot_id, StepKind.PERCENT, percent_bp=bp)


def bills(pot_id: str = "bills") -> SortStep:
    return SortStep(pot_id, StepKind.BILLS)


def rest(pot_id: str = "spending") -> SortStep:
    return SortStep(pot_id, StepKind.REST)


def config(
    *steps: SortStep, max_transfer: int = BIG, max_per_day: int = BIG, **kwargs: object
) -> AutosortConfig:
    """A salary sorter (``income="salary"`` unless given) over `steps`."""
    income = kwargs.pop("income", "salary")
    return AutosortConfig(
        income=income,  # type: ignore[arg-type]
        steps=steps,
        max_transfer=max_transfer,
        max_per_day=max_per_day,
        **kwargs,  # type: ignore[arg-type]
    )


def credit(amount: int, *, tx_id: str = "tx-pay-1", description: str = "ACME LTD") -> IncomeCredit:
    return IncomeCredit(transaction_id=tx_id, amount=amount, at=T0, description=description)


def pots(
    *, balances: Mapping[str, int] | None = None, deleted: tuple[str, ...] = ()
) -> dict[str, PotView]:
    """Every test pot, empty unless `balances` says otherwise."""
    held = balances or {}
    return {
        pot_id: PotView(balance=held.get(pot_id, 0), deleted=pot_id in deleted, name=name)
        for pot_id, name in POT_NAMES.items()
    }


def sort(
    cfg: AutosortConfig,
    pay: IncomeCredit,
    *,
    available: int | None = None,
    balances: Mapping[str, int] | None = None,
    deleted: tuple[str, ...] = (),
    bills_due: Mapping[str, int] | None = None,
    next_payday: date | None = PAYDAY,
    moved_today: int = 0,
    state: AutosortState | None = None,
) -> RuleDecision:
    """One sort of `pay`; the current account holds the credit unless `available` says."""
    return decide_autosort(
        cfg,
        credit=pay,
        available=pay.amount if available is None else available,
        pots=pots(balances=balances, deleted=deleted),
        bills_due=bills_due or {},
        next_payday=next_payday,
        moved_today=moved_today,
        state=state,
        now=T0,
    )


def moved(decision: RuleDecision) -> tuple[tuple[str, int], ...]:
    """The decision's moves as (pot, pence), in order."""
    return tuple((m.pot_id, m.amount) for m in decision.moves)
