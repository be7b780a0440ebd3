"""The credit-card pot rule: keep a Monzo pot equal to what is owed on some cards.

:func:`decide_card_pot` takes snapshots of the cards, the pot and the current
account, the rule's persisted :class:`CardPotState`, the amount already
deposited today, the config and ``now``, and returns a
:class:`CardPotDecision` (what to move, why, in plain English, and the state
to persist). Money is ``int`` pence in the user's signs: a card balance that
is owed is negative, a charge is negative, a payment or refund positive.

Where things are:

* ``model``: errors, :class:`Action`, :class:`Reason`, :class:`Situation`,
  :class:`Phase` and :class:`CardPotDecision`.
* ``inputs``: the snapshots and :class:`CardPotConfig`.
* ``state``: :class:`CardPotState` and its stored format.
* ``spending``: the target (what the cards owe, by
  :func:`potwise.domain.cards.owed_on_card`) and what is new spending.
* ``situations``: one function per situation of the policy; ``decide``: the
  decision, the limits and the current account.
* ``explain``: the explanation text (``formats``: how it writes amounts and
  times); ``fast``: the speed-only builders.
"""

from potwise.domain.rules.cardpot.decide import decide_card_pot
from potwise.domain.rules.cardpot.inputs import (
    MAX_COOLDOWN_HOURS,
    CardPotConfig,
    CardSnapshot,
    CurrentAccountSnapshot,
    PotSnapshot,
)
from potwise.domain.rules.cardpot.model import (
    Action,
    CardPotDecision,
    InvalidCardPotConfig,
    InvalidCardPotInput,
    InvalidCardPotState,
    Phase,
    Reason,
    Situation,
)
from potwise.domain.rules.cardpot.state import (
    CARD_POT_STATE_VERSION,
    SEEN_RETENTION,
    CardMemory,
    CardPotState,
    Cooldown,
)

__all__ = [
    "CARD_POT_STATE_VERSION",
    "MAX_COOLDOWN_HOURS",
    "SEEN_RETENTION",
    "Action",
    "CardMemory",
    "CardPotConfig",
    "CardPotDecision",
    "CardPotState",
    "CardSnapshot",
    "Cooldown",
    "CurrentAccountSnapshot",
    "InvalidCardPotConfig",
    "InvalidCardPotInput",
    "InvalidCardPotState",
    "Phase",
    "PotSnapshot",
    "Reason",
    "Situation",
    "decide_card_pot",
]
