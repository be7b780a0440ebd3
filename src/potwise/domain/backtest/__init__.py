"""Backtest a rule: what it would have done over the past months, had it been on.

:func:`backtest` takes a :class:`History` (the current account's postings over
the period, the balances at its start walked back by the caller, the paydays and
the bills due, the cards a card pot covers) and a rule kind's own config, and
replays the period in time order, asking the kind's real decision at the moments
the live rule would decide. It returns a :class:`Backtest`: the moves, the
balances day by day with the rule and without it, warnings and a summary. It
moves nothing and writes nothing: it has no way to.

Where things are:

* ``history``: what is replayed (:class:`History`, :class:`Posting`, :class:`Due`,
  :class:`PotStart`, :class:`CardHistory`, :class:`Note`) and :class:`Calendar`
  (the next payday, the bills due before it).
* ``replay``: the engine: the walk, the simulated balances, :class:`Kind` (a rule
  kind's adapter), :class:`View` and :class:`Step`.
* ``sweep``, ``topup``, ``autosort``, ``goal``, ``cardpot``: one adapter per kind,
  each saying when its rule decides and building its inputs.
* ``notes``: the warnings' words; ``result``: what comes back.
"""

from __future__ import annotations

from potwise.domain.backtest.autosort import AutosortKind
from potwise.domain.backtest.cardpot import CardPotKind
from potwise.domain.backtest.goal import GoalKind
from potwise.domain.backtest.history import (
    Calendar,
    CardHistory,
    Due,
    History,
    InvalidHistory,
    Note,
    Posting,
    PotStart,
    shift_months,
)
from potwise.domain.backtest.replay import Kind, Step, View, replay
from potwise.domain.backtest.result import (
    Backtest,
    BacktestMove,
    BacktestWarning,
    DayBalance,
    Lowest,
    Summary,
)
from potwise.domain.backtest.sweep import SweepKind
from potwise.domain.backtest.topup import TopupKind
from potwise.domain.rules.autosort import AutosortConfig
from potwise.domain.rules.cardpot import CardPotConfig
from potwise.domain.rules.goal import GoalConfig
from potwise.domain.rules.sweep import SweepConfig
from potwise.domain.rules.topup import TopupConfig

__all__ = [
    "Backtest",
    "BacktestMove",
    "BacktestWarning",
    "Calendar",
    "CardHistory",
    "DayBalance",
    "Due",
    "History",
    "InvalidHistory",
    "Kind",
    "Lowest",
    "Note",
    "Posting",
    "PotStart",
    "RuleConfig",
    "Step",
    "Summary",
    "View",
    "backtest",
    "shift_months",
]

RuleConfig = SweepConfig | TopupConfig | AutosortConfig | GoalConfig | CardPotConfig


def backtest(history: History, config: RuleConfig) -> Backtest:
    """Replay ``history`` with the rule of ``config`` (its kind is the config's type)."""
    calendar = Calendar(history.paydays, history.dues, history.zone)
    kind: Kind
    if isinstance(config, SweepConfig):
        kind = SweepKind(config, history, calendar)
    elif isinstance(config, TopupConfig):
        kind = TopupKind(config, history)
    elif isinstance(config, AutosortConfig):
        kind = AutosortKind(config, history, calendar)
    elif isinstance(config, GoalConfig):
        kind = GoalKind(config, history, calendar)
    else:
        kind = CardPotKind(config, history)
    return replay(history, kind, calendar)
