"""The auto top-up rule: when the current account falls below a floor, withdraw from a
pot to bring it up to a target.

:func:`decide_topup` takes the rule's :class:`TopupConfig`, a :class:`TopupInputs`
snapshot (the current account, the pot, ``now``) and the stored
:class:`TopupState`, and returns a ``potwise.domain.rules.moves.RuleDecision``: at
most one withdrawal, why, in plain English, and the state to store.

Where things are:

* ``model``: errors, :class:`Reason` and the :class:`Outcome` a decision reaches
  before it is worded.
* ``inputs``: :class:`TopupConfig` and :class:`TopupInputs`.
* ``state``: :class:`TopupState` and its stored format.
* ``situations``: one function per situation; ``decide``: the decision.
* ``explain``: the explanation, the notice and the status line.
"""

from potwise.domain.rules.topup.decide import decide_topup
from potwise.domain.rules.topup.inputs import MAX_COOLDOWN_HOURS, TopupConfig, TopupInputs
from potwise.domain.rules.topup.model import (
    InvalidTopupInput,
    InvalidTopupState,
    Outcome,
    Reason,
)
from potwise.domain.rules.topup.state import TOPUP_STATE_VERSION, TopupState

__all__ = [
    "MAX_COOLDOWN_HOURS",
    "TOPUP_STATE_VERSION",
    "InvalidTopupInput",
    "InvalidTopupState",
    "Outcome",
    "Reason",
    "TopupConfig",
    "TopupInputs",
    "TopupState",
    "decide_topup",
]
