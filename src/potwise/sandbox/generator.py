"""Deterministic household generator: a couple's money life, day by day.

Each day draws from its own seeded random stream (seed, household, date), so
the same seed gives the same history however the clock is advanced. Days are
generated up to the sandbox's now; events later in the day wait in the
household's schedule until the clock reaches them.

The pieces: `plan` opens the household's accounts, pots and cards; `bills`
holds what recurs each month and `bill_payments` pays it; `card_bills` the
cards' statements and repayments; `spending` the everyday habits and holidays;
`pot_habits` the household's own pot moves; `capital_one` the third card some
households are asked for.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from functools import partial

from potwise.sandbox.bill_payments import run_bill
from potwise.sandbox.bills import (
    Bill,
    due_date,
    household_bills,
    payday_truth,
    record_recurring_truth,
)
from potwise.sandbox.capital_one import CAPITAL_ONE, CapitalOneLife
from potwise.sandbox.card_bills import (
    AMEX_STATEMENT_DAY,
    BARCLAYCARD_STATEMENT_DAY,
    amex_statement,
    barclaycard_statement,
)
from potwise.sandbox.household import Household
from potwise.sandbox.ids import IdMaker
from potwise.sandbox.model import TLTx
from potwise.sandbox.moments import moment_at
from potwise.sandbox.plan import (
    HouseholdPlan,
    choose_job,
    meet_the_people,
    open_monzo_accounts,
    open_other_banks,
    open_pots,
    opening_balances,
)
from potwise.sandbox.pot_habits import bills_pot_withdraw, fund_card_pot, save_for_home
from potwise.sandbox.spending import go_on_holiday, holiday_day, spend_the_day


class HouseholdGenerator:
    def __init__(self, household: Household, now: datetime) -> None:
        self.h = household
        self.now = now
        today = now.date()
        self.start = today - timedelta(days=365 * household.years)
        self.next_day = self.start
        self.bills: list[Bill] = []
        self.plan: HouseholdPlan
        self._due: dict[date, list[Bill]] = {}
        self._planned_months: set[tuple[int, int]] = set()
        # A third card, only in households asked for it (drawn after everything else).
        self.capital_one: CapitalOneLife | None = None
        household.fill_days = self.fill

    # ---------------------------------------------------------------- setup
    def build(self) -> Household:
        """Open the household's accounts and write down its bills; no day is lived yet."""
        h = self.h
        rng = random.Random(f"{h.seed}:{h.name}:setup")
        main, partner = meet_the_people(h, rng)
        opened = datetime.combine(self.start - timedelta(days=400), datetime.min.time(), UTC)
        personal, joint = open_monzo_accounts(h, main, partner, opened)
        pots = open_pots(h, personal, joint, opened)
        banks = open_other_banks(h, main, opened, self.start)
        self.plan = HouseholdPlan(h, self.start, pots, banks)
        employer, salary = choose_job(rng)
        accounts = {
            "personal": personal.id,
            "joint": joint.id,
            "natwest": banks.natwest.account_id,
            "amex": banks.amex.account_id,
        }
        names = {"employer": employer, "partner": partner.full.upper(), "main": main.full.upper()}
        midway = self.start + (self.now.date() - self.start) / 2
        self.bills = household_bills(accounts, names, salary, midway)
        record_recurring_truth(h, self.bills)
        h.payday = payday_truth(employer, personal.id, salary)
        if CAPITAL_ONE in h.cards:
            self.capital_one = CapitalOneLife(self.plan, main, opened)
        return h

    # ---------------------------------------------------------- scheduling
    def fill(self, until: date) -> None:
        while self.next_day <= until:
            day = self.next_day
            self._plan_month(day.year, day.month)
            nxt = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
            self._plan_month(nxt.year, nxt.month)
            self._day(day)
            self.next_day = day + timedelta(days=1)

    def _plan_month(self, year: int, month: int) -> None:
        if (year, month) in self._planned_months:
            return
        self._planned_months.add((year, month))
        for bill in self.bills:
            due = due_date(bill, year, month)
            if due is not None:
                self._due.setdefault(due, []).append(bill)

    def _day(self, day: date) -> None:
        h = self.h
        rng = random.Random(f"{h.seed}:{h.name}:{day.toordinal()}")
        if day == self.start:
            h.schedule(moment_at(day, 8, rng), partial(opening_balances, self.plan))
        self._pay_due_bills(day, rng)
        self._routines(day, rng)
        spend_the_day(self.plan, day, rng)
        if self.capital_one is not None:
            self.capital_one.day(day)

    def _pay_due_bills(self, day: date, rng: random.Random) -> None:
        for bill in self._due.pop(day, []):
            if day < self.start or (bill.active_until and day > bill.active_until):
                continue
            run_bill(self.plan, bill, day, rng)

    def _routines(self, day: date, rng: random.Random) -> None:
        """Statements, the household's pot habits and its two holidays a year."""
        h, plan = self.h, self.plan
        if day.day == AMEX_STATEMENT_DAY:
            h.schedule(moment_at(day, 2, rng), partial(amex_statement, plan))
        if day.day == BARCLAYCARD_STATEMENT_DAY:
            h.schedule(moment_at(day, 2, rng), partial(barclaycard_statement, plan))
        if day.weekday() == 0:
            h.schedule(moment_at(day, 7, rng), partial(fund_card_pot, plan))
        if day.day == 1:
            h.schedule(moment_at(day, 6, rng), partial(bills_pot_withdraw, plan))
        if day.day == 29:
            h.schedule(moment_at(day, 9, rng), partial(save_for_home, plan))
        if day.month in (6, 12) and day.day == holiday_day(h, day.year, day.month):
            h.schedule(moment_at(day, 10, rng), partial(go_on_holiday, plan))


def generate_household(
    name: str, seed: int, years: int, now: datetime, cards: tuple[str, ...] = ()
) -> Household:
    """Build a household and generate its history up to `now`."""
    household = Household(name, seed, years, IdMaker(f"{seed}:{name}:ids"), cards)
    HouseholdGenerator(household, now).build()
    household.sync_to(now)
    return household


__all__ = ["Bill", "HouseholdGenerator", "TLTx", "generate_household"]
