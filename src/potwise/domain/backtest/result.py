"""What a backtest answers: the moves the rule would have made, the balances day by day
with the rule and without it, the warnings and a summary. Money is ``int`` pence."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from potwise.domain.rules.moves import Direction

__all__ = ["Backtest", "BacktestMove", "BacktestWarning", "DayBalance", "Lowest", "Summary"]


@dataclass(frozen=True, slots=True)
class BacktestMove:
    """A move the rule would have made at ``at`` (UTC; ``on`` is the local date):
    ``amount`` pence into (deposit) or out of (withdraw) the pot. ``reason`` is the
    move's short reason, ``explanation`` the decision's own words; ``capped`` says a
    limit held part of it back."""

    at: datetime
    on: date
    pot_id: str
    pot_name: str
    direction: Direction
    amount: int
    reason: str
    explanation: str
    capped: bool = False


@dataclass(frozen=True, slots=True)
class DayBalance:
    """One local day: the current account at the day's end with the rule and without it,
    the lowest each reached during the day, and each of the rule's pots at the day's
    end with the rule (by pot id)."""

    on: date
    current: int
    current_without: int
    low: int
    low_without: int
    pots: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class BacktestWarning:
    """Something to know about the replay: ``kind`` is a stable code (``below_zero``,
    ``below_floor``, ``capped``, ``waiting_funds``, ``pot_overdrawn``, or what the
    history could not tell, such as ``no_payday``). ``on``/``until`` bound the days it
    is about, when it is about days."""

    kind: str
    message: str
    on: date | None = None
    until: date | None = None


@dataclass(frozen=True, slots=True)
class Lowest:
    """The lowest the current account went, and the first day it did."""

    on: date
    balance: int


@dataclass(frozen=True, slots=True)
class Summary:
    """``moved_in`` went into pots, ``moved_out`` came back out, in ``count`` moves over
    ``decisions`` decisions; the current account's lowest with the rule and without."""

    moved_in: int
    moved_out: int
    count: int
    decisions: int
    lowest: Lowest
    lowest_without: Lowest


@dataclass(frozen=True, slots=True)
class Backtest:
    """The whole answer for the period ``[start, end]`` (UTC), days in ``tz``."""

    start: datetime
    end: datetime
    tz: str
    currency: str
    moves: tuple[BacktestMove, ...]
    balances: tuple[DayBalance, ...]
    warnings: tuple[BacktestWarning, ...]
    summary: Summary
