"""What a sweep decision is given: the rule's config and a snapshot of the current
account and the pot as they are now. Both are validated on construction; money is
``int`` pence."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as wall_time
from typing import Any, Final

from potwise.domain.calendar import DEFAULT_TIMEZONE
from potwise.domain.rules.checks import (
    config_bool,
    config_keys,
    config_limits,
    config_pence,
    config_pot_id,
    input_currency,
    input_pence,
    input_utc,
    input_zone,
)
from potwise.domain.rules.moves import InvalidRuleConfig
from potwise.domain.rules.sweep.model import InvalidSweepInput, Schedule

__all__ = ["MAX_ROUND_TO", "SweepConfig", "SweepInputs"]

#: The largest rounding step: £1,000.00.
MAX_ROUND_TO: Final = 100_000

_TIME: Final = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
_FIELDS: Final = frozenset(
    {
        "pot_id",
        "threshold",
        "keep_for_bills",
        "schedule",
        "time",
        "weekday",
        "round_to",
        "max_transfer",
        "max_per_day",
    }
)
_REQUIRED: Final = frozenset({"pot_id", "threshold", "schedule"})


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepConfig:
    """A ``sweep`` rule's config; amounts in pence. Validated on construction.

    ``threshold`` stays in the current account; with ``keep_for_bills`` so do the
    bills due before the next payday. ``schedule`` says on which days a sweep runs
    (``weekday``: 0 Monday to 6 Sunday, for ``weekly`` only), ``time`` at what
    local time (``HH:MM``). What moves is rounded down to a multiple of
    ``round_to`` (1: to the penny; 100: whole pounds).
    """

    pot_id: str
    threshold: int
    schedule: Schedule
    keep_for_bills: bool = True
    time: str = "20:00"
    weekday: int | None = None
    round_to: int = 100
    max_transfer: int = 100_000
    max_per_day: int = 300_000

    def __post_init__(self) -> None:
        config_pot_id(self.pot_id)
        config_pence(self.threshold, "threshold")
        config_bool(self.keep_for_bills, "keep_for_bills")
        try:
            object.__setattr__(self, "schedule", Schedule(self.schedule))
        except ValueError:
            choices = ", ".join(s.value for s in Schedule)
            raise InvalidRuleConfig(f"schedule must be one of {choices}") from None
        if not isinstance(self.time, str) or _TIME.fullmatch(self.time) is None:
            raise InvalidRuleConfig("time must be a local time written HH:MM, from 00:00 to 23:59")
        self._check_weekday()
        config_pence(self.round_to, "round_to", low=1, high=MAX_ROUND_TO)
        config_limits(self.max_transfer, self.max_per_day)

    def _check_weekday(self) -> None:
        weekday = self.weekday
        if self.schedule is not Schedule.WEEKLY:
            if weekday is not None:
                raise InvalidRuleConfig("weekday is only set for a weekly sweep")
            return
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise InvalidRuleConfig("weekday must be 0 (Monday) to 6 (Sunday) for a weekly sweep")

    @property
    def at(self) -> wall_time:
        """``time`` as a wall-clock time."""
        hours, minutes = self.time.split(":")
        return wall_time(int(hours), int(minutes))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SweepConfig:
        """Build from the API's ``config`` object; unknown keys are refused."""
        config_keys(data, _FIELDS, _REQUIRED)
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        """The JSON ``config`` object."""
        return {
            "pot_id": self.pot_id,
            "threshold": self.threshold,
            "keep_for_bills": self.keep_for_bills,
            "schedule": str(self.schedule),
            "time": self.time,
            "weekday": self.weekday,
            "round_to": self.round_to,
            "max_transfer": self.max_transfer,
            "max_per_day": self.max_per_day,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepInputs:
    """The current account and the pot as they are now.

    ``available`` is the current account's spendable balance (below zero when
    overdrawn). ``bills_due`` is the sum of the commitments leaving the current
    account before the next payday. ``next_payday`` is the next payday as
    ``potwise.domain.payday.next_payday`` gives it: already moved off weekends and
    bank holidays. ``moved_today`` is what this rule moved today (the caller decides
    the day, in ``tz``). ``now`` must be aware; it is kept in UTC. ``pot_name`` is
    only for the explanation.
    """

    available: int
    pot_balance: int
    now: datetime
    bills_due: int = 0
    next_payday: date | None = None
    moved_today: int = 0
    pot_deleted: bool = False
    tz: str = DEFAULT_TIMEZONE
    currency: str = "GBP"
    pot_name: str | None = None

    def __post_init__(self) -> None:
        input_pence(self.available, "available", InvalidSweepInput, negative=True)
        input_pence(self.pot_balance, "pot_balance", InvalidSweepInput)
        input_pence(self.bills_due, "bills_due", InvalidSweepInput)
        input_pence(self.moved_today, "moved_today", InvalidSweepInput)
        object.__setattr__(self, "now", input_utc(self.now, "now", InvalidSweepInput))
        payday = self.next_payday
        if payday is not None and (isinstance(payday, datetime) or not isinstance(payday, date)):
            raise InvalidSweepInput("next_payday must be a date")
        if not isinstance(self.pot_deleted, bool):
            raise InvalidSweepInput("pot_deleted must be true or false")
        input_zone(self.tz, InvalidSweepInput)
        input_currency(self.currency, InvalidSweepInput)
