"""Template filters: money as people read it."""

from __future__ import annotations

from potwise.domain.money import Money


def format_money(minor: int | None, currency: str = "GBP") -> str:
    """`£1,234.56`, `-£3.20`; an unknown amount shows as an en dash."""
    if minor is None:
        return "\u2013"
    return Money(minor, currency).format()
