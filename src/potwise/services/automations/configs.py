"""Each rule kind's config as a typed model: what the API shows (OpenAPI, one model per
kind) and what is stored.

Amounts are pence. Where a person types an amount, a string is read as pounds the way
they write it ("£1,000", "1000", "12.50"); a third decimal place ("12.345") is refused,
never rounded. Whole numbers (JSON integers) are pence, as everywhere in the API.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    model_validator,
)

from potwise.domain.errors import DomainError
from potwise.domain.money import Money
from potwise.domain.rules import checks
from potwise.services.errors import InvalidInput

# £100,000: a limit or an amount above this is a typo, not a rule (one figure, the domain's).
MAX_LIMIT = checks.MAX_LIMIT

# The latest time of day a sweep may be set for (local time).
LATEST_SWEEP = "23:30"

KINDS = ("card_pot", "sweep", "autosort", "topup", "goal")


def _pence(value: object) -> object:
    """Pence from a JSON integer, or from an amount typed in pounds ("£1,000", "12.50")."""
    if isinstance(value, bool):
        raise ValueError("must be an amount, not true or false")
    if isinstance(value, str):
        try:
            parsed = Money.parse(value, "GBP")
        except DomainError as exc:
            raise ValueError(
                f"{value.strip()!r} is not an amount in pounds and pence (e.g. £1,000 or 12.50)"
            ) from exc
        return parsed.minor
    return value


Pence = Annotated[int, BeforeValidator(_pence), Field(ge=0, le=MAX_LIMIT, strict=False)]
Limit = Annotated[int, BeforeValidator(_pence), Field(ge=1, le=MAX_LIMIT, strict=False)]
RowId = Annotated[str, Field(min_length=1, max_length=64)]
LocalTime = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CardPotConfig(_Config):
    """Keep a pot equal to what one or more credit cards owe."""

    pot_id: RowId
    card_account_ids: list[RowId] = Field(min_length=1, max_length=10)
    cooldown_hours: StrictInt = Field(default=3, ge=0, le=72)
    override_cooldown_on_spending: StrictBool = True
    max_transfer: Limit = 100_000
    max_per_day: Limit = 300_000

    @model_validator(mode="after")
    def _cards_once(self) -> CardPotConfig:
        if len(set(self.card_account_ids)) != len(self.card_account_ids):
            raise ValueError("card_account_ids lists a card twice")
        return self


class SweepConfig(_Config):
    """Move what is above a threshold in the current account into a pot, on a schedule."""

    pot_id: RowId
    threshold: Pence
    keep_for_bills: StrictBool = True
    schedule: Literal["daily", "weekly", "before_payday"] = "daily"
    time: LocalTime = "20:00"
    weekday: StrictInt | None = Field(default=None, ge=0, le=6, description="0 is Monday")
    round_to: StrictInt = Field(
        default=100, ge=1, le=100_000, description="pence; 100 is whole pounds"
    )
    max_transfer: Limit = 100_000
    max_per_day: Limit = 300_000

    @model_validator(mode="after")
    def _weekday(self) -> SweepConfig:
        if self.time > LATEST_SWEEP:
            # A slot is due until the end of its day, and the clock looks every few
            # minutes: a later time could be missed.
            raise ValueError(f"a sweep's time is at the latest {LATEST_SWEEP}")
        if self.schedule == "weekly" and self.weekday is None:
            raise ValueError("weekday is needed for a weekly sweep (0 is Monday)")
        if self.schedule != "weekly" and self.weekday is not None:
            raise ValueError("weekday is only for a weekly sweep")
        return self


class TopupConfig(_Config):
    """When the current account falls below a floor, withdraw from a pot up to a target."""

    pot_id: RowId
    floor: Pence
    target: Pence
    pot_floor: Pence = 0
    cooldown_hours: StrictInt = Field(default=6, ge=0, le=72)
    max_transfer: Limit = 100_000
    max_per_day: Limit = 300_000

    @model_validator(mode="after")
    def _target(self) -> TopupConfig:
        if self.target < self.floor:
            raise ValueError("target must be at least the floor")
        return self


class SortStep(_Config):
    """One step of a salary sorter: a fixed amount, a percentage of the pay, the
    bills due from the pot before payday, or the rest."""

    pot_id: RowId
    kind: Literal["fixed", "percent", "bills", "rest"]
    amount: Pence | None = None
    percent: Decimal | None = Field(default=None, gt=0, le=100, decimal_places=2)

    @model_validator(mode="after")
    def _fields(self) -> SortStep:
        if self.kind == "fixed" and not self.amount:
            raise ValueError("a fixed step needs an amount above zero")
        if self.kind == "percent" and self.percent is None:
            raise ValueError("a percent step needs a percent")
        if self.kind != "fixed" and self.amount is not None:
            raise ValueError("only a fixed step has an amount")
        if self.kind != "percent" and self.percent is not None:
            raise ValueError("only a percent step has a percent")
        return self

    @property
    def percent_bp(self) -> int | None:
        return None if self.percent is None else int(self.percent * 100)


class AutosortConfig(_Config):
    """When pay lands on the current account, share it out to pots in ordered steps."""

    income: Literal["salary", "payer"] = "salary"
    payer: str | None = Field(default=None, min_length=1, max_length=80)
    min_amount: Pence = 0
    steps: list[SortStep] = Field(min_length=1, max_length=20)
    max_transfer: Limit = 1_000_000
    max_per_day: Limit = 2_000_000

    @model_validator(mode="after")
    def _steps(self) -> AutosortConfig:
        if self.income == "payer" and not self.payer:
            raise ValueError("payer is needed when income is 'payer'")
        if self.income == "salary" and (self.payer is not None or self.min_amount):
            raise ValueError("payer and min_amount are only for income 'payer'")
        pots = [s.pot_id for s in self.steps]
        if len(set(pots)) != len(pots):
            raise ValueError("each pot may appear in one step only")
        rests = [i for i, s in enumerate(self.steps) if s.kind == "rest"]
        if rests and rests != [len(self.steps) - 1]:
            raise ValueError("one 'rest' step at most, and it comes last")
        percent = sum((s.percent or Decimal(0)) for s in self.steps)
        if percent > 100:
            raise ValueError("the percent steps add up to more than 100")
        return self

    @property
    def pot_ids(self) -> list[str]:
        return [s.pot_id for s in self.steps]


class GoalConfig(_Config):
    """Fund a pot toward a target amount by a date."""

    pot_id: RowId
    target_amount: Limit
    target_date: date
    contribute_on_payday: StrictBool = False
    max_transfer: Limit = 100_000
    max_per_day: Limit = 100_000


RuleConfig = CardPotConfig | SweepConfig | TopupConfig | AutosortConfig | GoalConfig

MODELS: dict[str, type[RuleConfig]] = {
    "card_pot": CardPotConfig,
    "sweep": SweepConfig,
    "autosort": AutosortConfig,
    "topup": TopupConfig,
    "goal": GoalConfig,
}


def parse(kind: str, config: dict[str, Any]) -> RuleConfig:
    """The kind's typed config; a plain message naming the first bad field otherwise."""
    model = MODELS.get(kind)
    if model is None:
        raise InvalidInput(f"Unknown kind {kind!r}; one of {', '.join(KINDS)}.")
    try:
        return model.model_validate(config)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in ("config", *first.get("loc", ())))
        message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        raise InvalidInput(f"{where}: {message}") from None


def stored(config: RuleConfig) -> dict[str, Any]:
    """The config as stored (JSON-safe; amounts in pence, dates ISO, percents as text)."""
    return config.model_dump(mode="json")


def pot_ids(kind: str, config: dict[str, Any]) -> list[str]:
    """Every pot a stored config moves money into or out of, in its order."""
    if kind == "autosort":
        return [str(step.get("pot_id", "")) for step in config.get("steps", [])]
    pot = config.get("pot_id")
    return [str(pot)] if pot else []


def defaults(kind: str) -> dict[str, Any]:
    """The kind's optional fields with their defaults (what a new rule's form shows)."""
    return {
        name: field.default
        for name, field in MODELS[kind].model_fields.items()
        if not field.is_required()
    }
