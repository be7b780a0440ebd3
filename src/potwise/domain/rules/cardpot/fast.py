"""Speed-only builders of the objects a decision returns, the same objects faster.

A decision builds a new card memory per card, a new state and the decision
itself. The ``__init__`` a frozen dataclass generates calls
``object.__setattr__`` once per field, and that was a quarter of a decision's
time; these builders set each slot through its descriptor instead. The
objects built are equal to, and indistinguishable from, what the classes'
own constructors build: none of these classes has a ``__post_init__`` to skip
(checked at import, with the fields: a class that changes without its
builder fails at import, not in a decision). Nothing here is policy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from potwise.domain.rules.cardpot.model import Action, CardPotDecision, Reason
from potwise.domain.rules.cardpot.state import CardMemory, CardPotState, Cooldown

if TYPE_CHECKING:
    from potwise.domain.rules.cardpot.explain import Story

__all__ = ["new_decision", "new_memory", "new_state", "new_story"]

_Setter = Callable[[object, object], None]


def _slot_setters(cls: type[Any], names: tuple[str, ...]) -> tuple[_Setter, ...]:
    """The slot setters of the frozen slots dataclass `cls`, one per field, in order.

    Fails at import if a class's fields change without its builder."""
    if tuple(f.name for f in fields(cls)) != names or hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} changed: update its builder")
    return tuple(cls.__dict__[name].__set__ for name in names)


_MEMORY_SLOTS: Final = _slot_setters(
    CardMemory, ("seen", "pending_charges", "oldest", "owed", "covered_ahead")
)
_STATE_SLOTS: Final = _slot_setters(
    CardPotState,
    (
        "pot_id",
        "recorded_at",
        "recorded_owed",
        "cards",
        "unfunded",
        "cooldown",
        "funds_notified",
        "pot_left",
    ),
)
_DECISION_SLOTS: Final = _slot_setters(
    CardPotDecision,
    (
        "action",
        "amount",
        "target",
        "pot_balance",
        "reason",
        "capped",
        "notify",
        "new_state",
        "currency",
        "new_spending",
        "_story",
        "_explanation",
    ),
)

#: Builds a :class:`Story` from a tuple of its figures in field order, without the
#: argument handling of a named tuple's ``__new__`` (a decision builds one).
new_story: Final[Callable[[type[Story], tuple[Any, ...]], Story]] = tuple.__new__


def new_memory(
    seen: Mapping[str, datetime],
    pending_charges: Mapping[str, int],
    oldest: datetime,
    owed: int | None,
    covered_ahead: int,
) -> CardMemory:
    """``CardMemory(seen, pending_charges, oldest, owed, covered_ahead)``, built faster."""
    memory = object.__new__(CardMemory)
    set_seen, set_pending_charges, set_oldest, set_owed, set_covered_ahead = _MEMORY_SLOTS
    set_seen(memory, seen)
    set_pending_charges(memory, pending_charges)
    set_oldest(memory, oldest)
    set_owed(memory, owed)
    set_covered_ahead(memory, covered_ahead)
    return memory


def new_state(
    pot_id: str,
    recorded_at: datetime,
    recorded_owed: int,
    cards: Mapping[str, CardMemory],
    unfunded: int,
    cooldown: Cooldown | None,
    funds_notified: bool,
    pot_left: int | None,
) -> CardPotState:
    """``CardPotState(...)`` (the same arguments, in order), built faster."""
    state = object.__new__(CardPotState)
    (
        s_pot_id,
        s_recorded_at,
        s_recorded_owed,
        s_cards,
        s_unfunded,
        s_cooldown,
        s_notified,
        s_pot_left,
    ) = _STATE_SLOTS
    s_pot_id(state, pot_id)
    s_recorded_at(state, recorded_at)
    s_recorded_owed(state, recorded_owed)
    s_cards(state, cards)
    s_unfunded(state, unfunded)
    s_cooldown(state, cooldown)
    s_notified(state, funds_notified)
    s_pot_left(state, pot_left)
    return state


def new_decision(
    action: Action,
    amount: int,
    target: int,
    pot_balance: int,
    reason: Reason,
    capped: bool,
    notify: str | None,
    new_state: CardPotState | None,
    currency: str,
    new_spending: int,
    story: Story,
) -> CardPotDecision:
    """``CardPotDecision(...)`` (the same arguments, in order), built faster."""
    decision = object.__new__(CardPotDecision)
    (
        s_action,
        s_amount,
        s_target,
        s_pot_balance,
        s_reason,
        s_capped,
        s_notify,
        s_new_state,
        s_currency,
        s_new_spending,
        s_story,
        s_explanation,
    ) = _DECISION_SLOTS
    s_action(decision, action)
    s_amount(decision, amount)
    s_target(decision, target)
    s_pot_balance(decision, pot_balance)
    s_reason(decision, reason)
    s_capped(decision, capped)
    s_notify(decision, notify)
    s_new_state(decision, new_state)
    s_currency(decision, currency)
    s_new_spending(decision, new_spending)
    s_story(decision, story)
    s_explanation(decision, None)
    return decision
