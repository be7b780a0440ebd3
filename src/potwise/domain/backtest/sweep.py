"""The sweep in a backtest: it decides at each slot of its schedule (``sweep.slots``:
the rule's local time on its slot days; the day before the next payday for a
``before_payday`` sweep), with the current account as the replay has it then and
the bills still to leave before the next payday."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from potwise.domain.backtest.history import Calendar, History, Note
from potwise.domain.backtest.replay import Kind, Step, View
from potwise.domain.rules.sweep import Schedule, SweepConfig, SweepInputs, SweepState, decide_sweep
from potwise.domain.rules.sweep.slots import is_slot_day, slot_at

__all__ = ["SweepKind"]


class SweepKind(Kind):
    """A sweep rule, its state carried from one slot to the next."""

    def __init__(self, config: SweepConfig, history: History, calendar: Calendar) -> None:
        self.config = config
        self.history = history
        self.calendar = calendar
        self.state = SweepState()
        self.pot_name = next((p.name for p in history.pots if p.pot_id == config.pot_id), None)

    def wakes(self) -> Iterator[datetime]:
        zone = self.history.zone
        for day in self.history.days():
            if is_slot_day(self.config, day, self.calendar.next_payday(day)):
                yield slot_at(self.config, day, zone)

    def at(self, when: datetime, view: View) -> Step:
        inputs = SweepInputs(
            available=view.available,
            pot_balance=view.pot(self.config.pot_id),
            now=when,
            bills_due=view.bills_due,
            next_payday=view.next_payday,
            moved_today=view.moved_today,
            tz=self.history.tz,
            currency=self.history.currency,
            pot_name=self.pot_name,
        )
        decision = decide_sweep(self.config, inputs, self.state)
        if decision.new_state is not None:
            self.state = SweepState.from_dict(decision.new_state)
        return Step.of(decision)

    def notes(self) -> Iterator[Note]:
        if self.calendar.known:
            return
        if self.config.schedule is Schedule.BEFORE_PAYDAY:
            yield Note(
                "no_payday",
                "No payday was detected or set, so a sweep before payday would never have run. "
                "Set your payday, or wait until your salary is detected.",
            )
        elif self.config.keep_for_bills:
            yield Note(
                "no_payday",
                "No payday was detected or set: the bills kept back were those due within "
                "a month of each sweep.",
            )
