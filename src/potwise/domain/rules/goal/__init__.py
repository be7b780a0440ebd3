"""The savings goal (``goal``): fund a pot toward a target amount by a date, with
what is safe to add.

:func:`goal_progress` says where a goal stands (saved, remaining, what it
needs a month); :func:`decide_goal` decides what goes into the pot today, into
a :class:`~potwise.domain.rules.moves.RuleDecision`. Money is ``int`` pence;
dates are the user's local dates.

Where things are:

* ``model``: errors and :class:`Reason`.
* ``inputs``: :class:`GoalConfig`.
* ``progress``: :class:`GoalProgress` and :func:`goal_progress`.
* ``state``: :class:`GoalState` and its format.
* ``situations``: why nothing is contributed, and a payday contribution;
  ``decide``: the decision; ``explain``: its words.
"""

from potwise.domain.rules.goal.decide import decide_goal
from potwise.domain.rules.goal.inputs import GoalConfig
from potwise.domain.rules.goal.model import MAX_LIMIT, InvalidGoalInput, InvalidGoalState, Reason
from potwise.domain.rules.goal.progress import GoalProgress, goal_progress, whole_months
from potwise.domain.rules.goal.situations import Contribution
from potwise.domain.rules.goal.state import GOAL_STATE_VERSION, GoalState

__all__ = [
    "GOAL_STATE_VERSION",
    "MAX_LIMIT",
    "Contribution",
    "GoalConfig",
    "GoalProgress",
    "GoalState",
    "InvalidGoalInput",
    "InvalidGoalState",
    "Reason",
    "decide_goal",
    "goal_progress",
    "whole_months",
]
