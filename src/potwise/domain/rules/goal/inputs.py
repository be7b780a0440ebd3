"""What a savings-goal decision is given: the rule's config, validated on
construction. Money is ``int`` pence; dates are the user's local dates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, TypeGuard

from potwise.domain.rules.goal.model import MAX_LIMIT
from potwise.domain.rules.moves import InvalidRuleConfig

__all__ = ["GoalConfig", "is_day", "whole"]

_CONFIG_FIELDS: Final = frozenset(
    {
        "pot_id",
        "target_amount",
        "target_date",
        "contribute_on_payday",
        "max_transfer",
        "max_per_day",
    }
)


def whole(value: object) -> TypeGuard[int]:
    """Whether `value` is a whole number (an int, not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_day(value: object) -> TypeGuard[date]:
    """Whether `value` is a calendar date (a datetime is not one: it is an instant)."""
    return isinstance(value, date) and not isinstance(value, datetime)


@dataclass(frozen=True, slots=True)
class GoalConfig:
    """A ``goal`` rule's config: save ``target_amount`` pence in the pot ``pot_id``
    by ``target_date``; with ``contribute_on_payday`` the rule moves a monthly
    share there on payday, else it only tracks. ``max_transfer`` caps each move,
    ``max_per_day`` the day's total."""

    pot_id: str
    target_amount: int
    target_date: date
    max_transfer: int
    max_per_day: int
    contribute_on_payday: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.pot_id, str) or not self.pot_id:
            raise InvalidRuleConfig("pot_id is required")
        if not whole(self.target_amount) or self.target_amount <= 0:
            raise InvalidRuleConfig("target_amount must be a positive amount in pence")
        if not is_day(self.target_date):
            raise InvalidRuleConfig("target_date must be a date")
        if not isinstance(self.contribute_on_payday, bool):
            raise InvalidRuleConfig("contribute_on_payday must be true or false")
        for name in ("max_transfer", "max_per_day"):
            value = getattr(self, name)
            if not whole(value) or not 0 < value <= MAX_LIMIT:
                raise InvalidRuleConfig(f"{name} must be whole pence between 1 and {MAX_LIMIT}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GoalConfig:
        """Build from the API's ``config`` object (``target_date`` as ``YYYY-MM-DD``);
        unknown keys are refused."""
        unknown = sorted(set(data) - _CONFIG_FIELDS)
        if unknown:
            raise InvalidRuleConfig(f"unknown config field(s): {', '.join(unknown)}")
        missing = sorted(_CONFIG_FIELDS - {"contribute_on_payday"} - set(data))
        if missing:
            raise InvalidRuleConfig(f"missing config field(s): {', '.join(missing)}")
        raw = data["target_date"]
        try:
            when = date.fromisoformat(raw) if isinstance(raw, str) else raw
        except ValueError:
            raise InvalidRuleConfig(
                f"target_date must be a date (YYYY-MM-DD), not {raw!r}"
            ) from None
        return cls(**{**data, "target_date": when})

    def to_dict(self) -> dict[str, Any]:
        """The JSON ``config`` object."""
        return {
            "pot_id": self.pot_id,
            "target_amount": self.target_amount,
            "target_date": self.target_date.isoformat(),
            "contribute_on_payday": self.contribute_on_payday,
            "max_transfer": self.max_transfer,
            "max_per_day": self.max_per_day,
        }
