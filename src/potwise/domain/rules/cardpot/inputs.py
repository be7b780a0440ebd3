"""What a card-pot decision is given: snapshots of the cards, the pot and the
current account as they are now, and the rule's config. Validated on
construction; money is ``int`` pence in the user's signs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from potwise.domain.mirror import BankTransaction
from potwise.domain.rules.cardpot.model import InvalidCardPotConfig, InvalidCardPotInput

__all__ = [
    "MAX_COOLDOWN_HOURS",
    "CardPotConfig",
    "CardSnapshot",
    "CurrentAccountSnapshot",
    "PotSnapshot",
    "check_aware",
    "check_int",
]

MAX_COOLDOWN_HOURS: Final = 72

_CONFIG_FIELDS: Final = frozenset(
    {
        "pot_id",
        "card_account_ids",
        "cooldown_hours",
        "override_cooldown_on_spending",
        "max_transfer",
        "max_per_day",
    }
)


def check_int(value: object, what: str) -> int:
    """`value`, if it is an int of minor units (a bool is not); else ``TypeError``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int of minor units, not {type(value).__name__}")
    return value


def check_aware(value: datetime, what: str) -> datetime:
    """`value`, if it is timezone-aware; else ``ValueError``."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime")
    return value


@dataclass(frozen=True, slots=True)
class CardSnapshot:
    """One card as seen now. ``balance`` is the posted balance in the user's view
    (owed is negative). ``pending`` are the card's pending transactions;
    ``posted`` its settled ones, at least those since the previous decision
    (a few weeks is right). ``credit_limit``/``available`` are used for Lloyds
    group cards only. ``name`` is shown in explanations (default: the issuer)."""

    account_id: str
    provider_id: str
    currency: str
    balance: int
    pending: tuple[BankTransaction, ...] = ()
    posted: tuple[BankTransaction, ...] = ()
    name: str | None = None
    credit_limit: int | None = None
    available: int | None = None

    def __post_init__(self) -> None:
        check_int(self.balance, "card balance")


@dataclass(frozen=True, slots=True)
class PotSnapshot:
    """The rule's pot: ``balance`` is never negative."""

    pot_id: str
    balance: int
    currency: str
    deleted: bool = False

    def __post_init__(self) -> None:
        if check_int(self.balance, "pot balance") < 0:
            raise InvalidCardPotInput(f"a pot balance cannot be negative, got {self.balance}")


@dataclass(frozen=True, slots=True)
class CurrentAccountSnapshot:
    """The current account deposits come from: its available balance now."""

    available: int
    currency: str

    def __post_init__(self) -> None:
        check_int(self.available, "available balance")


@dataclass(frozen=True, slots=True)
class CardPotConfig:
    """A ``card_pot`` rule's config; amounts in pence. Validated on construction."""

    pot_id: str
    card_account_ids: tuple[str, ...]
    cooldown_hours: int = 3
    override_cooldown_on_spending: bool = True
    max_transfer: int = 100_000
    max_per_day: int = 300_000

    def __post_init__(self) -> None:
        if not isinstance(self.pot_id, str) or not self.pot_id:
            raise InvalidCardPotConfig("pot_id is required")
        object.__setattr__(self, "card_account_ids", _card_ids(self.card_account_ids))
        hours = self.cooldown_hours
        if isinstance(hours, bool) or not isinstance(hours, int):
            raise InvalidCardPotConfig("cooldown_hours must be a whole number of hours")
        if not 0 <= hours <= MAX_COOLDOWN_HOURS:
            raise InvalidCardPotConfig(
                f"cooldown_hours must be between 0 and {MAX_COOLDOWN_HOURS}, got {hours}"
            )
        if not isinstance(self.override_cooldown_on_spending, bool):
            raise InvalidCardPotConfig("override_cooldown_on_spending must be true or false")
        for name in ("max_transfer", "max_per_day"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise InvalidCardPotConfig(f"{name} must be a positive amount in pence")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CardPotConfig:
        """Build from the API's ``config`` object; unknown keys are refused."""
        unknown = sorted(set(data) - _CONFIG_FIELDS)
        if unknown:
            raise InvalidCardPotConfig(f"unknown config field(s): {', '.join(unknown)}")
        if "pot_id" not in data or "card_account_ids" not in data:
            raise InvalidCardPotConfig("pot_id and card_account_ids are required")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        """The JSON ``config`` object."""
        return {
            "pot_id": self.pot_id,
            "card_account_ids": list(self.card_account_ids),
            "cooldown_hours": self.cooldown_hours,
            "override_cooldown_on_spending": self.override_cooldown_on_spending,
            "max_transfer": self.max_transfer,
            "max_per_day": self.max_per_day,
        }


def _card_ids(ids: object) -> tuple[str, ...]:
    """The config's card ids as a tuple, if they are a list of distinct non-empty ids."""
    if isinstance(ids, str) or not isinstance(ids, Sequence):
        raise InvalidCardPotConfig("card_account_ids must be a list of account ids")
    listed = tuple(ids)
    if not listed:
        raise InvalidCardPotConfig("choose at least one card")
    if any(not isinstance(i, str) or not i for i in listed):
        raise InvalidCardPotConfig("card_account_ids must be non-empty strings")
    if len(set(listed)) != len(listed):
        raise InvalidCardPotConfig("a card is listed twice")
    return listed
