"""What the card-pot rule remembers between runs, and how it is stored.

State format (``CardPotState.to_dict()``, JSON-safe, version 1)::

    {"version": 1, "pot_id": "...", "recorded_at": "<ISO 8601 UTC>",
     "recorded_owed": 51899, "unfunded": 0, "funds_notified": false,
     "cooldown": null | {"started_at": "...", "until": "...",
                         "owed_at_start": 50000, "pot_at_start": 0},
     "cards": {"<card account id>": {"seen": {"<tx id>": "<created_at ISO>"},
                                     "pending_charges": {"<tx id>": 1899},
                                     "owed": 51899, "covered_ahead": 4567}},
     "pot_left": 51899}

``pot_left`` (what the rule left in the pot: the pot it saw, plus or minus its
own move; stored only once that move is confirmed), a card's ``owed`` (what
it owed when the rule last read it) and ``covered_ahead`` (a rise of that
figure covered before the transactions behind it were seen) were added later
within version 1: they are written only when known (``covered_ahead`` when
not 0), so a state stored before them is written back unchanged, and a
release that does not know them ignores them. A state without them reads
them as unknown (``None``; ``covered_ahead`` 0).

A state is written after every run and read back on the next, also after a
restart and by older and newer versions of potwise alike: never change what
these keys hold without a new version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from potwise.domain.rules.cardpot.model import InvalidCardPotState

__all__ = [
    "CARD_POT_STATE_VERSION",
    "NEVER",
    "SEEN_RETENTION",
    "CardMemory",
    "CardPotState",
    "Cooldown",
]

CARD_POT_STATE_VERSION: Final = 1
#: How long a seen transaction id is remembered. Longer than any pending →
#: posted delay we know of (days), so a posting is never mistaken for new.
SEEN_RETENTION: Final = timedelta(days=45)

#: "No time yet": the `oldest` of a memory that has seen nothing (or was built
#: without :meth:`CardMemory.of`, so its oldest time is not known).
NEVER: Final = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Cooldown:
    """A wait before refilling an unexplained shortfall. ``owed_at_start`` and
    ``pot_at_start`` are recorded for explanations only: at expiry the live
    figures decide."""

    started_at: datetime
    until: datetime
    owed_at_start: int
    pot_at_start: int


@dataclass(frozen=True, slots=True)
class CardMemory:
    """What the rule remembers of one card: transaction ids seen (with their
    ``created_at``, for pruning), the pending charges it counted, what the card
    owed (``None``: not known, a state stored before it was kept) and how much
    of a rise of that figure was covered before its transactions were seen."""

    seen: Mapping[str, datetime] = field(default_factory=dict)
    pending_charges: Mapping[str, int] = field(default_factory=dict)
    # The earliest time in `seen` (derived, not persisted): prune only when due.
    oldest: datetime = field(default=NEVER, compare=False)
    owed: int | None = None
    covered_ahead: int = 0

    @classmethod
    def of(
        cls,
        seen: Mapping[str, datetime],
        pending_charges: Mapping[str, int],
        owed: int | None = None,
        covered_ahead: int = 0,
    ) -> CardMemory:
        """A memory with `oldest` worked out."""
        oldest = min(seen.values(), default=NEVER)
        return cls(seen, pending_charges, oldest, owed, covered_ahead)


@dataclass(frozen=True, slots=True)
class CardPotState:
    """The rule's persisted state, written after every run (see the module docs)."""

    pot_id: str
    recorded_at: datetime
    recorded_owed: int
    cards: Mapping[str, CardMemory]
    unfunded: int = 0
    cooldown: Cooldown | None = None
    funds_notified: bool = False
    #: What the rule left in the pot (None: not known, a state stored before it was kept).
    pot_left: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (version :data:`CARD_POT_STATE_VERSION`)."""
        cooldown = self.cooldown
        data: dict[str, Any] = {
            "version": CARD_POT_STATE_VERSION,
            "pot_id": self.pot_id,
            "recorded_at": self.recorded_at.isoformat(),
            "recorded_owed": self.recorded_owed,
            "unfunded": self.unfunded,
            "funds_notified": self.funds_notified,
            "cooldown": None
            if cooldown is None
            else {
                "started_at": cooldown.started_at.isoformat(),
                "until": cooldown.until.isoformat(),
                "owed_at_start": cooldown.owed_at_start,
                "pot_at_start": cooldown.pot_at_start,
            },
            "cards": {card_id: _memory_dict(memory) for card_id, memory in self.cards.items()},
        }
        if self.pot_left is not None:
            data["pot_left"] = self.pot_left
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CardPotState:
        """Read what :meth:`to_dict` wrote; raises ``InvalidCardPotState`` otherwise."""
        try:
            version = data["version"]
            if version != CARD_POT_STATE_VERSION:
                raise InvalidCardPotState(f"unknown card-pot state version {version!r}")
            cooldown = _read_cooldown(data["cooldown"])
            cards = {str(card_id): _read_memory(raw) for card_id, raw in data["cards"].items()}
            funds_notified = data["funds_notified"]
            if not isinstance(funds_notified, bool):
                raise InvalidCardPotState("funds_notified must be a boolean")
            pot_id = data["pot_id"]
            if not isinstance(pot_id, str):
                raise InvalidCardPotState("pot_id must be a string")
            pot_left = data.get("pot_left")
            return cls(
                pot_id=pot_id,
                recorded_at=_parse_time(data["recorded_at"]),
                recorded_owed=_state_int(data["recorded_owed"]),
                cards=cards,
                unfunded=_state_int(data["unfunded"]),
                cooldown=cooldown,
                funds_notified=funds_notified,
                pot_left=None if pot_left is None else _state_int(pot_left),
            )
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise InvalidCardPotState(f"unreadable card-pot state: {exc!r}") from None


def _read_cooldown(raw: Any) -> Cooldown | None:
    if raw is None:
        return None
    return Cooldown(
        started_at=_parse_time(raw["started_at"]),
        until=_parse_time(raw["until"]),
        owed_at_start=_state_int(raw["owed_at_start"]),
        pot_at_start=_state_int(raw["pot_at_start"]),
    )


def _memory_dict(memory: CardMemory) -> dict[str, Any]:
    data: dict[str, Any] = {
        "seen": {tx_id: at.isoformat() for tx_id, at in memory.seen.items()},
        "pending_charges": dict(memory.pending_charges),
    }
    if memory.owed is not None:
        data["owed"] = memory.owed
    if memory.covered_ahead:
        data["covered_ahead"] = memory.covered_ahead
    return data


def _read_memory(raw: Any) -> CardMemory:
    owed = raw.get("owed")
    return CardMemory.of(
        seen={str(k): _parse_time(v) for k, v in raw["seen"].items()},
        pending_charges={str(k): _state_int(v) for k, v in raw["pending_charges"].items()},
        owed=None if owed is None else _state_int(owed),
        covered_ahead=_state_int(raw.get("covered_ahead", 0)),
    )


def _parse_time(value: object) -> datetime:
    if not isinstance(value, str):
        raise InvalidCardPotState("times must be ISO 8601 strings")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise InvalidCardPotState(f"time without a timezone: {value!r}")
    return parsed.astimezone(UTC)


def _state_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidCardPotState(f"expected whole pence, got {value!r}")
    return value
