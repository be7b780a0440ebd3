"""The period an export covers: `since` and `until` as people and scripts give them.

Each bound is a day (`2026-11-03`, in the user's time zone) or a time with a zone
(`2026-11-03T09:00:00Z`). A day given as `since` starts at its local midnight; a day
given as `until` is included whole (up to the next local midnight). A time given as
`until` is excluded, as in `GET /transactions`. Both are bounded like there: between
the years 1900 and 2999, and `since` may not come after `until`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from potwise.services import mirror
from potwise.services.errors import InvalidInput

_PLUS_AS_SPACE = re.compile(r" ([0-9]{2}:?[0-9]{2})$")
_FORMAT_HINT = "use a day (2026-11-03) or a time with a zone (2026-11-03T09:00:00Z)"


@dataclass(frozen=True)
class Period:
    """From `since` (included) to `until` (excluded), aware UTC; None: unbounded."""

    since: datetime | None
    until: datetime | None
    zone: ZoneInfo

    def first_day(self) -> date | None:
        """The first local day covered, or None when the period has no start."""
        return self.since.astimezone(self.zone).date() if self.since else None

    def last_day(self) -> date | None:
        """The last local day covered (the day before an `until` at midnight)."""
        if self.until is None:
            return None
        return (self.until - timedelta(microseconds=1)).astimezone(self.zone).date()


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _day_bound(day: date, name: str, zone: ZoneInfo, *, end: bool) -> datetime:
    """A day as a bound: its local midnight, or the next one when it ends the period."""
    if not mirror.EARLIEST.date() <= day < mirror.LATEST.date():
        raise InvalidInput(f"{name} {mirror.OUT_OF_RANGE}.")
    return _midnight(day + timedelta(days=1) if end else day, zone)


def _bound(text: str | None, name: str, zone: ZoneInfo, *, end: bool) -> datetime | None:
    """One bound as an aware UTC time, or None when not given."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            return _day_bound(date.fromisoformat(text), name, zone, end=end)
        # An unencoded "+" in a query string arrives as a space: "...T09:00:00 01:00".
        moment = datetime.fromisoformat(_PLUS_AS_SPACE.sub(r"+\1", text))
    except ValueError:
        raise InvalidInput(f"{name} is not a day or a time: {_FORMAT_HINT}.") from None
    if moment.tzinfo is None:
        raise InvalidInput(f"{name} has no time zone: {_FORMAT_HINT}.")
    if not mirror.in_range(moment):
        raise InvalidInput(f"{name} {mirror.OUT_OF_RANGE}.")
    return moment.astimezone(UTC)


def parse_period(since: str | None, until: str | None, zone: ZoneInfo) -> Period:
    """The period `since`..`until` asks for, or `InvalidInput` saying what to correct."""
    start = _bound(since, "since", zone, end=False)
    end = _bound(until, "until", zone, end=True)
    # A day given as `until` is included whole: `since` at its end is already after it.
    until_is_day = len((until or "").strip()) == 10
    if start is not None and end is not None and (start > end or (start == end and until_is_day)):
        raise InvalidInput("since is after until: give the earlier date first.")
    return Period(since=start, until=end, zone=zone)
