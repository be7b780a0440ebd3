"""Properties of the salary sorter's and the savings goal's decisions, over random
configs, credits, balances and limits."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from potwise.domain.rules.autosort import (
    AutosortConfig,
    AutosortState,
    IncomeCredit,
    PotView,
    SortStep,
    StepKind,
    decide_autosort,
    percent_shares,
)
from potwise.domain.rules.goal import GoalConfig, GoalState, decide_goal, goal_progress
from potwise.domain.rules.moves import RuleDecision

from .autosort_builders import PAYDAY, T0

MAX = 10_000_000
POTS = ("a", "b", "c", "d", "e", "f")

# -- the salary sorter -----------------------------------------------------------------


@st.composite
def sort_steps(draw: st.DrawFn, *, with_rest: bool | None = None) -> tuple[SortStep, ...]:
    """1 to 6 steps on distinct pots; percentages together never over 100%."""
    n = draw(st.integers(1, 5))
    steps = []
    for pot_id in POTS[:n]:
        kind = draw(st.sampled_from([StepKind.FIXED, StepKind.PERCENT, StepKind.BILLS]))
        if kind is StepKind.FIXED:
            steps.append(SortStep(pot_id, kind, amount=draw(st.integers(1, 500_000))))
        elif kind is StepKind.PERCENT:
            steps.append(SortStep(pot_id, kind, percent_bp=draw(st.integers(1, 2_000))))
        else:
            steps.append(SortStep(pot_id, kind))
    if with_rest if with_rest is not None else draw(st.booleans()):
        steps.append(SortStep(POTS[n], StepKind.REST))
    return tuple(steps)


@dataclass(frozen=True)
class Sort:
    config: AutosortConfig
    credit: IncomeCredit
    available: int
    pots: dict[str, PotView]
    bills_due: dict[str, int]
    moved_today: int

    def decide(self, state: AutosortState | None = None) -> RuleDecision:
        return decide_autosort(
            self.config,
            credit=self.credit,
            available=self.available,
            pots=self.pots,
            bills_due=self.bills_due,
            next_payday=PAYDAY,
            moved_today=self.moved_today,
            state=state,
            now=T0,
        )


@st.composite
def sorts(draw: st.DrawFn, *, free: bool = False, with_rest: bool | None = None) -> Sort:
    """A sort; `free`: nothing caps it (high limits, the whole credit there, no pot deleted)."""
    steps = draw(sort_steps(with_rest=with_rest))
    amount = draw(st.integers(1, 2_000_000))
    if free:
        limits, moved_today, available = (MAX, MAX), 0, amount + draw(st.integers(0, 10**6))
        deleted: set[str] = set()
    else:
        limits = (draw(st.integers(1, 1_000_000)), draw(st.integers(1, 3_000_000)))
        moved_today = draw(st.integers(0, 3_000_000))
        available = draw(st.integers(-50_000, 3_000_000))
        deleted = draw(st.sets(st.sampled_from(POTS)))
    config = AutosortConfig(
        income="salary", steps=steps, max_transfer=limits[0], max_per_day=limits[1]
    )
    used = [step.pot_id for step in steps]
    pots = {
        p: PotView(balance=draw(st.integers(0, 300_000)), deleted=p in deleted, name=p.upper())
        for p in used
    }
    bills_due = draw(st.dictionaries(st.sampled_from(used), st.integers(0, 400_000)))
    credit = IncomeCredit("tx-1", amount, T0, "ACME LTD")
    return Sort(config, credit, available, pots, bills_due, moved_today)


@settings(max_examples=150, deadline=None)
@given(sorts())
def test_a_sort_keeps_the_limits_and_the_current_account(sort: Sort) -> None:
    decision = sort.decide()
    cfg = sort.config
    assert all(0 < m.amount <= cfg.max_transfer for m in decision.moves)
    assert decision.total <= max(0, cfg.max_per_day - sort.moved_today)
    assert decision.total <= max(0, sort.available)  # the account never goes below zero
    assert decision.total <= sort.credit.amount
    assert not any(sort.pots[m.pot_id].deleted for m in decision.moves)
    assert len({m.pot_id for m in decision.moves}) == len(decision.moves)


@settings(max_examples=60, deadline=None)
@given(sorts(free=True, with_rest=True))
def test_a_split_with_a_rest_step_sorts_the_whole_credit_when_nothing_caps_it(
    sort: Sort,
) -> None:
    decision = sort.decide()
    assert decision.total == sort.credit.amount, decision.explanation
    assert decision.reason in ("sorted", "partly_sorted")  # a credit below the fixed steps


@settings(max_examples=80, deadline=None)
@given(sorts())
def test_a_credit_is_sorted_once(sort: Sort) -> None:
    first = sort.decide()
    assert first.new_state is not None
    stored = AutosortState.from_dict(json.loads(json.dumps(first.new_state)))
    again = sort.decide(stored)
    assert (again.moves, again.reason, again.new_state) == ((), "already_sorted", None)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(1, 10_000), min_size=1, max_size=8).filter(lambda bp: sum(bp) <= 10_000),
    st.integers(0, 10**9),
)
def test_percentages_keep_every_penny(bps: list[int], credit: int) -> None:
    steps = tuple(SortStep(f"p{i}", StepKind.PERCENT, percent_bp=bp) for i, bp in enumerate(bps))
    shares = percent_shares(steps, credit, "GBP")
    for i, bp in enumerate(bps):
        assert abs(shares[i] - Fraction(credit * bp, 10_000)) < 1  # within a penny of exact
    left = credit - sum(shares.values())
    assert left >= 0
    assert abs(left - Fraction(credit * (10_000 - sum(bps)), 10_000)) < 1
    if sum(bps) == 10_000:
        assert left == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 5_000), min_size=1, max_size=5), st.integers(1, 2_000_000))
def test_percentages_to_a_hundred_sort_every_penny_of_the_credit(
    weights: list[int], credit: int
) -> None:
    # Scale the weights to exactly 10000 bp, the last step taking what rounding leaves.
    bps = [max(1, w * 10_000 // sum(weights)) for w in weights[:-1]]
    bps.append(10_000 - sum(bps))
    if bps[-1] < 1:
        return
    steps = tuple(SortStep(POTS[i], StepKind.PERCENT, percent_bp=bp) for i, bp in enumerate(bps))
    config = AutosortConfig(income="salary", steps=steps, max_transfer=MAX, max_per_day=MAX)
    pots = {p: PotView(balance=0, deleted=False, name=p) for p in POTS}
    decision = Sort(config, IncomeCredit("tx", credit, T0, "ACME"), credit, pots, {}, 0).decide()
    assert decision.total == credit


# -- the savings goal ------------------------------------------------------------------

TODAY = date(2026, 10, 1)


@dataclass(frozen=True)
class Day:
    config: GoalConfig
    balance: int
    today: date
    payday: bool
    safe: int
    available: int
    moved_today: int

    def decide(self, state: GoalState | None = None) -> RuleDecision:
        return decide_goal(
            self.config,
            pot_balance=self.balance,
            pot_deleted=False,
            today=self.today,
            payday_today=self.payday,
            safe_to_add=self.safe,
            available=self.available,
            moved_today=self.moved_today,
            state=state,
            now=T0,
        )


@st.composite
def days(draw: st.DrawFn) -> Day:
    config = GoalConfig(
        pot_id="goal",
        target_amount=draw(st.integers(1, 5_000_000)),
        target_date=TODAY + timedelta(days=draw(st.integers(-400, 1500))),
        contribute_on_payday=draw(st.booleans()),
        max_transfer=draw(st.integers(1, 1_000_000)),
        max_per_day=draw(st.integers(1, 2_000_000)),
    )
    return Day(
        config,
        balance=draw(st.integers(0, 6_000_000)),
        today=TODAY,
        payday=draw(st.booleans()),
        safe=draw(st.integers(0, 2_000_000)),
        available=draw(st.integers(-50_000, 3_000_000)),
        moved_today=draw(st.integers(0, 2_000_000)),
    )


@settings(max_examples=150, deadline=None)
@given(days())
def test_a_goal_keeps_the_limits_the_account_and_the_target(day: Day) -> None:
    decision = day.decide()
    cfg = day.config
    assert len(decision.moves) <= 1
    assert all(0 < m.amount <= cfg.max_transfer for m in decision.moves)
    assert decision.total <= max(0, cfg.max_per_day - day.moved_today)
    assert decision.total <= max(0, day.available)
    assert decision.total <= day.safe
    assert day.balance + decision.total <= max(day.balance, cfg.target_amount)  # no overshoot
    if decision.moves:
        assert cfg.contribute_on_payday and day.payday


@settings(max_examples=80, deadline=None)
@given(days())
def test_a_goal_contributes_once_a_payday(day: Day) -> None:
    first = day.decide()
    if not first.moves:
        return
    assert first.new_state is not None
    stored = GoalState.from_dict(json.loads(json.dumps(first.new_state)))
    after = Day(**{**day.__dict__, "balance": day.balance + first.total})
    assert after.decide(stored).moves == ()


@settings(max_examples=150, deadline=None)
@given(days())
def test_goal_progress_spreads_what_remains_rounded_up(day: Day) -> None:
    p = goal_progress(day.config, day.balance, day.today)
    assert p.remaining == max(0, day.config.target_amount - day.balance)
    assert 0 <= p.percent_bp <= 10_000
    assert p.reached is (p.remaining == 0) is (p.percent_bp == 10_000)
    if p.months_left:
        assert p.monthly_needed * p.months_left >= p.remaining  # never short at the end
        assert (p.monthly_needed - 1) * p.months_left < p.remaining or p.remaining == 0
    else:
        assert p.monthly_needed == p.remaining
        assert day.config.target_date <= day.today
