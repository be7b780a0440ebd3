"""What the top-up rule remembers between runs, and how it is stored.

State format (``TopupState.to_dict()``, JSON-safe, version 1)::

    {"version": 1, "last_topup_at": "<ISO 8601 UTC>" | null,
     "waiting_since": "<ISO 8601 UTC>" | null}

``last_topup_at`` is when the rule last topped the current account up (its
cooldown runs from then). ``waiting_since`` is when the pot first could not give
what the current account needed, until the shortage ends: the user is told once
per shortage, not on every run.

A state is written after a run and read back by the next, by older and newer
releases alike: keys a release does not know are ignored, and what a key holds
never changes without a new version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from potwise.domain.rules.topup.model import InvalidTopupState

__all__ = ["TOPUP_STATE_VERSION", "TopupState"]

TOPUP_STATE_VERSION: Final = 1


@dataclass(frozen=True, slots=True)
class TopupState:
    """The rule's stored state (see the module docs); a rule that never ran has both
    times None."""

    last_topup_at: datetime | None = None
    waiting_since: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("last_topup_at", "waiting_since"):
            at = getattr(self, name)
            if at is not None and (not isinstance(at, datetime) or at.utcoffset() is None):
                raise InvalidTopupState(f"{name} must be a timezone-aware datetime")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (version :data:`TOPUP_STATE_VERSION`)."""
        return {
            "version": TOPUP_STATE_VERSION,
            "last_topup_at": _iso(self.last_topup_at),
            "waiting_since": _iso(self.waiting_since),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TopupState:
        """Read what :meth:`to_dict` wrote; raises ``InvalidTopupState`` otherwise."""
        try:
            version = data["version"]
            if version != TOPUP_STATE_VERSION:
                raise InvalidTopupState(f"unknown top-up state version {version!r}")
            return cls(
                last_topup_at=_read_time(data["last_topup_at"]),
                waiting_since=_read_time(data["waiting_since"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidTopupState(f"unreadable top-up state: {exc!r}") from None


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.astimezone(UTC).isoformat()


def _read_time(value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidTopupState(f"times must be ISO 8601 strings, got {value!r}")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise InvalidTopupState(f"time without a timezone: {value!r}")
    return parsed.astimezone(UTC)
