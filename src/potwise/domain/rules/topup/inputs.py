"""What a top-up decision is given: the rule's config and a snapshot of the current
account and the pot as they are now. Both are validated on construction; money is
``int`` pence."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from potwise.domain.calendar import DEFAULT_TIMEZONE
from potwise.domain.rules.checks import (
    config_keys,
    config_limits,
    config_pence,
    config_pot_id,
    input_currency,
    input_pence,
    input_utc,
    input_zone,
)
from potwise.domain.rules.moves import InvalidRuleConfig
from potwise.domain.rules.topup.model import InvalidTopupInput

__all__ = ["MAX_COOLDOWN_HOURS", "TopupConfig", "TopupInputs"]

MAX_COOLDOWN_HOURS: Final = 72

_FIELDS: Final = frozenset(
    {"pot_id", "floor", "target", "pot_floor", "cooldown_hours", "max_transfer", "max_per_day"}
)
_REQUIRED: Final = frozenset({"pot_id", "floor", "target"})


@dataclass(frozen=True, slots=True, kw_only=True)
class TopupConfig:
    """A ``topup`` rule's config; amounts in pence. Validated on construction.

    When the current account's available balance is below ``floor``, the rule
    withdraws from the pot to bring it up to ``target`` (>= ``floor``), never
    taking the pot below ``pot_floor``. After a top-up no other is made for
    ``cooldown_hours``, so a top-up and a sweep do not move the same money back
    and forth.
    """

    pot_id: str
    floor: int
    target: int
    pot_floor: int = 0
    cooldown_hours: int = 6
    max_transfer: int = 100_000
    max_per_day: int = 300_000

    def __post_init__(self) -> None:
        config_pot_id(self.pot_id)
        config_pence(self.floor, "floor")
        config_pence(self.target, "target")
        if self.target < self.floor:
            raise InvalidRuleConfig(
                f"target must be at least the floor ({self.floor}), got {self.target}"
            )
        config_pence(self.pot_floor, "pot_floor")
        hours = self.cooldown_hours
        if isinstance(hours, bool) or not isinstance(hours, int):
            raise InvalidRuleConfig("cooldown_hours must be a whole number of hours")
        if not 0 <= hours <= MAX_COOLDOWN_HOURS:
            raise InvalidRuleConfig(
                f"cooldown_hours must be between 0 and {MAX_COOLDOWN_HOURS}, got {hours}"
            )
        config_limits(self.max_transfer, self.max_per_day)

    @property
    def cooldown(self) -> timedelta:
        return timedelta(hours=self.cooldown_hours)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TopupConfig:
        """Build from the API's ``config`` object; unknown keys are refused."""
        config_keys(data, _FIELDS, _REQUIRED)
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        """The JSON ``config`` object."""
        return {
            "pot_id": self.pot_id,
            "floor": self.floor,
            "target": self.target,
            "pot_floor": self.pot_floor,
            "cooldown_hours": self.cooldown_hours,
            "max_transfer": self.max_transfer,
            "max_per_day": self.max_per_day,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class TopupInputs:
    """The current account and the pot as they are now.

    ``available`` is the current account's spendable balance (below zero when
    overdrawn). ``moved_today`` is what this rule moved today (the caller decides
    the day, in ``tz``). ``now`` must be aware; it is kept in UTC. ``tz`` only
    changes how times are written. ``pot_name`` is only for the explanation.
    """

    available: int
    pot_balance: int
    now: datetime
    moved_today: int = 0
    pot_deleted: bool = False
    tz: str = DEFAULT_TIMEZONE
    currency: str = "GBP"
    pot_name: str | None = None

    def __post_init__(self) -> None:
        input_pence(self.available, "available", InvalidTopupInput, negative=True)
        input_pence(self.pot_balance, "pot_balance", InvalidTopupInput)
        input_pence(self.moved_today, "moved_today", InvalidTopupInput)
        object.__setattr__(self, "now", input_utc(self.now, "now", InvalidTopupInput))
        if not isinstance(self.pot_deleted, bool):
            raise InvalidTopupInput("pot_deleted must be true or false")
        input_zone(self.tz, InvalidTopupInput)
        input_currency(self.currency, InvalidTopupInput)
