"""When a card connection spends its unattended calls: the day's refresh plan.

Without the user present a TrueLayer consent answers only a few calls per rolling
24 hours (four at most banks; failed calls count: the strict reading of the
reference). Spent on whatever wakes first, they are gone within minutes. So
they are planned: a *refresh* reads each card's balance, pending items and
transactions together (three calls a card, so the balance and the transactions
behind it always agree), at fixed local times, as many whole refreshes a day as
the allowance pays for, with a call or more kept back so one failed call does
not cost the next day's refresh. With four calls and one card that is one
refresh, early in the morning; with more calls the refreshes spread over the day.

Everything else reads the mirror: a rule woken by a Monzo webhook or the clock
decides on the cards as their last refresh left them, and says how old that is.
When the user is present (a page load, a button) a refresh is *attended*
(``X-PSU-IP``) and costs no allowance.

Pure: the caller gives ``now``, the zone and what the connection did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

__all__ = [
    "CALLS_PER_CARD",
    "FIRST_REFRESH",
    "LAST_REFRESH",
    "LATE_LIMIT",
    "LONGEST_GAP",
    "RETRY_AFTER",
    "RefreshPlan",
    "plan_for",
]

#: A card's refresh: its balance, its pending items and its transactions.
CALLS_PER_CARD: Final = 3
#: The day's first planned refresh (local time): before the day's spending starts.
FIRST_REFRESH: Final = time(6, 30)
#: With several refreshes a day, the last (local time).
LAST_REFRESH: Final = time(21, 30)
#: A planned refresh that failed is tried again this long after, allowance permitting.
RETRY_AFTER: Final = timedelta(hours=1)
#: A refresh can start only once the calls of the one a day before have left the
#: window, so each day's runs a little later than the last. Once a slot has slipped
#: this far it is let go, and the next day's starts on time with the whole allowance.
LATE_LIMIT: Final = timedelta(hours=3)
#: ... unless the connection would then go this long without a refresh.
LONGEST_GAP: Final = timedelta(hours=36)


@dataclass(frozen=True, slots=True)
class RefreshPlan:
    """A connection's planned unattended refreshes: local times of day, what each
    costs, and the allowance they come out of."""

    times: tuple[time, ...]
    calls_per_refresh: int
    allowance: int

    def slots_on(self, day: date, zone: ZoneInfo) -> list[datetime]:
        """The day's planned refreshes as aware datetimes (in `zone`)."""
        return [datetime.combine(day, moment, zone) for moment in self.times]

    def last_slot(self, now: datetime, zone: ZoneInfo) -> datetime | None:
        """The latest planned refresh at or before `now` (today's or yesterday's)."""
        today = now.astimezone(zone).date()
        for day in (today, today - timedelta(days=1)):
            passed = [slot for slot in self.slots_on(day, zone) if slot <= now]
            if passed:
                return passed[-1]
        return None

    def next_slot(self, now: datetime, zone: ZoneInfo) -> datetime | None:
        """The first planned refresh after `now` (None when nothing is planned)."""
        today = now.astimezone(zone).date()
        for day in (today, today + timedelta(days=1)):
            ahead = [slot for slot in self.slots_on(day, zone) if slot > now]
            if ahead:
                return ahead[0]
        return None

    def due(
        self,
        now: datetime,
        zone: ZoneInfo,
        *,
        last_attempt: datetime | None,
        last_failed: bool,
        free_calls: int,
    ) -> bool:
        """Whether a planned refresh should start now: a slot has passed with no
        attempt since (or the attempt since failed over ``RETRY_AFTER`` ago), and the
        allowance pays for a whole refresh."""
        if not self.times or free_calls < self.calls_per_refresh:
            return False
        slot = self.last_slot(now, zone)
        if slot is None:
            return False
        if last_attempt is None:
            return True
        if now - slot > LATE_LIMIT and now - last_attempt < LONGEST_GAP:
            return False  # slipped too far: wait for the next slot, on time
        if last_attempt < slot:
            return True
        return last_failed and now - last_attempt >= RETRY_AFTER


def plan_for(allowance: int, cards: int) -> RefreshPlan:
    """The refresh plan for a consent answering `allowance` unattended calls a day
    over `cards` cards (or accounts)."""
    cost = CALLS_PER_CARD * max(1, cards)
    if allowance <= 0:
        return RefreshPlan((), cost, allowance)
    if allowance < cost:
        # Not even one whole refresh: one a day, spending what there is, most
        # important first (balances before transactions).
        return RefreshPlan((FIRST_REFRESH,), allowance, allowance)
    count = allowance // cost
    if count > 1 and allowance - count * cost == 0:
        count -= 1  # keep calls back: a failed call must not cost the next refresh
    return RefreshPlan(_spread(count), cost, allowance)


def _spread(count: int) -> tuple[time, ...]:
    """`count` local times from FIRST_REFRESH to LAST_REFRESH, evenly apart."""
    if count == 1:
        return (FIRST_REFRESH,)
    start = datetime.combine(date(2000, 1, 1), FIRST_REFRESH)
    end = datetime.combine(date(2000, 1, 1), LAST_REFRESH)
    step = (end - start) / (count - 1)
    return tuple((start + step * i).time().replace(second=0, microsecond=0) for i in range(count))
