"""The savings goal's vocabulary: its errors and reason codes."""

from __future__ import annotations

from enum import StrEnum

from potwise.domain.errors import DomainError
from potwise.domain.rules.checks import MAX_LIMIT

__all__ = ["MAX_LIMIT", "InvalidGoalInput", "InvalidGoalState", "Reason"]


class InvalidGoalInput(DomainError):
    """The figures given to the decision cannot be used (a negative balance, a
    naive time, a date where a day is expected)."""

    code = "invalid_goal_input"


class InvalidGoalState(DomainError):
    """A stored goal state cannot be read (unknown version, bad fields)."""

    code = "invalid_goal_state"


class Reason(StrEnum):
    """Stable reason codes: stored in run history and shown. Never rename."""

    CONTRIBUTED = "contributed"
    CAPPED_BY_LIMIT = "capped_by_limit"
    DAILY_LIMIT_REACHED = "daily_limit_reached"
    NOTHING_SAFE_TO_ADD = "nothing_safe_to_add"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    TRACKING = "tracking"
    NOT_PAYDAY = "not_payday"
    ALREADY_CONTRIBUTED = "already_contributed"
    DATE_PASSED = "date_passed"
    GOAL_REACHED = "goal_reached"
    POT_DELETED = "pot_deleted"
