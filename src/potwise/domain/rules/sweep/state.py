"""What the sweep rule remembers between runs, and how it is stored.

State format (``SweepState.to_dict()``, JSON-safe, version 1)::

    {"version": 1, "last_slot": "2026-12-23" | null}

``last_slot`` is the local date of the last slot the rule handled, whether money
moved or not: a slot is handled once, however often the rule runs that day.

A state is written after a run and read back by the next, by older and newer
releases alike: keys a release does not know are ignored, and what a key holds
never changes without a new version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from potwise.domain.rules.sweep.model import InvalidSweepState

__all__ = ["SWEEP_STATE_VERSION", "SweepState"]

SWEEP_STATE_VERSION: Final = 1


@dataclass(frozen=True, slots=True)
class SweepState:
    """The rule's stored state (see the module docs). A rule that never ran has
    ``last_slot`` None."""

    last_slot: date | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (version :data:`SWEEP_STATE_VERSION`)."""
        slot = self.last_slot
        return {
            "version": SWEEP_STATE_VERSION,
            "last_slot": None if slot is None else slot.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SweepState:
        """Read what :meth:`to_dict` wrote; raises ``InvalidSweepState`` otherwise."""
        try:
            version = data["version"]
            if version != SWEEP_STATE_VERSION:
                raise InvalidSweepState(f"unknown sweep state version {version!r}")
            return cls(last_slot=_read_date(data["last_slot"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidSweepState(f"unreadable sweep state: {exc!r}") from None


def _read_date(value: object) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidSweepState(f"last_slot must be an ISO date, got {value!r}")
    return date.fromisoformat(value)
