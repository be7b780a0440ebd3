"""The salary sorter's vocabulary: its errors, the kinds of income and of step, the
reason codes, and what became of each step of a sort."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from potwise.domain.errors import DomainError

__all__ = [
    "MAX_AMOUNT",
    "MAX_STEPS",
    "Income",
    "InvalidAutosortInput",
    "InvalidAutosortState",
    "Reason",
    "StepKind",
    "StepOutcome",
]

#: The most a limit or a fixed step may be: £100,000.00.
MAX_AMOUNT: Final = 10_000_000
#: The most steps one sorter may have.
MAX_STEPS: Final = 20


class InvalidAutosortInput(DomainError):
    """The figures given to the decision do not fit the rule (a step's pot missing,
    a negative amount)."""

    code = "invalid_autosort_input"


class InvalidAutosortState(DomainError):
    """A stored salary-sorter state cannot be read (unknown version, bad fields)."""

    code = "invalid_autosort_state"


class Income(StrEnum):
    """Which credits the sorter sorts. Stored in configs: never rename."""

    SALARY = "salary"  # the user's confirmed salary: the caller says which credit it is
    PAYER = "payer"  # a credit from a named payer, of at least a minimum amount


class StepKind(StrEnum):
    """What one step sends to its pot. Stored in configs: never rename."""

    FIXED = "fixed"
    PERCENT = "percent"
    BILLS = "bills"
    REST = "rest"


class Reason(StrEnum):
    """Stable reason codes: stored in run history and shown. Never rename."""

    SORTED = "sorted"
    PARTLY_SORTED = "partly_sorted"
    ALREADY_SORTED = "already_sorted"
    NOTHING_TO_SORT = "nothing_to_sort"
    POT_DELETED = "pot_deleted"


@dataclass(frozen=True, slots=True)
class StepOutcome:
    """What one step came to, with the figures its explanation quotes.

    ``want`` is what the step asks for (a share, a fixed amount, the bills gap,
    or what the credit has left after the earlier steps' asks); ``claim`` is the
    part of it the credit still held on the current account; ``amount`` what
    moves once the limits had their say (0: the step is skipped). ``due`` and
    ``held`` are a bills step's figures (None for other kinds)."""

    index: int
    kind: StepKind
    pot_id: str
    pot_name: str
    percent_bp: int | None
    want: int
    claim: int
    amount: int
    deleted: bool
    by_transfer_limit: bool
    by_daily_limit: bool
    due: int | None = None
    held: int | None = None

    @property
    def short(self) -> bool:
        """The credit on the current account did not cover the step's ask."""
        return self.claim < self.want

    @property
    def capped(self) -> bool:
        """A limit moved less than the step's claim."""
        return not self.deleted and self.amount < self.claim

    def to_dict(self) -> dict[str, object]:
        """JSON-safe, for the run's figures."""
        data: dict[str, object] = {
            "pot_id": self.pot_id,
            "kind": str(self.kind),
            "want": self.want,
            "claim": self.claim,
            "amount": self.amount,
        }
        if self.percent_bp is not None:
            data["percent_bp"] = self.percent_bp
        if self.due is not None:
            data["due"] = self.due
            data["held"] = self.held
        if self.deleted:
            data["deleted"] = True
        if self.capped:
            data["capped"] = True
        return data
