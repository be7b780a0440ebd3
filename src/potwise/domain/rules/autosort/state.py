"""What the salary sorter remembers between runs, and how it is stored.

State format (``AutosortState.to_dict()``, JSON-safe, version 1)::

    {"version": 1, "sorted_credits": ["<transaction id>", ...],
     "last_sorted_at": "<ISO 8601 UTC>" | null}

``sorted_credits`` are the credits already sorted, oldest first, the last
:data:`SORTED_RETENTION` of them: a pay event reaches the rule more than once
(the webhook, then a sync), and a credit in this list is never sorted again.
Fifty is years of monthly pay and months of weekly pay, longer than any
delivery of the same credit can lag.

Stored after every sort and read back by older and newer versions alike: never
change what these keys hold without a new version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from potwise.domain.rules.autosort.model import InvalidAutosortState

__all__ = ["AUTOSORT_STATE_VERSION", "SORTED_RETENTION", "AutosortState"]

AUTOSORT_STATE_VERSION: Final = 1
#: How many sorted credit ids are remembered.
SORTED_RETENTION: Final = 50


@dataclass(frozen=True, slots=True)
class AutosortState:
    """The credits already sorted (oldest first) and when the last sort was."""

    sorted_credits: tuple[str, ...] = ()
    last_sorted_at: datetime | None = None

    def has_sorted(self, transaction_id: str) -> bool:
        return transaction_id in self.sorted_credits

    def after_sorting(self, transaction_id: str, now: datetime) -> AutosortState:
        """This state once `transaction_id` is sorted at `now` (the oldest ids let go)."""
        kept = (*self.sorted_credits, transaction_id)[-SORTED_RETENTION:]
        return AutosortState(sorted_credits=kept, last_sorted_at=now.astimezone(UTC))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (version :data:`AUTOSORT_STATE_VERSION`)."""
        at = self.last_sorted_at
        return {
            "version": AUTOSORT_STATE_VERSION,
            "sorted_credits": list(self.sorted_credits),
            "last_sorted_at": None if at is None else at.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AutosortState:
        """Read what :meth:`to_dict` wrote; raises ``InvalidAutosortState`` otherwise."""
        try:
            version = data["version"]
            if version != AUTOSORT_STATE_VERSION:
                raise InvalidAutosortState(f"unknown salary-sorter state version {version!r}")
            ids = data["sorted_credits"]
            if isinstance(ids, str) or not all(isinstance(i, str) and i for i in ids):
                raise InvalidAutosortState("sorted_credits must be a list of transaction ids")
            at = data["last_sorted_at"]
            return cls(
                sorted_credits=tuple(ids)[-SORTED_RETENTION:],
                last_sorted_at=None if at is None else _parse_time(at),
            )
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise InvalidAutosortState(f"unreadable salary-sorter state: {exc!r}") from None


def _parse_time(value: object) -> datetime:
    if not isinstance(value, str):
        raise InvalidAutosortState("times must be ISO 8601 strings")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise InvalidAutosortState(f"time without a timezone: {value!r}")
    return parsed.astimezone(UTC)
