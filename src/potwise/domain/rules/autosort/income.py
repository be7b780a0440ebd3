"""Which credit the salary sorter sorts: the matcher, apart from the decision, so the
caller can ask it of every credit that lands and decide only for the one that matches."""

from __future__ import annotations

from potwise.domain.rules.autosort.inputs import AutosortConfig, IncomeCredit
from potwise.domain.rules.autosort.model import Income

__all__ = ["matches_income"]


def matches_income(config: AutosortConfig, credit: IncomeCredit, *, is_salary: bool) -> bool:
    """Whether `credit` is the income the sorter sorts.

    ``salary``: the credit is the user's confirmed salary, which only the caller
    knows (it matched the salary commitment), so ``is_salary`` is the answer.
    ``payer``: the payer's name (as configured) is in the credit's description,
    in any case, and the credit is at least ``min_amount``.
    """
    if config.income is Income.SALARY:
        return is_salary
    payer = config.payer or ""
    return credit.amount >= config.min_amount and payer.casefold() in credit.description.casefold()
