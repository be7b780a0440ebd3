"""Searching transactions by amount: "12.99", "£12.99", "-12.99", "+1,200".

A search that reads as an amount also finds the transactions of exactly that
amount. Without a sign it finds money in and money out alike; with "-" only
money out, with "+" only money in (signs as the user sees them: money out is
negative). The words typed are still searched as text too, so "12" finds both
£12.00 and "Flat 12".
"""

from __future__ import annotations

from dataclasses import dataclass

from potwise.domain.errors import DomainError
from potwise.domain.money import Money

_SIGNS = frozenset("+-\u2212")


@dataclass(frozen=True, slots=True)
class AmountQuery:
    """An amount searched for: its size in minor units and the direction, if given
    (-1 money out, +1 money in, 0 either)."""

    minor: int
    direction: int

    def amounts(self) -> tuple[int, ...]:
        """The signed amounts a transaction may have to match."""
        if self.direction == 0:
            return (-self.minor, self.minor)
        return (self.direction * self.minor,)


def amount_query(text: str, currency: str = "GBP") -> AmountQuery | None:
    """The amount `text` names, or None when it is not an amount (or is zero)."""
    stripped = text.strip()
    if not any(c.isdigit() for c in stripped):
        return None
    try:
        minor = Money.parse(stripped, currency).minor
    except DomainError:
        return None
    if minor == 0:
        return None
    signed = any(c in _SIGNS for c in stripped)
    direction = (-1 if minor < 0 else 1) if signed else 0
    return AmountQuery(abs(minor), direction)
