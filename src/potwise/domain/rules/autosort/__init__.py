"""The salary sorter (``autosort``): when income lands on the current account, send
it to pots in ordered steps (fixed amounts, percentages, the bills due before
payday, the rest).

:func:`matches_income` says whether a credit is the income the rule sorts;
:func:`decide_autosort` decides how it is sorted, into a
:class:`~potwise.domain.rules.moves.RuleDecision`. Money is ``int`` pence, a
percentage ``int`` basis points.

Where things are:

* ``model``: errors, :class:`Income`, :class:`StepKind`, :class:`Reason` and
  :class:`StepOutcome` (what one step came to).
* ``inputs``: :class:`AutosortConfig` and its :class:`SortStep`, the
  :class:`IncomeCredit` and the :class:`PotView`.
* ``state``: :class:`AutosortState` (the credits already sorted) and its format.
* ``income``: the matcher; ``steps``: the walk through the steps;
  ``decide``: the decision; ``explain``: its words.
"""

from potwise.domain.rules.autosort.decide import decide_autosort
from potwise.domain.rules.autosort.income import matches_income
from potwise.domain.rules.autosort.inputs import AutosortConfig, IncomeCredit, PotView, SortStep
from potwise.domain.rules.autosort.model import (
    MAX_AMOUNT,
    MAX_STEPS,
    Income,
    InvalidAutosortInput,
    InvalidAutosortState,
    Reason,
    StepKind,
    StepOutcome,
)
from potwise.domain.rules.autosort.state import (
    AUTOSORT_STATE_VERSION,
    SORTED_RETENTION,
    AutosortState,
)
from potwise.domain.rules.autosort.steps import percent_shares

__all__ = [
    "AUTOSORT_STATE_VERSION",
    "MAX_AMOUNT",
    "MAX_STEPS",
    "SORTED_RETENTION",
    "AutosortConfig",
    "AutosortState",
    "Income",
    "IncomeCredit",
    "InvalidAutosortInput",
    "InvalidAutosortState",
    "PotView",
    "Reason",
    "SortStep",
    "StepKind",
    "StepOutcome",
    "decide_autosort",
    "matches_income",
    "percent_shares",
]
