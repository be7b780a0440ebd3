"""What a backtest replays: the current account's past as the mirror holds it, and the
questions the replay asks of it (the next payday, the bills still to leave).

A :class:`History` covers ``[start, end]`` (aware instants, kept in UTC; ``end``
is now). The caller walks today's balances back to ``start``: the current
account's (``opening``) and each of the rule's pots' (:class:`PotStart`).
``postings`` are the current account's transactions in the period, in time
order; a move to or from a pot names the pot. ``paydays`` are the payday rule's
dates (empty: no payday is known) and ``dues`` the bills and card repayments
leaving the current account (:class:`Due`). ``cards`` are the credit cards a
card-pot rule covers, with their own transactions (:class:`CardHistory`).
``notes`` are what the caller could not know, passed on as warnings.

:class:`Calendar` answers the replay's questions about paydays and dues in
logarithmic time, so a year of decisions stays cheap.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from calendar import monthrange
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

from potwise.domain.errors import DomainError
from potwise.domain.mirror import BankTransaction
from potwise.domain.rules.checks import input_zone
from potwise.domain.schedules import add_months

__all__ = [
    "Calendar",
    "CardHistory",
    "Due",
    "History",
    "InvalidHistory",
    "Note",
    "Posting",
    "PotStart",
    "shift_months",
]


class InvalidHistory(DomainError):
    """The history given to a backtest cannot be replayed (a naive time, postings out
    of order or outside the period)."""

    code = "invalid_backtest_history"


def _utc(value: datetime, what: str) -> datetime:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise InvalidHistory(f"{what} must be a timezone-aware datetime")
    return value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Posting:
    """One transaction on the current account: ``amount`` is signed pence in the user's
    signs (negative: money left). ``pot_id`` is the product's pot id when it moved money
    to or from a pot (a deposit leaves the current account, so it is negative here).
    ``salary`` says the caller found it to be the user's salary."""

    at: datetime
    amount: int
    transaction_id: str
    description: str = ""
    pot_id: str | None = None
    salary: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", _utc(self.at, "a posting's time"))
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise InvalidHistory(f"a posting's amount must be whole pence: {self.amount!r}")


@dataclass(frozen=True, slots=True)
class Due:
    """A bill or a card repayment leaving the current account at ``at`` (``amount`` > 0
    pence): one that did leave in the period, or one expected after it."""

    at: datetime
    amount: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", _utc(self.at, "a due's time"))
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount <= 0:
            raise InvalidHistory(f"a due is a positive amount of pence: {self.amount!r}")


@dataclass(frozen=True, slots=True)
class PotStart:
    """One of the rule's pots: its name and its balance at the period's start (>= 0)."""

    pot_id: str
    name: str
    balance: int

    def __post_init__(self) -> None:
        if isinstance(self.balance, bool) or not isinstance(self.balance, int) or self.balance < 0:
            raise InvalidHistory(f"a pot's balance is whole pence >= 0: {self.balance!r}")


@dataclass(frozen=True, slots=True)
class CardHistory:
    """A credit card a card-pot rule covers: its posted balance at the period's start
    (owed is negative) and its transactions in the period, in time order. A settled one
    counts as posted at its ``created_at``; one still pending now was pending from its
    ``created_at`` to the end."""

    account_id: str
    provider_id: str
    name: str
    currency: str
    balance: int
    transactions: tuple[BankTransaction, ...] = ()
    credit_limit: int | None = None


@dataclass(frozen=True, slots=True)
class Note:
    """Something the replay could not know, said once: ``kind`` is a stable code."""

    kind: str
    message: str
    on: date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class History:
    """The period replayed and everything the replay reads (see the module docs)."""

    start: datetime
    end: datetime
    opening: int
    postings: tuple[Posting, ...] = ()
    pots: tuple[PotStart, ...] = ()
    paydays: tuple[date, ...] = ()
    dues: tuple[Due, ...] = ()
    cards: tuple[CardHistory, ...] = ()
    notes: tuple[Note, ...] = ()
    tz: str = "Europe/London"
    currency: str = "GBP"

    def __post_init__(self) -> None:
        start = _utc(self.start, "start")
        end = _utc(self.end, "end")
        if end <= start:
            raise InvalidHistory("the period must end after it starts")
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        input_zone(self.tz, InvalidHistory)
        previous = start
        for posting in self.postings:
            if posting.at < previous or posting.at > end:
                raise InvalidHistory("postings must be in time order, within the period")
            previous = posting.at

    @property
    def zone(self) -> ZoneInfo:
        return input_zone(self.tz, InvalidHistory)

    def days(self) -> list[date]:
        """Every local date of the period, the first and the last included."""
        zone = self.zone
        first, last = self.start.astimezone(zone).date(), self.end.astimezone(zone).date()
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]

    def day_end(self, day: date) -> datetime:
        """The last second of the local date ``day`` (UTC)."""
        midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.zone)
        return midnight.astimezone(UTC) - timedelta(seconds=1)


def shift_months(day: date, months: int) -> date:
    """``day`` moved ``months`` months on (back when negative), on the month's last day
    when that month is shorter: 31 March less one month is 28 or 29 February."""
    year, month = add_months(day.year, day.month, months)
    return date(year, month, min(day.day, monthrange(year, month)[1]))


class Calendar:
    """The paydays and the dues of a history, for quick questions."""

    __slots__ = ("_due_at", "_due_day", "_payday_set", "_paydays", "_sums")

    def __init__(self, paydays: Sequence[date], dues: Sequence[Due], zone: ZoneInfo) -> None:
        self._paydays = sorted(set(paydays))
        self._payday_set = frozenset(self._paydays)
        ordered = sorted(dues, key=lambda d: d.at)
        self._due_at = [d.at for d in ordered]
        # Local dates of instants in time order are in order too.
        self._due_day = [d.at.astimezone(zone).date() for d in ordered]
        self._sums = [0, *accumulate(d.amount for d in ordered)]

    @property
    def known(self) -> bool:
        """Whether a payday is known at all."""
        return bool(self._paydays)

    def paydays(self, first: date, last: date) -> list[date]:
        """The paydays in ``[first, last]``."""
        return self._paydays[bisect_left(self._paydays, first) : bisect_right(self._paydays, last)]

    def is_payday(self, day: date) -> bool:
        return day in self._payday_set

    def next_payday(self, today: date) -> date | None:
        """The first payday strictly after ``today`` (None: none is known)."""
        i = bisect_right(self._paydays, today)
        return self._paydays[i] if i < len(self._paydays) else None

    def bills_due(self, now: datetime, today: date) -> int:
        """What leaves the current account after ``now`` and before the next payday (the
        payday's own bills are paid from the new pay). With no payday known, the same
        day next month stands in, as it does for safe to spend."""
        horizon = self.next_payday(today) or shift_months(today, 1)
        lo = bisect_right(self._due_at, now)
        hi = bisect_left(self._due_day, horizon)
        return self._sums[hi] - self._sums[lo] if hi > lo else 0
