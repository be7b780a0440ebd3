"""The checks shared by the rule kinds that decide into a ``RuleDecision`` (sweep,
top-up): their configs' amounts and limits, and their inputs' pence, instants and
time zones.

A config error is an :class:`InvalidRuleConfig` whose message names the field, in
words a user can act on (the API shows it as it is). An input error is the rule
kind's own error class, passed in: inputs come from the services, not the user.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from potwise.domain.currencies import check_currency
from potwise.domain.errors import DomainError, InvalidCurrency
from potwise.domain.rules.moves import InvalidRuleConfig

__all__ = [
    "MAX_LIMIT",
    "config_bool",
    "config_keys",
    "config_limits",
    "config_pence",
    "config_pot_id",
    "input_currency",
    "input_pence",
    "input_utc",
    "input_zone",
]

#: The largest per-transfer or daily limit a rule accepts: £100,000.00.
MAX_LIMIT: Final = 10_000_000


def config_pence(value: object, name: str, *, low: int = 0, high: int | None = None) -> int:
    """`value` if it is whole pence within ``[low, high]``; else ``InvalidRuleConfig``.
    A bool is refused: ``True`` is an int to Python, not an amount to us."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRuleConfig(f"{name} must be a whole number of pence")
    if value < low or (high is not None and value > high):
        bound = f"at least {low}" if high is None else f"between {low} and {high}"
        raise InvalidRuleConfig(f"{name} must be {bound}, got {value}")
    return value


def config_limits(max_transfer: object, max_per_day: object) -> None:
    """The limits every rule has: 1p to :data:`MAX_LIMIT` each."""
    config_pence(max_transfer, "max_transfer", low=1, high=MAX_LIMIT)
    config_pence(max_per_day, "max_per_day", low=1, high=MAX_LIMIT)


def config_pot_id(value: object) -> str:
    """The product's pot id: a non-empty string."""
    if not isinstance(value, str) or not value:
        raise InvalidRuleConfig("pot_id is required")
    return value


def config_bool(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidRuleConfig(f"{name} must be true or false")
    return value


def config_keys(data: Mapping[str, Any], known: frozenset[str], required: frozenset[str]) -> None:
    """Refuse an API ``config`` object with unknown keys or without required ones."""
    unknown = sorted(set(data) - known)
    if unknown:
        raise InvalidRuleConfig(f"unknown config field(s): {', '.join(unknown)}")
    missing = sorted(required - set(data))
    if missing:
        raise InvalidRuleConfig(f"missing config field(s): {', '.join(missing)}")


def input_pence(
    value: object, what: str, error: type[DomainError], *, negative: bool = False
) -> int:
    """`value` if it is whole pence (and not negative unless ``negative``)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise error(f"{what} must be whole pence, got {value!r}")
    if value < 0 and not negative:
        raise error(f"{what} cannot be negative, got {value}")
    return value


def input_utc(value: object, what: str, error: type[DomainError]) -> datetime:
    """`value` as UTC, if it is an aware datetime (a naive one's meaning is a guess)."""
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise error(f"{what} must be a timezone-aware datetime")
    return value.astimezone(UTC)


@lru_cache(maxsize=64)
def _zone(tz: str) -> ZoneInfo:
    return ZoneInfo(tz)


def input_zone(tz: object, error: type[DomainError]) -> ZoneInfo:
    """The IANA zone named ``tz`` (``Europe/London``)."""
    if not isinstance(tz, str) or not tz:
        raise error("tz must name a time zone")
    try:
        return _zone(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise error(f"unknown time zone {tz!r}") from None


def input_currency(value: object, error: type[DomainError]) -> str:
    try:
        return check_currency(value)
    except (TypeError, InvalidCurrency) as exc:
        raise error(str(exc)) from None
