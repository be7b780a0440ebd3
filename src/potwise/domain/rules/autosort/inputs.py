"""What a salary-sorter decision is given: the rule's config (its steps and limits,
validated on construction), the credit that landed, and the pots it sorts into.
Money is ``int`` pence; a percentage is ``int`` basis points (10000 = 100%)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, TypeGuard

from potwise.domain.rules.autosort.model import (
    MAX_AMOUNT,
    MAX_STEPS,
    Income,
    InvalidAutosortInput,
    StepKind,
)
from potwise.domain.rules.moves import InvalidRuleConfig

__all__ = ["AutosortConfig", "IncomeCredit", "PotView", "SortStep", "whole"]

_CONFIG_FIELDS: Final = frozenset(
    {"income", "payer", "min_amount", "steps", "max_transfer", "max_per_day"}
)
_STEP_FIELDS: Final = frozenset({"pot_id", "kind", "amount", "percent_bp"})
_KINDS: Final = ", ".join(str(k) for k in StepKind)


def whole(value: object) -> TypeGuard[int]:
    """Whether `value` is a whole number (an int, not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class SortStep:
    """One step: send ``amount`` pence (``fixed``), ``percent_bp`` of the credit
    (``percent``), what tops the pot up to the bills due from it before the next
    payday (``bills``), or whatever is left (``rest``) to the pot ``pot_id``.

    Errors name the field alone; the config adds which step (``steps[2].``)."""

    pot_id: str
    kind: StepKind
    amount: int | None = None
    percent_bp: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.pot_id, str) or not self.pot_id:
            raise InvalidRuleConfig("pot_id is required")
        try:
            object.__setattr__(self, "kind", StepKind(self.kind))
        except ValueError:
            raise InvalidRuleConfig(f"kind must be one of {_KINDS}, not {self.kind!r}") from None
        if self.kind is StepKind.FIXED:
            if not whole(self.amount) or not 0 < self.amount <= MAX_AMOUNT:
                raise InvalidRuleConfig(
                    f"amount must be whole pence between 1 and {MAX_AMOUNT} for a fixed step"
                )
        elif self.amount is not None:
            raise InvalidRuleConfig(f"amount is only for a fixed step, not a {self.kind} one")
        if self.kind is StepKind.PERCENT:
            if not whole(self.percent_bp) or not 0 < self.percent_bp <= 10_000:
                raise InvalidRuleConfig(
                    "percent_bp must be whole basis points between 1 and 10000 (0.01% to 100%)"
                )
        elif self.percent_bp is not None:
            raise InvalidRuleConfig(f"percent_bp is only for a percent step, not a {self.kind} one")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SortStep:
        """Build from one of the API's ``steps``; unknown keys are refused."""
        unknown = sorted(set(data) - _STEP_FIELDS)
        if unknown:
            raise InvalidRuleConfig(f"unknown field(s): {', '.join(unknown)}")
        if "pot_id" not in data or "kind" not in data:
            raise InvalidRuleConfig("pot_id and kind are required")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"pot_id": self.pot_id, "kind": str(self.kind)}
        if self.amount is not None:
            data["amount"] = self.amount
        if self.percent_bp is not None:
            data["percent_bp"] = self.percent_bp
        return data


@dataclass(frozen=True, slots=True)
class AutosortConfig:
    """An ``autosort`` rule's config. Validated on construction: 1 to 20 steps,
    each pot once, percentages together at most 100%, at most one ``rest`` step
    and it comes last; ``payer`` (and ``min_amount``) only for ``payer`` income.
    ``max_transfer`` caps each move, ``max_per_day`` the day's total."""

    income: Income
    steps: tuple[SortStep, ...]
    max_transfer: int
    max_per_day: int
    payer: str | None = None
    min_amount: int = 0

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "income", Income(self.income))
        except ValueError:
            raise InvalidRuleConfig("income must be 'salary' or 'payer'") from None
        self._check_payer()
        if isinstance(self.steps, str) or not isinstance(self.steps, Sequence):
            raise InvalidRuleConfig("steps must be a list of steps")
        object.__setattr__(self, "steps", tuple(self.steps))
        _check_steps(self.steps)
        for name in ("max_transfer", "max_per_day"):
            value = getattr(self, name)
            if not whole(value) or not 0 < value <= MAX_AMOUNT:
                raise InvalidRuleConfig(f"{name} must be whole pence between 1 and {MAX_AMOUNT}")

    def _check_payer(self) -> None:
        if not whole(self.min_amount) or not 0 <= self.min_amount <= MAX_AMOUNT:
            raise InvalidRuleConfig(f"min_amount must be whole pence between 0 and {MAX_AMOUNT}")
        if self.income is Income.SALARY:
            if self.payer is not None:
                raise InvalidRuleConfig("payer must be empty when the income is the salary")
            if self.min_amount:
                raise InvalidRuleConfig("min_amount is only used when the income is a payer's")
            return
        if not isinstance(self.payer, str) or not self.payer.strip():
            raise InvalidRuleConfig("payer is required: part of the payer's name, as banks show it")
        object.__setattr__(self, "payer", self.payer.strip())

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AutosortConfig:
        """Build from the API's ``config`` object; unknown keys are refused."""
        unknown = sorted(set(data) - _CONFIG_FIELDS)
        if unknown:
            raise InvalidRuleConfig(f"unknown config field(s): {', '.join(unknown)}")
        missing = sorted({"income", "steps", "max_transfer", "max_per_day"} - set(data))
        if missing:
            raise InvalidRuleConfig(f"missing config field(s): {', '.join(missing)}")
        raw_steps = data["steps"]
        if isinstance(raw_steps, str) or not isinstance(raw_steps, Sequence):
            raise InvalidRuleConfig("steps must be a list of steps")
        steps = []
        for i, raw in enumerate(raw_steps):
            if not isinstance(raw, Mapping):
                raise InvalidRuleConfig(f"steps[{i}] must be an object")
            try:
                steps.append(SortStep.from_dict(raw))
            except InvalidRuleConfig as exc:
                raise InvalidRuleConfig(f"steps[{i}].{exc.message}") from None
        return cls(**{**data, "steps": tuple(steps)})

    def to_dict(self) -> dict[str, Any]:
        """The JSON ``config`` object."""
        return {
            "income": str(self.income),
            "payer": self.payer,
            "min_amount": self.min_amount,
            "steps": [step.to_dict() for step in self.steps],
            "max_transfer": self.max_transfer,
            "max_per_day": self.max_per_day,
        }


def _check_steps(steps: tuple[SortStep, ...]) -> None:
    """The rules across steps; each step checked its own fields when built."""
    if not 1 <= len(steps) <= MAX_STEPS:
        raise InvalidRuleConfig(f"steps must hold between 1 and {MAX_STEPS} steps")
    seen: set[str] = set()
    percent = 0
    for i, step in enumerate(steps):
        if not isinstance(step, SortStep):
            raise InvalidRuleConfig(f"steps[{i}] must be a step")
        if step.pot_id in seen:
            raise InvalidRuleConfig(
                f"steps[{i}].pot_id: the pot is already in an earlier step (each pot once)"
            )
        seen.add(step.pot_id)
        if step.kind is StepKind.REST and i != len(steps) - 1:
            raise InvalidRuleConfig(f"steps[{i}].kind: the rest step must be the last step")
        if step.kind is StepKind.PERCENT:
            percent += step.percent_bp or 0
            if percent > 10_000:
                raise InvalidRuleConfig(
                    f"steps[{i}].percent_bp: the percentages add up to more than 100%"
                )


@dataclass(frozen=True, slots=True)
class IncomeCredit:
    """A credit that landed on the current account: ``amount`` pence (> 0), when,
    and the description the bank gave it (the payer's name, usually)."""

    transaction_id: str
    amount: int
    at: datetime
    description: str

    def __post_init__(self) -> None:
        if not isinstance(self.transaction_id, str) or not self.transaction_id:
            raise InvalidAutosortInput("a credit needs its transaction id")
        if not whole(self.amount) or self.amount <= 0:
            raise InvalidAutosortInput(f"a credit is a positive amount in pence: {self.amount!r}")
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise InvalidAutosortInput("a credit's time must be timezone-aware")
        if not isinstance(self.description, str):
            raise InvalidAutosortInput("a credit's description must be text")


@dataclass(frozen=True, slots=True)
class PotView:
    """A pot a step sends to, as it is now: its balance (>= 0), whether it was
    deleted in the Monzo app, and its name (for explanations)."""

    balance: int
    deleted: bool
    name: str

    def __post_init__(self) -> None:
        if not whole(self.balance) or self.balance < 0:
            raise InvalidAutosortInput(f"a pot balance is whole pence >= 0: {self.balance!r}")
