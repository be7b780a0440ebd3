"""Backtests of each rule kind: a table of named cases (what moved, when, and the
warnings), then the moments each kind decides at."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from potwise.domain.backtest import Backtest, Due, backtest
from potwise.domain.rules.autosort import Income, SortStep, StepKind
from potwise.domain.rules.moves import Direction

from .backtest_builders import (
    BILLS,
    POT,
    at,
    autosort_config,
    card,
    card_pot_config,
    card_row,
    credit,
    goal_config,
    history,
    march,
    spend,
    sweep_config,
    topup_config,
)

IN, OUT = Direction.DEPOSIT, Direction.WITHDRAW
#: The last second of 2 March (GMT), when a top-up looks once more.
END_OF_2_MARCH = datetime(2026, 3, 2, 23, 59, 59, tzinfo=UTC)
END_OF_3_MARCH = datetime(2026, 3, 3, 23, 59, 59, tzinfo=UTC)


@dataclass(frozen=True)
class Expect:
    """The moves, as (when, direction, pence), and warning kinds that must be there."""

    moves: list[tuple[datetime, Direction, int]]
    warnings: set[str] = field(default_factory=set)


Case = Callable[[], tuple[Backtest, Expect]]
CASES: dict[str, Case] = {}


def case(fn: Case) -> Case:
    CASES[fn.__name__] = fn
    return fn


# -- sweep ---------------------------------------------------------------------------------


@case
def sweep_moves_on_each_slot() -> tuple[Backtest, Expect]:
    days = [credit(d, 9, 10_000) for d in range(1, 8)]
    found = backtest(history(*days, opening=50_000), sweep_config())
    return found, Expect([(at(d, 20), IN, 10_000) for d in range(1, 8)])


@case
def sweep_keeps_the_bills_due_before_payday() -> tuple[Backtest, Expect]:
    bill = spend(5, 9, 20_000)
    found = backtest(
        history(bill, opening=80_000, paydays=[march(6)], dues=[Due(bill.at, 20_000)]),
        sweep_config(),
    )
    # 1 March: £800 less the £500 threshold and the £200 bill of 5 March: £100 moves.
    return found, Expect([(at(1, 20), IN, 10_000)])


@case
def sweep_before_payday_runs_the_day_before() -> tuple[Backtest, Expect]:
    found = backtest(
        history(opening=60_000, paydays=[march(5)]),
        sweep_config(schedule="before_payday"),
    )
    return found, Expect([(at(4, 20), IN, 10_000)])


@case
def sweep_capped_by_its_transfer_limit() -> tuple[Backtest, Expect]:
    days = [credit(d, 9, 10_000) for d in range(1, 8)]
    found = backtest(history(*days, opening=50_000), sweep_config(max_transfer=3_000))
    return found, Expect([(at(d, 20), IN, 3_000) for d in range(1, 8)], {"capped"})


@case
def sweep_that_leaves_the_account_below_zero_is_warned() -> tuple[Backtest, Expect]:
    found = backtest(
        history(spend(2, 10, 3_000), opening=10_000),
        sweep_config(threshold=0, keep_for_bills=False),
    )
    return found, Expect([(at(1, 20), IN, 10_000)], {"below_zero"})


@case
def sweep_before_payday_without_a_payday() -> tuple[Backtest, Expect]:
    found = backtest(history(opening=60_000), sweep_config(schedule="before_payday"))
    return found, Expect([], {"no_payday"})


# -- top-up --------------------------------------------------------------------------------


@case
def topup_fires_twice() -> tuple[Backtest, Expect]:
    found = backtest(
        history(spend(2, 10, 35_000), spend(4, 10, 30_000), opening=50_000, pots=[(POT, 100_000)]),
        topup_config(),
    )
    return found, Expect([(at(2, 10), OUT, 25_000), (at(4, 10), OUT, 30_000)])


@case
def topup_after_a_cooldown_looks_again_at_the_days_end() -> tuple[Backtest, Expect]:
    found = backtest(
        history(spend(2, 10, 35_000), spend(2, 12, 30_000), opening=50_000, pots=[(POT, 100_000)]),
        topup_config(cooldown_hours=6),
    )
    return found, Expect([(at(2, 10), OUT, 25_000), (END_OF_2_MARCH, OUT, 30_000)])


@case
def topup_daily_limit_caps_and_carries_to_the_next_day() -> tuple[Backtest, Expect]:
    found = backtest(
        history(spend(2, 10, 35_000), spend(2, 12, 30_000), opening=50_000, pots=[(POT, 100_000)]),
        topup_config(max_per_day=30_000),
    )
    moves = [(at(2, 10), OUT, 25_000), (at(2, 12), OUT, 5_000), (END_OF_3_MARCH, OUT, 25_000)]
    return found, Expect(moves, {"capped", "below_floor"})


@case
def topup_from_an_empty_pot_waits_for_funds() -> tuple[Backtest, Expect]:
    found = backtest(history(spend(2, 10, 35_000), opening=50_000), topup_config())
    return found, Expect([], {"waiting_funds", "below_floor"})


# -- salary sorter -------------------------------------------------------------------------


@case
def salary_sorted_once_per_credit() -> tuple[Backtest, Expect]:
    pay = credit(2, 9, 200_000, salary=True)
    found = backtest(
        history(
            pay,
            pay,  # the same credit delivered twice is sorted once
            credit(3, 9, 50_000, text="REFUND"),
            credit(6, 9, 200_000, salary=True),
        ),
        autosort_config(),
    )
    return found, Expect([(at(2, 9), IN, 20_000), (at(6, 9), IN, 20_000)])


@case
def payer_income_matches_name_and_minimum() -> tuple[Backtest, Expect]:
    found = backtest(
        history(
            credit(2, 9, 150_000, text="ACME LTD MARCH"),
            credit(3, 9, 50_000, text="ACME LTD EXPENSES"),
            credit(4, 9, 150_000, text="OTHER PLC"),
        ),
        autosort_config(income=Income.PAYER, payer="acme", min_amount=100_000),
    )
    return found, Expect([(at(2, 9), IN, 15_000)])


@case
def salary_sort_capped_by_the_daily_limit() -> tuple[Backtest, Expect]:
    steps = (
        SortStep(POT, StepKind.PERCENT, percent_bp=1_000),
        SortStep(BILLS, StepKind.FIXED, amount=10_000),
    )
    found = backtest(
        history(credit(2, 9, 200_000, salary=True), pots=[(POT, 0), (BILLS, 0)]),
        autosort_config(*steps, max_per_day=15_000),
    )
    return found, Expect([(at(2, 9), IN, 15_000)], {"capped"})


@case
def no_salary_in_the_period() -> tuple[Backtest, Expect]:
    found = backtest(history(credit(2, 9, 200_000)), autosort_config())
    return found, Expect([], {"no_income"})


# -- goal ----------------------------------------------------------------------------------


@case
def goal_contributes_once_on_each_payday() -> tuple[Backtest, Expect]:
    found = backtest(
        history(
            credit(3, 9, 200_000, salary=True),
            credit(3, 15, 5_000),
            credit(6, 9, 200_000, salary=True),
            paydays=[march(3), march(6)],
        ),
        goal_config(target_amount=110_000),
    )
    # Eleven whole months to 1 March 2027: £100 a month, then £90.91 of the rest.
    return found, Expect([(at(3, 9), IN, 10_000), (at(6, 9), IN, 9_091)])


@case
def goal_that_only_tracks_moves_nothing() -> tuple[Backtest, Expect]:
    found = backtest(
        history(credit(3, 9, 200_000), paydays=[march(3)]),
        goal_config(contribute_on_payday=False),
    )
    return found, Expect([], {"tracking_only"})


@case
def goal_without_a_payday() -> tuple[Backtest, Expect]:
    found = backtest(history(credit(3, 9, 200_000)), goal_config())
    return found, Expect([], {"no_payday"})


# -- card pot ------------------------------------------------------------------------------


@case
def card_pot_covers_spending_as_it_posts_and_gives_back_on_repayment() -> tuple[Backtest, Expect]:
    rows = card(card_row(2, 10, -5_000), card_row(5, 10, 5_000))
    found = backtest(history(cards=[rows]), card_pot_config())
    return found, Expect([(at(2, 10), IN, 5_000), (at(5, 10), OUT, 5_000)])


@case
def card_pot_switched_on_brings_the_pot_in_line() -> tuple[Backtest, Expect]:
    found = backtest(history(cards=[card(balance=-7_500)]), card_pot_config())
    return found, Expect([(at(1, 0), IN, 7_500)])


@pytest.mark.parametrize("name", list(CASES), ids=list(CASES))
def test_case(name: str) -> None:
    found, expect = CASES[name]()
    assert [(m.at, m.direction, m.amount) for m in found.moves] == expect.moves
    kinds = {w.kind for w in found.warnings}
    assert expect.warnings <= kinds, found.warnings
    assert found.summary.count == len(expect.moves)


def test_a_below_zero_warning_names_its_days_and_the_account_without_the_rule() -> None:
    found, _ = CASES["sweep_that_leaves_the_account_below_zero_is_warned"]()
    [warning] = [w for w in found.warnings if w.kind == "below_zero"]
    assert (warning.on, warning.until) == (march(2), march(7))
    assert "-£30.00" in warning.message
    assert "without the rule it did not" in warning.message


def test_a_capped_sweep_marks_its_moves_and_tells_the_days_once() -> None:
    found, _ = CASES["sweep_capped_by_its_transfer_limit"]()
    assert all(m.capped for m in found.moves)
    [capped] = [w for w in found.warnings if w.kind == "capped"]
    assert (capped.on, capped.until) == (march(1), march(7))


def test_every_sweep_slot_is_a_decision_even_when_nothing_moves() -> None:
    found = backtest(history(opening=10_000), sweep_config())
    assert found.moves == ()
    assert found.summary.decisions == 7


def test_a_sorted_salary_says_what_it_sorted() -> None:
    found, _ = CASES["salary_sorted_once_per_credit"]()
    first = found.moves[0]
    assert first.pot_name == "Savings"
    assert "10%" in first.reason
    assert "£2,000.00" in first.explanation


def test_the_bills_step_counts_the_bills_due_and_says_it_guessed_the_pot() -> None:
    bill = spend(5, 9, 30_000)
    found = backtest(
        history(
            credit(2, 9, 200_000, salary=True),
            bill,
            pots=[(BILLS, 5_000)],
            paydays=[march(20)],
            dues=[Due(bill.at, 30_000)],
        ),
        autosort_config(SortStep(BILLS, StepKind.BILLS)),
    )
    assert [(m.pot_id, m.amount) for m in found.moves] == [(BILLS, 25_000)]
    assert "bills_guessed" in {w.kind for w in found.warnings}


def test_without_a_payday_the_bills_kept_are_a_months_and_a_note_says_so() -> None:
    # A bill expected on 20 March, after a two-day history: within a month of 1 March.
    found = backtest(
        history(opening=80_000, last_day=2, dues=[Due(at(20, 9), 20_000)]),
        sweep_config(),
    )
    assert [(m.at, m.amount) for m in found.moves] == [(at(1, 20), 10_000)]
    assert "no_payday" in {w.kind for w in found.warnings}


def test_a_dip_the_top_up_mends_at_once_is_no_floor_warning() -> None:
    found, _ = CASES["topup_fires_twice"]()
    assert found.balances[1].low == 15_000  # below the £200.00 floor for a moment
    assert "below_floor" not in {w.kind for w in found.warnings}


def test_a_day_the_top_up_could_not_mend_is_a_floor_warning() -> None:
    found, _ = CASES["topup_daily_limit_caps_and_carries_to_the_next_day"]()
    [floor] = [w for w in found.warnings if w.kind == "below_floor"]
    assert (floor.on, floor.until) == (march(2), march(2))
    assert "£150.00" in floor.message
