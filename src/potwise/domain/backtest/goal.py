"""The savings goal in a backtest: with ``contribute_on_payday`` it decides on each
payday, after every credit that lands that day (pay arriving) and at the day's end
(a contribution that waited for funds is tried again then).

Safe to add is approximated as the simulated current account above the bills and card
repayments due before the next payday, never below zero. The live figure also takes
off planned expenses and set-asides, which the history does not hold: the backtest
may add a little more than the live rule would (a note says so)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from potwise.domain.backtest.history import Calendar, History, Note, Posting
from potwise.domain.backtest.replay import Kind, Step, View
from potwise.domain.rules.goal import GoalConfig, GoalState, decide_goal

__all__ = ["GoalKind"]


class GoalKind(Kind):
    """A goal rule, its last contribution's day carried across paydays."""

    def __init__(self, config: GoalConfig, history: History, calendar: Calendar) -> None:
        self.config = config
        self.history = history
        self.calendar = calendar
        self.state = GoalState()
        self.pot_name = next((p.name for p in history.pots if p.pot_id == config.pot_id), None)

    def wakes(self) -> Iterator[datetime]:
        if not self.config.contribute_on_payday:
            return
        days = self.history.days()
        for day in self.calendar.paydays(days[0], days[-1]):
            yield self.history.day_end(day)

    def after(self, posting: Posting, view: View) -> Step | None:
        if not self.config.contribute_on_payday or not view.payday_today:
            return None
        if posting.amount <= 0 or posting.pot_id is not None:
            return None
        return self._decide(view)

    def at(self, when: datetime, view: View) -> Step:
        return self._decide(view)

    def _decide(self, view: View) -> Step:
        decision = decide_goal(
            self.config,
            pot_balance=view.pot(self.config.pot_id),
            pot_deleted=False,
            today=view.today,
            payday_today=view.payday_today,
            safe_to_add=max(0, view.available - view.bills_due),
            available=view.available,
            moved_today=view.moved_today,
            state=self.state,
            now=view.now,
            tz=self.history.tz,
            currency=self.history.currency,
            pot_name=self.pot_name,
        )
        if decision.new_state is not None:
            self.state = GoalState.from_dict(decision.new_state)
        return Step.of(decision)

    def notes(self) -> Iterator[Note]:
        if not self.config.contribute_on_payday:
            yield Note(
                "tracking_only",
                "The goal only tracks (contributing on payday is off): "
                "it would have moved nothing.",
            )
            return
        if not self.calendar.known:
            yield Note(
                "no_payday",
                "No payday was detected or set, so the goal would never have contributed.",
            )
            return
        yield Note(
            "safe_to_add_estimated",
            "Safe to add is estimated as the current account above the bills and card "
            "repayments due before the next payday; planned expenses and set-asides are "
            "not in the history.",
        )
