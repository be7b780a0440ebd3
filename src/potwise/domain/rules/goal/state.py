"""What the savings goal remembers between runs, and how it is stored.

State format (``GoalState.to_dict()``, JSON-safe, version 1)::

    {"version": 1, "last_contribution_on": "YYYY-MM-DD" | null,
     "reached_notified": false}

``last_contribution_on`` is the local date of the last payday contribution
(one per payday, whatever runs that day); ``reached_notified`` whether the
user was told the goal is reached (told once; it resets when the pot falls
below the target again, so a goal reached a second time is told again).

Read back by older and newer versions alike: never change what these keys
hold without a new version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from potwise.domain.rules.goal.model import InvalidGoalState

__all__ = ["GOAL_STATE_VERSION", "GoalState"]

GOAL_STATE_VERSION: Final = 1


@dataclass(frozen=True, slots=True)
class GoalState:
    """The last payday contribution's date, and whether the goal's reaching was told."""

    last_contribution_on: date | None = None
    reached_notified: bool = False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (version :data:`GOAL_STATE_VERSION`)."""
        last = self.last_contribution_on
        return {
            "version": GOAL_STATE_VERSION,
            "last_contribution_on": None if last is None else last.isoformat(),
            "reached_notified": self.reached_notified,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GoalState:
        """Read what :meth:`to_dict` wrote; raises ``InvalidGoalState`` otherwise."""
        try:
            version = data["version"]
            if version != GOAL_STATE_VERSION:
                raise InvalidGoalState(f"unknown goal state version {version!r}")
            last = data["last_contribution_on"]
            if last is not None and not isinstance(last, str):
                raise InvalidGoalState("last_contribution_on must be a YYYY-MM-DD date")
            notified = data["reached_notified"]
            if not isinstance(notified, bool):
                raise InvalidGoalState("reached_notified must be true or false")
            return cls(
                last_contribution_on=None if last is None else date.fromisoformat(last),
                reached_notified=notified,
            )
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise InvalidGoalState(f"unreadable goal state: {exc!r}") from None
