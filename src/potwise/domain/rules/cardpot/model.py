"""The card-pot rule's vocabulary: its errors, actions, reasons, the situations a
decision can be in, the phase it leaves the rule in, and the decision itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from potwise.domain.errors import DomainError

if TYPE_CHECKING:
    from potwise.domain.rules.cardpot.explain import Story
    from potwise.domain.rules.cardpot.state import CardPotState

__all__ = [
    "Action",
    "CardPotDecision",
    "InvalidCardPotConfig",
    "InvalidCardPotInput",
    "InvalidCardPotState",
    "Phase",
    "Reason",
    "Situation",
]


# -- errors ---------------------------------------------------------------------------


class InvalidCardPotConfig(DomainError):
    """A card-pot rule's config is invalid (limits, cooldown, ids)."""

    code = "invalid_card_pot_config"


class InvalidCardPotInput(DomainError):
    """The snapshots given to the decision do not match the rule (wrong pot or cards)."""

    code = "invalid_card_pot_input"


class InvalidCardPotState(DomainError):
    """A persisted card-pot state cannot be read (unknown version, bad fields)."""

    code = "invalid_card_pot_state"


# -- enums ----------------------------------------------------------------------------


class Action(StrEnum):
    DEPOSIT = "deposit"
    WITHDRAW = "withdraw"
    NONE = "none"


class Reason(StrEnum):
    """Stable reason codes: stored in run history and shown in the UI. Never rename."""

    FIRST_RUN = "first_run"
    IN_SYNC = "in_sync"
    NEW_SPENDING = "new_spending"
    SURPLUS = "surplus"
    COOLDOWN_STARTED = "cooldown_started"
    COOLDOWN_WAITING = "cooldown_waiting"
    COOLDOWN_ENDED = "cooldown_ended"
    COOLDOWN_EXPIRED = "cooldown_expired"
    NO_COOLDOWN = "no_cooldown"
    SHORTFALL_COVERED = "shortfall_covered"
    CARRIED_OVER = "carried_over"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    CAPPED_BY_LIMIT = "capped_by_limit"
    DAILY_LIMIT_REACHED = "daily_limit_reached"
    POT_DELETED = "pot_deleted"


class Phase(StrEnum):
    """Where a decision leaves the rule: stored as the rule's status (with the
    statuses every rule kind shares, such as ``paused`` and ``error``) and read
    by the dashboard and the triggers. Never rename: stored."""

    OK = "ok"
    COOLDOWN = "cooldown"
    WAITING_FUNDS = "waiting_funds"


class Situation(StrEnum):
    """Which branch of the policy a decision took: the situation its explanation
    describes (see ``situations`` and ``explain``). Internal: never stored."""

    POT_DELETED = "pot_deleted"
    WITHDRAW = "withdraw"
    FIRST_IN_SYNC = "first_in_sync"
    BACK_IN_SYNC = "back_in_sync"
    IN_SYNC = "in_sync"
    FIRST_SHORT = "first_short"
    COOLDOWN_EXPIRED = "cooldown_expired"
    COOLDOWN_DEPOSIT = "cooldown_deposit"
    COOLDOWN_WAITING = "cooldown_waiting"
    NO_COOLDOWN = "no_cooldown"
    SPENDING = "spending"
    COVER_SHORTFALL = "cover_shortfall"
    COOLDOWN_STARTED = "cooldown_started"


# -- the decision -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True, repr=False)
class CardPotDecision:
    """What to do now. ``amount`` > 0 unless ``action`` is ``none``; ``target`` is
    what is owed (>= 0), ``pot_balance`` the pot before the move. ``notify`` is a
    message to send now (once). ``new_state`` is what to persist after the move
    is confirmed (None only when a rule whose pot was deleted has never run).

    :attr:`explanation` says why in plain English. It is written when first
    read, from figures the decision keeps, so deciding stays cheap for callers
    that do not show it; the text is the same either way."""

    action: Action
    amount: int
    target: int
    pot_balance: int
    reason: Reason
    capped: bool
    notify: str | None
    new_state: CardPotState | None
    currency: str
    new_spending: int = 0
    _story: Story | None = None
    _explanation: str | None = field(default=None, init=False, compare=False)

    @property
    def explanation(self) -> str:
        """Why, in plain English (rendered on first read, then kept)."""
        text = self._explanation
        if text is None:
            text = "" if self._story is None else self._story.render()
            object.__setattr__(self, "_explanation", text)
        return text

    @property
    def cooldown_until(self) -> datetime | None:
        """When the cooldown in force after this decision ends, if one is."""
        state = self.new_state
        if state is None or state.cooldown is None:
            return None
        return state.cooldown.until

    @property
    def phase(self) -> Phase:
        """Where this decision leaves the rule: waiting for funds, cooling down, or ok."""
        if self.reason == Reason.INSUFFICIENT_FUNDS:
            return Phase.WAITING_FUNDS
        if self.cooldown_until is not None:
            return Phase.COOLDOWN
        return Phase.OK

    def __repr__(self) -> str:
        return (
            f"{type(self).__qualname__}(action={self.action!r}, amount={self.amount!r}, "
            f"target={self.target!r}, pot_balance={self.pot_balance!r}, "
            f"reason={self.reason!r}, capped={self.capped!r}, notify={self.notify!r}, "
            f"explanation={self.explanation!r}, new_state={self.new_state!r}, "
            f"currency={self.currency!r}, new_spending={self.new_spending!r})"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe, for run history (the state included)."""
        return {
            "action": str(self.action),
            "amount": self.amount,
            "currency": self.currency,
            "target": self.target,
            "pot_balance": self.pot_balance,
            "reason": str(self.reason),
            "capped": self.capped,
            "notify": self.notify,
            "explanation": self.explanation,
            "new_spending": self.new_spending,
            "new_state": None if self.new_state is None else self.new_state.to_dict(),
        }
