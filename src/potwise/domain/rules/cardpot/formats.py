"""How the card-pot rule writes amounts and times for people: ``£1,234.56``, ``14:02``,
``14:02 on 4 Mar`` (in the user's zone). Written by hand for GBP, the common case,
because an explanation quotes several amounts and is written once per run."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo

from potwise.domain.money import Money

__all__ = ["fmt", "local_time"]

_PENNIES: Final = tuple(f"{i:02d}" for i in range(100))
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


def fmt(pence: int, currency: str) -> str:
    """``£1,234.56`` / ``-£0.05``; other currencies as :meth:`Money.format` writes them."""
    if currency == "GBP":  # the common case, without Money's validation
        if pence < 0:
            whole, frac = divmod(-pence, 100)
            return f"-£{whole:,}.{_PENNIES[frac]}"
        whole, frac = divmod(pence, 100)
        if whole < 1000:  # no thousands separator to write
            return f"£{whole}.{_PENNIES[frac]}"
        return f"£{whole:,}.{_PENNIES[frac]}"
    return Money(pence, currency).format()


@lru_cache(maxsize=64)
def _zone(tz: str) -> ZoneInfo:
    return ZoneInfo(tz)


def local_time(at: datetime, now: datetime, tz: str) -> str:
    """``14:02`` (in ``tz``), with the date when it is not today's."""
    zone = _zone(tz)
    local = at.astimezone(zone)
    text = f"{local.hour:02d}:{local.minute:02d}"
    if local.date() == now.astimezone(zone).date():
        return text
    return f"{text} on {local.day} {_MONTHS[local.month - 1]}"
