"""How the sweep and top-up explanations write amounts, days, times and limits.

Amounts are written as the card pot writes them (``£1,234.56``), so every rule's
explanation reads alike; days as ``Fri 25 Dec``; times in the user's zone.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Final
from zoneinfo import ZoneInfo

from potwise.domain.rules.cardpot.formats import fmt
from potwise.domain.rules.moves import Capped

__all__ = ["day", "fmt", "holds", "limit_name", "pot_called", "when"]

_DAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS: Final = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)


def day(d: date) -> str:
    """``Fri 25 Dec``."""
    return f"{_DAYS[d.weekday()]} {d.day} {_MONTHS[d.month - 1]}"


def when(at: datetime, now: datetime, zone: ZoneInfo) -> str:
    """``20:00 today`` or ``20:00 on Sat 26 Dec``, in ``zone``."""
    local = at.astimezone(zone)
    clock = f"{local.hour:02d}:{local.minute:02d}"
    if local.date() == now.astimezone(zone).date():
        return f"{clock} today"
    return f"{clock} on {day(local.date())}"


def holds(available: int, currency: str) -> str:
    """``holds £50.00`` or, below zero, ``is overdrawn by £20.00``."""
    if available < 0:
        return f"is overdrawn by {fmt(-available, currency)}"
    return f"holds {fmt(available, currency)}"


def pot_called(name: str | None) -> str:
    """The pot as a sentence names it: its name, else ``the pot``."""
    return name if name else "the pot"


def limit_name(capped: Capped, max_transfer: int, max_per_day: int, currency: str) -> str:
    """The limit that held a move back: ``the £500.00 per-transfer limit``."""
    if capped.by_transfer_limit:
        return f"the {fmt(max_transfer, currency)} per-transfer limit"
    return f"the {fmt(max_per_day, currency)} daily limit"
