"""The top-up in a backtest: it decides after every debit on the current account (the
moment the balance can fall below the floor) and at the end of each day (a cooldown
that ended during a quiet day is picked up then), its cooldown carried across."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from potwise.domain.backtest.history import History, Posting
from potwise.domain.backtest.replay import Kind, Step, View
from potwise.domain.rules.topup import TopupConfig, TopupInputs, TopupState, decide_topup

__all__ = ["TopupKind"]


class TopupKind(Kind):
    """A top-up rule; ``floor`` also marks the days the account ends up below it."""

    def __init__(self, config: TopupConfig, history: History) -> None:
        self.config = config
        self.history = history
        self.floor = config.floor
        self.state = TopupState()
        self.pot_name = next((p.name for p in history.pots if p.pot_id == config.pot_id), None)

    def wakes(self) -> Iterator[datetime]:
        for day in self.history.days():
            yield self.history.day_end(day)

    def after(self, posting: Posting, view: View) -> Step | None:
        return self._decide(view) if posting.amount < 0 else None

    def at(self, when: datetime, view: View) -> Step:
        return self._decide(view)

    def _decide(self, view: View) -> Step:
        inputs = TopupInputs(
            available=view.available,
            pot_balance=view.pot(self.config.pot_id),
            now=view.now,
            moved_today=view.moved_today,
            tz=self.history.tz,
            currency=self.history.currency,
            pot_name=self.pot_name,
        )
        decision = decide_topup(self.config, inputs, self.state)
        if decision.new_state is not None:
            self.state = TopupState.from_dict(decision.new_state)
        return Step.of(decision)
