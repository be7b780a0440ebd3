"""The top-up rule's vocabulary: its errors and reasons, and the outcome a decision
reaches before it is worded (the decision itself is a ``RuleDecision``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from potwise.domain.errors import DomainError
from potwise.domain.rules.moves import Capped

__all__ = ["InvalidTopupInput", "InvalidTopupState", "Outcome", "Reason"]


class InvalidTopupInput(DomainError):
    """The figures given to a top-up decision cannot be used (not pence, a naive time)."""

    code = "invalid_topup_input"


class InvalidTopupState(DomainError):
    """A stored top-up state cannot be read (unknown version, bad fields)."""

    code = "invalid_topup_state"


class Reason(StrEnum):
    """Stable reason codes: stored in run history and shown. Never rename."""

    TOPPED_UP = "topped_up"
    PARTLY_TOPPED_UP = "partly_topped_up"
    CAPPED_BY_LIMIT = "capped_by_limit"
    DAILY_LIMIT_REACHED = "daily_limit_reached"
    ABOVE_FLOOR = "above_floor"
    COOLDOWN = "cooldown"
    POT_SHORT = "pot_short"
    POT_DELETED = "pot_deleted"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a situation concluded, with the figures its explanation quotes.

    ``need`` is what brings the current account to the target, ``can_give`` what the
    pot holds above its own floor, ``amount`` what moves once the limits had their
    say (``limited``: how). ``short`` says the pot cannot give the whole need.
    ``until`` is when the cooldown in force after the decision ends, if one is.
    """

    reason: Reason
    need: int = 0
    can_give: int = 0
    amount: int = 0
    short: bool = False
    limited: Capped | None = None
    until: datetime | None = None
