"""When a sweep runs: its slot days and the instant of each slot.

A slot is the rule's ``time`` on a slot day, in the user's zone. Slot days:

* ``daily``: every day;
* ``weekly``: the config's ``weekday``;
* ``before_payday``: the calendar day before the next payday. The caller gives
  the payday already moved off weekends and England and Wales bank holidays
  (``potwise.domain.payday``), so pay due on Friday 25 December 2026 and paid on
  Thursday 24 December is swept on Wednesday 23 December; pay moved to a Monday
  is swept on the Sunday before.

A slot is due from its instant until the end of its local day, once: the rule
remembers the day it handled. A slot missed for a whole day (the server was down)
is let go: for ``before_payday`` a sweep made on payday would sweep the salary.

The clocks' changes: a time the clocks skip (01:30 on the March change day in
London) is taken as the same time after the change (02:30 BST); a time that
happens twice (01:30 on the October change day) as its first occurrence.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from potwise.domain.rules.checks import input_utc, input_zone
from potwise.domain.rules.sweep.inputs import SweepConfig
from potwise.domain.rules.sweep.model import InvalidSweepInput, Schedule

__all__ = ["due_slot", "is_slot_day", "next_slot", "slot_at"]

_DAY = timedelta(days=1)


def is_slot_day(config: SweepConfig, day: date, next_payday: date | None) -> bool:
    """Whether the rule sweeps on the local date ``day``."""
    schedule = config.schedule
    if schedule is Schedule.DAILY:
        return True
    if schedule is Schedule.WEEKLY:
        return day.weekday() == config.weekday
    return next_payday is not None and day == next_payday - _DAY


def slot_at(config: SweepConfig, day: date, zone: ZoneInfo) -> datetime:
    """The instant (UTC) of the slot on the local date ``day``.

    ``fold=0`` gives both rules of the module docs: zoneinfo reads a skipped time
    with the offset before the change and a repeated one as its first occurrence.
    """
    return datetime.combine(day, config.at, tzinfo=zone).astimezone(UTC)


def due_slot(
    config: SweepConfig,
    now: datetime,
    zone: ZoneInfo,
    next_payday: date | None,
    handled: date | None,
) -> date | None:
    """Today's local date if its slot is due now and not handled yet, else None."""
    today = now.astimezone(zone).date()
    if today == handled or not is_slot_day(config, today, next_payday):
        return None
    return today if now >= slot_at(config, today, zone) else None


def next_slot(
    config: SweepConfig,
    now: datetime,
    tz: str,
    next_payday: date | None,
    *,
    handled: date | None = None,
) -> datetime | None:
    """The next slot strictly after ``now`` (aware, UTC), for the scheduler and the UI.

    ``handled`` (the state's ``last_slot``) is skipped. None when it is not known: a
    ``before_payday`` sweep whose payday is not known, or whose slot before that
    payday is past or handled (the slot after it waits for the payday after).
    """
    now = input_utc(now, "now", InvalidSweepInput)
    zone = input_zone(tz, InvalidSweepInput)
    if config.schedule is Schedule.BEFORE_PAYDAY:
        if next_payday is None:
            return None
        day = next_payday - _DAY
        at = slot_at(config, day, zone)
        return at if at > now and day != handled else None
    today = now.astimezone(zone).date()
    # A week and a day always hold a weekly slot after today's.
    for offset in range(8):
        day = today + offset * _DAY
        if day != handled and is_slot_day(config, day, next_payday):
            at = slot_at(config, day, zone)
            if at > now:
                return at
    return None
