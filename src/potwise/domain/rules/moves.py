"""What every rule kind's decision comes to: money moves between the Monzo current
account and its pots, with the words that say why.

The card pot keeps its own richer decision (`cardpot.CardPotDecision`); the other
kinds (sweep, salary sorter, top-up, goal) decide straight into a
:class:`RuleDecision`. The services turn either into transfer intents, one per
:class:`Move`, in the order given: the executor sends them one after another, each
with its own ``dedupe_id``.

Limits are shared: :func:`cap` applies a rule's ``max_transfer`` and what is left of
its ``max_per_day``. Like all of ``potwise.domain``: no I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from potwise.domain.errors import DomainError

__all__ = [
    "Capped",
    "Direction",
    "InvalidRuleConfig",
    "Move",
    "Phase",
    "RuleDecision",
    "cap",
]


class InvalidRuleConfig(DomainError):
    """A rule's config cannot be used (a limit, a threshold, a step)."""

    code = "invalid_rule_config"


class Direction(StrEnum):
    """Seen from the pot: a deposit fills it from the current account, a withdrawal
    empties it into the current account. Stored: never rename."""

    DEPOSIT = "deposit"
    WITHDRAW = "withdraw"


class Phase(StrEnum):
    """Where a decision leaves the rule (stored as its status). Never rename."""

    OK = "ok"
    COOLDOWN = "cooldown"
    WAITING_FUNDS = "waiting_funds"


@dataclass(frozen=True, slots=True)
class Move:
    """One transfer: ``amount`` pence (> 0) into or out of the pot ``pot_id`` (the
    product's pot id), with the short reason shown beside the transfer."""

    pot_id: str
    direction: Direction
    amount: int
    reason: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount <= 0:
            raise InvalidRuleConfig(
                f"A move must be a positive whole number of pence: {self.amount!r}"
            )


@dataclass(frozen=True, slots=True)
class Capped:
    """An amount after the limits: ``amount`` may be 0 (the day's limit is used up)."""

    amount: int
    by_transfer_limit: bool
    by_daily_limit: bool

    @property
    def capped(self) -> bool:
        return self.by_transfer_limit or self.by_daily_limit


def cap(wanted: int, *, max_transfer: int, max_per_day: int, moved_today: int) -> Capped:
    """``wanted`` (>= 0) within one transfer's limit and what is left of the day's."""
    left_today = max(0, max_per_day - moved_today)
    amount = min(wanted, max_transfer, left_today)
    return Capped(
        amount=max(0, amount),
        by_transfer_limit=wanted > max_transfer and max_transfer <= left_today,
        by_daily_limit=wanted > left_today,
    )


@dataclass(frozen=True, slots=True)
class RuleDecision:
    """What a rule does now and why.

    ``moves`` are made in order (empty: nothing moves). ``reason`` is the kind's
    stable reason code (stored, shown); ``explanation`` one or two plain sentences
    with the numbers. ``new_state`` (JSON-safe) is stored once every move is
    confirmed, or at once when nothing moves; None keeps the stored state.
    ``notify`` is a notice to leave the user now (once). ``phase`` and
    ``status_reason`` become the rule's status. ``figures`` are the numbers the
    decision used (JSON-safe), kept in the run's history.
    """

    moves: tuple[Move, ...]
    reason: str
    explanation: str
    currency: str = "GBP"
    new_state: dict[str, Any] | None = None
    notify: str | None = None
    phase: Phase = Phase.OK
    status_reason: str | None = None
    capped: bool = False
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Pence moved in all, deposits and withdrawals alike."""
        return sum(m.amount for m in self.moves)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe, for run history."""
        return {
            "moves": [
                {
                    "pot_id": m.pot_id,
                    "direction": str(m.direction),
                    "amount": m.amount,
                    "reason": m.reason,
                }
                for m in self.moves
            ],
            "reason": self.reason,
            "explanation": self.explanation,
            "currency": self.currency,
            "capped": self.capped,
            "notify": self.notify,
            "phase": str(self.phase),
            "figures": self.figures,
            "new_state": self.new_state,
        }
