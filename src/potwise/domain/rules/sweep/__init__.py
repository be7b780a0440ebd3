"""The sweep rule: move what is above a threshold in the current account into a pot.

:func:`decide_sweep` takes the rule's :class:`SweepConfig`, a :class:`SweepInputs`
snapshot (the current account, the pot, the bills due before payday, ``now``) and
the stored :class:`SweepState`, and returns a ``potwise.domain.rules.moves.RuleDecision``:
at most one deposit, why, in plain English, and the state to store.
:func:`next_slot` says when the rule sweeps next, for the scheduler and the UI.

Where things are:

* ``model``: errors, :class:`Schedule`, :class:`Reason` and the :class:`Outcome`
  a decision reaches before it is worded.
* ``inputs``: :class:`SweepConfig` and :class:`SweepInputs`.
* ``state``: :class:`SweepState` and its stored format.
* ``slots``: slot days and instants, the clocks' changes included.
* ``situations``: one function per situation; ``decide``: the decision.
* ``explain``: the explanation, the notice and the status line.
"""

from potwise.domain.rules.sweep.decide import decide_sweep
from potwise.domain.rules.sweep.inputs import MAX_ROUND_TO, SweepConfig, SweepInputs
from potwise.domain.rules.sweep.model import (
    InvalidSweepInput,
    InvalidSweepState,
    Outcome,
    Reason,
    Schedule,
)
from potwise.domain.rules.sweep.slots import due_slot, next_slot
from potwise.domain.rules.sweep.state import SWEEP_STATE_VERSION, SweepState

__all__ = [
    "MAX_ROUND_TO",
    "SWEEP_STATE_VERSION",
    "InvalidSweepInput",
    "InvalidSweepState",
    "Outcome",
    "Reason",
    "Schedule",
    "SweepConfig",
    "SweepInputs",
    "SweepState",
    "decide_sweep",
    "due_slot",
    "next_slot",
]
