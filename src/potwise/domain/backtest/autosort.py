"""The salary sorter in a backtest: it decides when a credit lands on the current account
that its income matches (``matches_income``: the caller marks the salary's credits;
a payer's are matched by name and amount), with the credit in the balance.

The bills a ``bills`` step tops its pot up to are the current account's bills and card
repayments due before the next payday: the history cannot tell which pot pays which
bill, so they are all counted for the first ``bills`` step (a note says so)."""

from __future__ import annotations

from collections.abc import Iterator

from potwise.domain.backtest.history import Calendar, History, Note, Posting
from potwise.domain.backtest.replay import Kind, Step, View
from potwise.domain.rules.autosort import (
    AutosortConfig,
    AutosortState,
    Income,
    IncomeCredit,
    PotView,
    StepKind,
    decide_autosort,
    matches_income,
)

__all__ = ["AutosortKind"]


class AutosortKind(Kind):
    """A salary sorter, the credits it sorted carried from one to the next."""

    def __init__(self, config: AutosortConfig, history: History, calendar: Calendar) -> None:
        self.config = config
        self.history = history
        self.calendar = calendar
        self.state = AutosortState()
        self.names = {p.pot_id: p.name for p in history.pots}
        self.bills_pot = next((s.pot_id for s in config.steps if s.kind is StepKind.BILLS), None)
        self.matched = 0

    def after(self, posting: Posting, view: View) -> Step | None:
        if posting.amount <= 0 or posting.pot_id is not None:
            return None
        credit = IncomeCredit(
            posting.transaction_id, posting.amount, posting.at, posting.description
        )
        if not matches_income(self.config, credit, is_salary=posting.salary):
            return None
        self.matched += 1
        pots = {
            step.pot_id: PotView(view.pot(step.pot_id), False, self.names[step.pot_id])
            for step in self.config.steps
        }
        decision = decide_autosort(
            self.config,
            credit=credit,
            available=view.available,
            pots=pots,
            bills_due={} if self.bills_pot is None else {self.bills_pot: view.bills_due},
            next_payday=view.next_payday,
            moved_today=view.moved_today,
            state=self.state,
            now=posting.at,
            tz=self.history.tz,
            currency=self.history.currency,
        )
        if decision.new_state is not None:
            self.state = AutosortState.from_dict(decision.new_state)
        return Step.of(decision)

    def notes(self) -> Iterator[Note]:
        if not self.matched:
            if self.config.income is Income.SALARY:
                which = "your salary"
            else:
                which = f"a credit from \u201c{self.config.payer}\u201d"
                if self.config.min_amount:
                    which += " of at least the minimum amount"
            yield Note("no_income", f"No credit in the period was {which}: nothing was sorted.")
        if self.bills_pot is None:
            return
        yield Note(
            "bills_guessed",
            "The history does not say which pot pays which bill: the bills step counts "
            "every bill and card repayment leaving the current account before payday.",
        )
        if not self.calendar.known:
            yield Note(
                "no_payday",
                "No payday was detected or set: the bills step counted the bills due within "
                "a month of each pay.",
            )
