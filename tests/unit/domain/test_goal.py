"""The savings goal: a table of named decisions, then its progress, config and state."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from potwise.domain.rules.goal import (
    GoalConfig,
    GoalState,
    InvalidGoalInput,
    InvalidGoalState,
    goal_progress,
    whole_months,
)
from potwise.domain.rules.moves import InvalidRuleConfig, RuleDecision

from .goal_builders import NOW, TARGET_DATE, TODAY, config, decide


@dataclass(frozen=True)
class Expect:
    amount: int  # pence into the goal's pot (0: nothing moves)
    reason: str
    capped: bool = False
    notify: bool = False
    says: tuple[str, ...] = ()  # phrases the explanation must hold


Case = Callable[[], tuple[RuleDecision, Expect]]
CASES: dict[str, Case] = {}


def case(fn: Case) -> Case:
    CASES[fn.__name__] = fn
    return fn


# -- the table: £2,000.00 by 1 Jun 2027; on 1 Oct 2026 £800.00 saved, £150.00 a month ------


@case
def payday_contributes_the_monthly_share() -> tuple[RuleDecision, Expect]:
    return decide(), Expect(15_000, "contributed")


@case
def reached_exactly() -> tuple[RuleDecision, Expect]:
    return decide(balance=200_000), Expect(
        0, "goal_reached", notify=True, says=("the goal is reached; nothing moves",)
    )


@case
def over_reached_and_already_told() -> tuple[RuleDecision, Expect]:
    told = GoalState(reached_notified=True)
    return decide(balance=250_000, state=told), Expect(
        0, "goal_reached", says=("£500.00 over", "(100%)")
    )


@case
def date_passed_keeps_contributing_what_is_safe() -> tuple[RuleDecision, Expect]:
    # Twelve days late: everything that remains is due, within the £420.00 safe to add.
    return decide(today=date(2027, 6, 13)), Expect(
        42_000,
        "contributed",
        says=("passed 12 days ago and it is £1,200.00 short", "only £420.00 was safe"),
    )


@case
def date_passed_with_nothing_safe_to_add() -> tuple[RuleDecision, Expect]:
    return decide(today=date(2027, 6, 13), safe=0), Expect(
        0, "date_passed", says=("nothing is safe to add today", "passed 12 days ago")
    )


@case
def date_passed_not_payday() -> tuple[RuleDecision, Expect]:
    return decide(today=date(2027, 6, 2), payday=False), Expect(
        0, "date_passed", says=("passed 1 day ago", "Not payday")
    )


@case
def date_today_wants_all_that_remains() -> tuple[RuleDecision, Expect]:
    return decide(today=TARGET_DATE, safe=500_000), Expect(
        120_000, "contributed", says=("more by today, its date",)
    )


@case
def one_month_left_wants_all_that_remains() -> tuple[RuleDecision, Expect]:
    return decide(today=date(2027, 5, 1), safe=500_000), Expect(
        120_000, "contributed", says=("within the month left",)
    )


@case
def not_payday() -> tuple[RuleDecision, Expect]:
    return decide(payday=False), Expect(
        0, "not_payday", says=("Holiday holds £800.00 of £2,000.00 (40%)", "Not payday")
    )


@case
def payday_already_contributed_today() -> tuple[RuleDecision, Expect]:
    return decide(state=GoalState(last_contribution_on=TODAY)), Expect(
        0, "already_contributed", says=("already made",)
    )


@case
def last_paydays_contribution_does_not_stop_todays() -> tuple[RuleDecision, Expect]:
    return decide(state=GoalState(last_contribution_on=date(2026, 9, 1))), Expect(
        15_000, "contributed"
    )


@case
def safe_to_add_zero() -> tuple[RuleDecision, Expect]:
    return decide(safe=0), Expect(
        0, "nothing_safe_to_add", says=("Nothing into Holiday on payday: nothing is safe",)
    )


@case
def safe_to_add_smaller_than_monthly_needed() -> tuple[RuleDecision, Expect]:
    return decide(safe=10_000), Expect(
        10_000, "contributed", says=("(£150.00 a month); only £100.00 was safe to add today",)
    )


@case
def contribute_off_only_tracks() -> tuple[RuleDecision, Expect]:
    return decide(config(on_payday=False)), Expect(
        0,
        "tracking",
        says=(
            "the goal needs £1,200.00 more by 1 Jun 2027 (£150.00 a month); "
            "£420.00 is safe to add today. Automatic contributions are off",
        ),
    )


@case
def pot_deleted() -> tuple[RuleDecision, Expect]:
    return decide(deleted=True), Expect(0, "pot_deleted", says=("deleted in the Monzo app",))


@case
def transfer_limit_caps_the_share() -> tuple[RuleDecision, Expect]:
    return decide(config(max_transfer=10_000)), Expect(
        10_000,
        "capped_by_limit",
        capped=True,
        says=("Capped by the £100.00 per-transfer limit: £50.00 of this payday's share",),
    )


@case
def daily_limit_partly_used() -> tuple[RuleDecision, Expect]:
    return decide(config(max_per_day=100_000), moved_today=95_000), Expect(
        5_000, "capped_by_limit", capped=True, says=("£950.00 moved earlier today",)
    )


@case
def daily_limit_used_up() -> tuple[RuleDecision, Expect]:
    return decide(config(max_per_day=100_000), moved_today=100_000), Expect(
        0, "daily_limit_reached", says=("today's £1,000.00 limit is used up",)
    )


@case
def current_account_empty_waits_for_funds() -> tuple[RuleDecision, Expect]:
    return decide(available=0), Expect(0, "insufficient_funds", says=("trying again",))


@case
def current_account_below_the_share() -> tuple[RuleDecision, Expect]:
    return decide(available=5_000), Expect(
        5_000, "contributed", says=("The current account had only £50.00 available",)
    )


@pytest.mark.parametrize("name", list(CASES), ids=list(CASES))
def test_goal_decision(name: str) -> None:
    decision, expect = CASES[name]()
    assert (decision.total, decision.reason) == (expect.amount, expect.reason), decision.explanation
    assert decision.capped is expect.capped
    assert json.loads(json.dumps(decision.to_dict()))["reason"] == expect.reason
    assert (decision.notify is not None) is expect.notify
    for phrase in expect.says:
        assert phrase in decision.explanation
    if decision.moves:
        (move,) = decision.moves
        assert (move.pot_id, str(move.direction)) == ("holiday", "deposit")
        assert decision.new_state is not None
        # One contribution a payday: the day is remembered with the move.
        assert decision.new_state["last_contribution_on"] == decision.figures["local_date"]


def test_the_explanation_reads_as_the_product_states_it() -> None:
    decision = decide()
    assert decision.explanation == (
        "£150.00 into Holiday on payday: the goal needs £1,200.00 more by 1 Jun 2027 "
        "(£150.00 a month); £420.00 was safe to add today."
    )
    assert decision.new_state == {
        "version": 1,
        "last_contribution_on": "2026-10-01",
        "reached_notified": False,
    }
    assert decision.figures["monthly_needed"] == 15_000


def test_reaching_the_goal_is_told_once_and_again_after_falling_back() -> None:
    first = decide(balance=200_000)
    assert first.notify is not None and first.new_state is not None
    told = GoalState.from_dict(first.new_state)
    assert decide(balance=200_000, state=told).notify is None
    fell = decide(balance=150_000, state=told, payday=False)
    assert fell.new_state is not None and fell.new_state["reached_notified"] is False
    again = decide(balance=200_000, state=GoalState.from_dict(fell.new_state))
    assert again.notify is not None


def test_a_deleted_pot_keeps_the_state() -> None:
    decision = decide(deleted=True, state=GoalState(last_contribution_on=date(2026, 9, 1)))
    assert decision.new_state is None
    assert decision.status_reason == "pot_deleted"


def test_waiting_for_funds_is_the_phase_of_an_empty_account() -> None:
    assert decide(available=0).phase == "waiting_funds"
    assert decide(safe=0).phase == "ok"


# -- progress --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("balance", "today", "expected"),
    [
        (80_000, TODAY, (120_000, 4000, 8, 15_000, False, False)),
        (0, date(2026, 10, 2), (200_000, 0, 7, 28_572, False, False)),  # 7 whole months
        (199_999, TODAY, (1, 9999, 8, 1, False, False)),  # 99.99% is not 100%
        (200_000, TODAY, (0, 10_000, 8, 0, True, False)),
        (300_000, TODAY, (0, 10_000, 8, 0, True, False)),  # capped at 100%
        (80_000, date(2027, 5, 20), (120_000, 4000, 1, 120_000, False, False)),  # under a month
        (80_000, TARGET_DATE, (120_000, 4000, 0, 120_000, False, False)),  # the date itself
        (80_000, date(2027, 7, 1), (120_000, 4000, 0, 120_000, False, True)),
    ],
    ids=[
        "eight-months",
        "rounds-up",
        "nearly",
        "reached",
        "over",
        "days-left",
        "date-today",
        "passed",
    ],
)
def test_goal_progress(balance: int, today: date, expected: tuple[Any, ...]) -> None:
    p = goal_progress(config(), balance, today)
    got = (p.remaining, p.percent_bp, p.months_left, p.monthly_needed, p.reached, p.date_passed)
    assert got == expected


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2026, 3, 1), date(2026, 6, 1), 3),
        (date(2026, 3, 3), date(2026, 6, 1), 2),
        (date(2026, 1, 31), date(2026, 2, 28), 1),
        (date(2026, 12, 15), date(2027, 1, 14), 0),
        (date(2026, 6, 1), date(2026, 6, 1), 0),
        (date(2026, 6, 2), date(2026, 6, 1), 0),
    ],
    ids=["exact", "short-of-a-day", "month-end", "under-a-month", "same-day", "behind"],
)
def test_whole_months(start: date, end: date, months: int) -> None:
    assert whole_months(start, end) == months


# -- config and state ------------------------------------------------------------------


def test_a_config_round_trips() -> None:
    cfg = config()
    assert GoalConfig.from_dict(cfg.to_dict()) == cfg
    assert cfg.to_dict()["target_date"] == "2027-06-01"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"target_amount": 0}, "target_amount"),
        ({"target_amount": 12.5}, "target_amount"),
        ({"target_date": "1 June"}, "target_date"),
        ({"target_date": NOW.isoformat()}, "target_date"),
        ({"contribute_on_payday": "yes"}, "contribute_on_payday"),
        ({"max_transfer": 0}, "max_transfer"),
        ({"max_per_day": 10_000_001}, "max_per_day"),
        ({"pot_id": ""}, "pot_id"),
        ({"budget": 5}, "unknown config field"),
    ],
    ids=[
        "target-zero",
        "target-float",
        "date-words",
        "date-time",
        "flag",
        "transfer",
        "daily",
        "pot",
        "unknown",
    ],
)
def test_a_config_is_refused_naming_the_field(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidRuleConfig, match=message):
        GoalConfig.from_dict({**config().to_dict(), **changes})


def test_a_datetime_is_not_a_target_date() -> None:
    with pytest.raises(InvalidRuleConfig, match="target_date"):
        GoalConfig("holiday", 100, NOW, 100, 100)  # type: ignore[arg-type]


def test_the_state_round_trips() -> None:
    state = GoalState(last_contribution_on=TODAY, reached_notified=True)
    assert GoalState.from_dict(state.to_dict()) == state
    assert GoalState.from_dict(GoalState().to_dict()) == GoalState()


@pytest.mark.parametrize(
    "damage",
    [
        {"version": 2},
        {"last_contribution_on": "yesterday"},
        {"last_contribution_on": 20261001},
        {"reached_notified": "no"},
    ],
    ids=["version", "words", "number", "flag"],
)
def test_an_unreadable_state_is_refused(damage: dict[str, Any]) -> None:
    with pytest.raises(InvalidGoalState):
        GoalState.from_dict({**GoalState().to_dict(), **damage})


def test_inputs_are_checked() -> None:
    with pytest.raises(InvalidGoalInput, match="safe_to_add"):
        decide(safe=-1)
    with pytest.raises(InvalidGoalInput, match="pot balance"):
        decide(balance=-1)
    with pytest.raises(InvalidGoalInput, match="today"):
        decide(today=NOW)
