"""The live inputs of the rule kinds that decide into moves (sweep, salary sorter,
top-up, goal), read from the freshly refreshed mirror, and their decisions.

The card pot has its own reader (`scene.py`) and evaluation (`evaluate.py`); every
other kind is one module here with one function, ``decide(ctx)``, that reads what
its pure decision (`domain/rules/<kind>/`) needs and asks it. What they share is
in `common.py` (the account, the pots, what the rule moved today) and `plan.py`
(payday, the bills due before it and what is safe to add).
"""

from __future__ import annotations

from collections.abc import Callable

from potwise.domain.rules.moves import RuleDecision
from potwise.services.automations.kinds import autosort, goal, sweep, topup
from potwise.services.automations.kinds.common import KindContext, KindScene, read_context

__all__ = ["KindContext", "KindScene", "decide", "read_context"]

_DECIDERS: dict[str, Callable[[KindContext], RuleDecision]] = {
    "sweep": sweep.decide,
    "autosort": autosort.decide,
    "topup": topup.decide,
    "goal": goal.decide,
}


def decide(ctx: KindContext) -> KindScene:
    """The rule's decision on what `ctx` read, with the figures it used."""
    decision = _DECIDERS[ctx.rule.kind](ctx)
    return KindScene(ctx, decision)
