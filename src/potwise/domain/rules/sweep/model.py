"""The sweep rule's vocabulary: its errors, schedules and reasons, and the outcome a
decision reaches before it is worded (the decision itself is a ``RuleDecision``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from potwise.domain.errors import DomainError
from potwise.domain.rules.moves import Capped

__all__ = [
    "InvalidSweepInput",
    "InvalidSweepState",
    "Outcome",
    "Reason",
    "Schedule",
]


class InvalidSweepInput(DomainError):
    """The figures given to a sweep decision cannot be used (not pence, a naive time)."""

    code = "invalid_sweep_input"


class InvalidSweepState(DomainError):
    """A stored sweep state cannot be read (unknown version, bad fields)."""

    code = "invalid_sweep_state"


class Schedule(StrEnum):
    """When a sweep runs. Stored in the rule's config: never rename."""

    DAILY = "daily"
    WEEKLY = "weekly"
    BEFORE_PAYDAY = "before_payday"


class Reason(StrEnum):
    """Stable reason codes: stored in run history and shown. Never rename."""

    SWEPT = "swept"
    CAPPED_BY_LIMIT = "capped_by_limit"
    THRESHOLD_MET = "threshold_met"
    BELOW_THRESHOLD = "below_threshold"
    LESS_THAN_ROUND = "less_than_round"
    DAILY_LIMIT_REACHED = "daily_limit_reached"
    NOT_DUE = "not_due"
    NO_PAYDAY = "no_payday"
    POT_DELETED = "pot_deleted"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a situation concluded, with the figures its explanation quotes.

    ``slot`` is the slot handled now (None: none is). ``surplus`` is what the current
    account holds above what it keeps, ``rounded`` that rounded down to the rule's
    step, ``amount`` what moves once the limits had their say (``limited``: how).
    ``upcoming`` is the next slot after this decision, when it is known.
    """

    reason: Reason
    slot: date | None = None
    bills_kept: int = 0
    surplus: int = 0
    rounded: int = 0
    amount: int = 0
    limited: Capped | None = None
    upcoming: datetime | None = None
