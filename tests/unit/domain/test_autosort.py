"""The salary sorter: a table of named sorts, then the matcher, the config, the state
and the words."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from potwise.domain.rules.autosort import (
    SORTED_RETENTION,
    AutosortConfig,
    AutosortState,
    InvalidAutosortInput,
    InvalidAutosortState,
    SortStep,
    decide_autosort,
    matches_income,
    percent_shares,
)
from potwise.domain.rules.moves import InvalidRuleConfig, RuleDecision

from .autosort_builders import (
    T0,
    bills,
    config,
    credit,
    fixed,
    moved,
    percent,
    pots,
    rest,
    sort,
)


@dataclass(frozen=True)
class Expect:
    moves: tuple[tuple[str, int], ...]
    reason: str
    capped: bool = False
    notify: bool = False
    says: tuple[str, ...] = ()  # phrases the explanation must hold


Case = Callable[[], tuple[RuleDecision, Expect]]
CASES: dict[str, Case] = {}


def case(fn: Case) -> Case:
    CASES[fn.__name__] = fn
    return fn


# -- the table -------------------------------------------------------------------------


@case
def three_thirds_keep_every_penny() -> tuple[RuleDecision, Expect]:
    # 3 x 33.33% of £100.00: £33.33 each, and the 1p they leave stays on the account.
    cfg = config(percent("savings", 3333), percent("holiday", 3333), percent("car", 3333))
    return sort(cfg, credit(10_000)), Expect(
        (("savings", 3333), ("holiday", 3333), ("car", 3333)),
        "sorted",
        says=("33.33% (£33.33) to Savings", "£0.01 of it stays in the current account"),
    )


@case
def thirds_round_by_largest_remainder_and_the_rest_takes_the_odd_pence() -> tuple[
    RuleDecision, Expect
]:
    # Exact shares of £2,450.00 are £816.585 each: two round up, one down, 24p is the rest.
    cfg = config(percent("savings", 3333), percent("holiday", 3333), percent("car", 3333), rest())
    return sort(cfg, credit(245_000)), Expect(
        (("savings", 81_659), ("holiday", 81_659), ("car", 81_658), ("spending", 24)),
        "sorted",
    )


@case
def fixed_then_rest() -> tuple[RuleDecision, Expect]:
    cfg = config(fixed("rent", 80_000), rest())
    return sort(cfg, credit(245_000)), Expect(
        (("rent", 80_000), ("spending", 165_000)),
        "sorted",
        says=("£800.00 to Rent", "the rest £1,650.00 to Spending"),
    )


@case
def bills_pot_already_full() -> tuple[RuleDecision, Expect]:
    cfg = config(bills(), rest())
    decision = sort(cfg, credit(245_000), balances={"bills": 80_000}, bills_due={"bills": 80_000})
    return decision, Expect(
        (("spending", 245_000),),
        "sorted",
        says=("nothing to Bills (it already holds the £800.00 due before payday on Fri 25 Dec)",),
    )


@case
def bills_pot_partly_full() -> tuple[RuleDecision, Expect]:
    cfg = config(bills(), rest())
    decision = sort(cfg, credit(245_000), balances={"bills": 50_000}, bills_due={"bills": 80_000})
    return decision, Expect(
        (("bills", 30_000), ("spending", 215_000)),
        "sorted",
        says=("£300.00 to Bills (tops it up to the £800.00 due", "it held £500.00"),
    )


@case
def bills_with_no_bills_due() -> tuple[RuleDecision, Expect]:
    cfg = config(bills(), rest())
    return sort(cfg, credit(245_000), next_payday=None), Expect(
        (("spending", 245_000),),
        "sorted",
        says=("nothing to Bills (no bills are due from it before the next payday)",),
    )


@case
def percent_over_available() -> tuple[RuleDecision, Expect]:
    # Half each of £2,000.00, but only £1,200.00 reached the account: first come, first served.
    cfg = config(percent("savings", 5000), percent("holiday", 5000))
    return sort(cfg, credit(200_000), available=120_000), Expect(
        (("savings", 100_000), ("holiday", 20_000)),
        "partly_sorted",
        says=("50% (£200.00 of the £1,000.00) to Holiday", "Only £1,200.00 of it was available"),
    )


@case
def a_credit_seen_twice_is_sorted_once() -> tuple[RuleDecision, Expect]:
    cfg = config(fixed("rent", 80_000), rest())
    first = sort(cfg, credit(245_000))
    assert first.new_state is not None
    again = sort(cfg, credit(245_000), state=AutosortState.from_dict(first.new_state))
    assert again.new_state is None
    return again, Expect((), "already_sorted", says=("was already sorted at 09:14 on 27 Nov",))


@case
def a_deleted_pot_step_is_skipped_and_its_share_stays() -> tuple[RuleDecision, Expect]:
    cfg = config(fixed("rent", 80_000), percent("savings", 1000), rest())
    return sort(cfg, credit(245_000), deleted=("savings",)), Expect(
        (("rent", 80_000), ("spending", 140_500)),
        "pot_deleted",
        notify=True,
        says=("nothing to Savings (the pot was deleted", "£245.00 of it stays in the current"),
    )


@case
def a_transfer_limit_caps_one_step() -> tuple[RuleDecision, Expect]:
    # Rent's £1,500.00 is capped at £1,000.00; the £500.00 held back is not the rest's.
    cfg = config(fixed("rent", 150_000), rest(), max_transfer=100_000)
    return sort(cfg, credit(245_000)), Expect(
        (("rent", 100_000), ("spending", 95_000)),
        "partly_sorted",
        capped=True,
        says=("capped by the £1,000.00 per-transfer limit: £500.00 stays",),
    )


@case
def the_daily_limit_partly_used() -> tuple[RuleDecision, Expect]:
    # £1,500.00 of the £2,000.00 day is used: £300.00 to Rent, then £200.00 of the rest.
    cfg = config(fixed("rent", 30_000), rest(), max_per_day=200_000)
    return sort(cfg, credit(100_000), moved_today=150_000), Expect(
        (("rent", 30_000), ("spending", 20_000)),
        "partly_sorted",
        capped=True,
        says=("capped by the £2,000.00 daily limit: £500.00 stays",),
    )


@case
def the_daily_limit_used_up() -> tuple[RuleDecision, Expect]:
    cfg = config(fixed("rent", 30_000), rest(), max_per_day=200_000)
    return sort(cfg, credit(100_000), moved_today=200_000), Expect(
        (),
        "nothing_to_sort",
        capped=True,
        says=("nothing moved", "nothing to Rent (today's £2,000.00 limit is used up)"),
    )


@case
def a_credit_smaller_than_the_fixed_steps() -> tuple[RuleDecision, Expect]:
    cfg = config(fixed("rent", 40_000), fixed("car", 30_000), rest())
    return sort(cfg, credit(50_000)), Expect(
        (("rent", 40_000), ("car", 10_000)),
        "partly_sorted",
        says=("£100.00 of the £300.00 to Car", "nothing left for Spending"),
    )


@case
def a_bills_step_the_credit_only_partly_covers() -> tuple[RuleDecision, Expect]:
    cfg = config(fixed("rent", 40_000), bills(), rest())
    decision = sort(cfg, credit(60_000), bills_due={"bills": 30_000})
    return decision, Expect(
        (("rent", 40_000), ("bills", 20_000)),
        "partly_sorted",
        says=("£200.00 of the £300.00 to Bills (towards the £300.00 due",),
    )


@case
def nothing_available_moves_nothing() -> tuple[RuleDecision, Expect]:
    cfg = config(fixed("rent", 40_000), rest())
    return sort(cfg, credit(50_000), available=-2_000), Expect(
        (), "nothing_to_sort", says=("Only £0.00 of it was available",)
    )


@case
def only_a_full_bills_pot_has_nothing_to_sort() -> tuple[RuleDecision, Expect]:
    cfg = config(bills())
    decision = sort(cfg, credit(50_000), balances={"bills": 90_000}, bills_due={"bills": 80_000})
    return decision, Expect((), "nothing_to_sort", says=("it already holds the £800.00",))


@case
def the_rest_to_a_deleted_pot_stays_on_the_account() -> tuple[RuleDecision, Expect]:
    cfg = config(fixed("rent", 80_000), rest())
    return sort(cfg, credit(245_000), deleted=("spending",)), Expect(
        (("rent", 80_000),), "pot_deleted", notify=True
    )


@case
def every_percentage_to_a_hundred_sorts_the_whole_credit() -> tuple[RuleDecision, Expect]:
    cfg = config(percent("savings", 2500), percent("holiday", 1250), percent("car", 6250))
    return sort(cfg, credit(99_999)), Expect(
        (("savings", 25_000), ("holiday", 12_500), ("car", 62_499)), "sorted"
    )


@pytest.mark.parametrize("name", list(CASES), ids=list(CASES))
def test_sort(name: str) -> None:
    decision, expect = CASES[name]()
    assert (moved(decision), decision.reason) == (expect.moves, expect.reason), decision.explanation
    assert decision.capped is expect.capped
    assert json.loads(json.dumps(decision.to_dict()))["reason"] == expect.reason
    assert (decision.notify is not None) is expect.notify
    for phrase in expect.says:
        assert phrase in decision.explanation
    if expect.reason != "already_sorted":
        assert decision.new_state is not None
        assert decision.new_state["sorted_credits"][-1] == "tx-pay-1"


# -- the words -------------------------------------------------------------------------


def test_the_explanation_reads_as_the_product_states_it() -> None:
    cfg = config(bills(), percent("savings", 1000), rest())
    decision = sort(cfg, credit(245_000), bills_due={"bills": 80_000})
    assert decision.explanation == (
        "Salary £2,450.00 from ACME LTD sorted: £800.00 to Bills (tops it up to the £800.00 "
        "due before payday on Fri 25 Dec), 10% (£245.00) to Savings, the rest £1,405.00 to "
        "Spending."
    )
    assert [m.reason for m in decision.moves] == [
        "Salary sorter: bills due before payday",
        "Salary sorter: 10% of the salary",
        "Salary sorter: the rest of the salary",
    ]
    steps = decision.figures["steps"]
    assert [s["amount"] for s in steps] == [80_000, 24_500, 140_500]
    assert (decision.figures["credit"], decision.figures["left_over"]) == (245_000, 0)


def test_a_deleted_pot_notice_says_what_stayed() -> None:
    cfg = config(percent("savings", 1000), rest())
    decision = sort(cfg, credit(245_000), deleted=("savings",))
    assert decision.notify == (
        "The salary sorter's Savings pot was deleted in the Monzo app, so £245.00 of your "
        "salary of £2,450.00 stayed in your current account. Choose another pot for that step."
    )
    assert decision.status_reason == "pot_deleted"


def test_percent_shares_add_up_to_the_credit_with_what_they_leave() -> None:
    steps = (percent("savings", 3334), percent("holiday", 3333), percent("car", 3333))
    assert percent_shares(steps, 10_001, "GBP") == {0: 3335, 1: 3333, 2: 3333}


def test_a_step_pot_missing_from_the_inputs_is_refused() -> None:
    cfg = config(fixed("rent", 100), rest("elsewhere"))
    with pytest.raises(InvalidAutosortInput, match="step 2"):
        sort(cfg, credit(1_000))


# -- the matcher -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("description", "amount", "matches"),
    [
        ("ACME LTD SALARY", 150_000, True),
        ("acme ltd", 150_000, True),
        ("Payroll from Acme Ltd", 100_000, True),  # exactly the minimum
        ("ACME LTD", 99_999, False),  # a penny below it
        ("ACME HOLDINGS", 150_000, False),
    ],
    ids=["upper", "lower", "min-boundary", "below-min", "other-payer"],
)
def test_a_payer_matches_in_any_case_from_the_minimum(
    description: str, amount: int, matches: bool
) -> None:
    cfg = config(rest(), income="payer", payer="Acme Ltd", min_amount=100_000)
    pay = credit(amount, description=description)
    assert matches_income(cfg, pay, is_salary=False) is matches


def test_the_salary_is_what_the_caller_says_it_is() -> None:
    cfg = config(rest())
    assert matches_income(cfg, credit(10, description="anyone"), is_salary=True)
    assert not matches_income(cfg, credit(10**6, description="ACME LTD"), is_salary=False)


# -- the config ------------------------------------------------------------------------


def _config_from(**changes: Any) -> AutosortConfig:
    data: dict[str, Any] = {
        "income": "salary",
        "steps": [
            {"pot_id": "rent", "kind": "fixed", "amount": 80_000},
            {"pot_id": "savings", "kind": "percent", "percent_bp": 1000},
            {"pot_id": "spending", "kind": "rest"},
        ],
        "max_transfer": 100_000,
        "max_per_day": 300_000,
    }
    data.update(changes)
    return AutosortConfig.from_dict(data)


def test_a_config_round_trips() -> None:
    cfg = _config_from()
    assert AutosortConfig.from_dict(cfg.to_dict()) == cfg


_RENT = {"pot_id": "rent", "kind": "fixed", "amount": 100}
_REST = {"pot_id": "spending", "kind": "rest"}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"steps": [_RENT, _REST, {"pot_id": "car", "kind": "percent", "percent_bp": 0}]},
            r"steps\[2\]\.percent_bp",
        ),
        ({"steps": [{"pot_id": "car", "kind": "percent", "percent_bp": 10_001}]}, "percent_bp"),
        ({"steps": [_REST, _RENT]}, r"steps\[0\]\.kind: the rest step must be the last"),
        ({"steps": [_RENT, {**_RENT, "amount": 5}]}, r"steps\[1\]\.pot_id"),
        (
            {
                "steps": [
                    {"pot_id": "a", "kind": "percent", "percent_bp": 6000},
                    {"pot_id": "b", "kind": "percent", "percent_bp": 4001},
                ]
            },
            r"steps\[1\]\.percent_bp: the percentages add up to more than 100%",
        ),
        ({"steps": [{**_RENT, "amount": 0}]}, r"steps\[0\]\.amount"),
        ({"steps": [{**_REST, "amount": 10}]}, r"steps\[0\]\.amount is only for a fixed step"),
        ({"steps": [{"pot_id": "x", "kind": "spare"}]}, r"steps\[0\]\.kind must be one of"),
        ({"steps": []}, "between 1 and 20 steps"),
        ({"steps": [{**_RENT, "pot_id": f"p{i}"} for i in range(21)]}, "between 1 and 20"),
        ({"payer": "ACME"}, "payer must be empty"),
        ({"income": "payer"}, "payer is required"),
        ({"income": "bonus"}, "income must be"),
        ({"max_transfer": 0}, "max_transfer"),
        ({"max_per_day": 10_000_001}, "max_per_day"),
        ({"max_per_day": 10.0}, "max_per_day"),
        ({"colour": "red"}, "unknown config field"),
    ],
    ids=[
        "percent-zero",
        "percent-over-100",
        "rest-not-last",
        "pot-twice",
        "percent-total",
        "fixed-zero",
        "amount-on-rest",
        "unknown-kind",
        "no-steps",
        "too-many-steps",
        "payer-for-salary",
        "payer-missing",
        "income",
        "transfer-limit",
        "daily-limit",
        "float-limit",
        "unknown-field",
    ],
)
def test_a_config_is_refused_naming_the_field(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidRuleConfig, match=message):
        _config_from(**changes)


def test_a_step_built_alone_is_checked_too() -> None:
    with pytest.raises(InvalidRuleConfig, match="percent_bp is only for a percent step"):
        SortStep("bills", "bills", percent_bp=500)  # type: ignore[arg-type]


# -- the state -------------------------------------------------------------------------


def test_the_state_round_trips_and_keeps_the_last_fifty() -> None:
    state = AutosortState()
    for i in range(SORTED_RETENTION + 5):
        state = state.after_sorting(f"tx-{i}", T0 + timedelta(days=i))
    assert len(state.sorted_credits) == SORTED_RETENTION
    assert state.sorted_credits[0] == "tx-5" and state.sorted_credits[-1] == "tx-54"
    assert AutosortState.from_dict(state.to_dict()) == state


def test_a_credit_whose_money_is_not_all_there_is_still_marked_sorted() -> None:
    cfg = config(fixed("rent", 80_000), rest())
    decision = sort(cfg, credit(245_000), available=100_000)
    assert moved(decision) == (("rent", 80_000), ("spending", 20_000))
    assert decision.new_state is not None
    assert decision.new_state["sorted_credits"] == ["tx-pay-1"]
    assert "the other £1,450.00 is not sorted later" in decision.explanation


@pytest.mark.parametrize(
    "damage",
    [
        {"version": 2},
        {"sorted_credits": "tx-1"},
        {"sorted_credits": [1]},
        {"last_sorted_at": "2026-11-27T09:14:00"},
        {"last_sorted_at": 5},
    ],
    ids=["version", "string-ids", "number-id", "naive-time", "number-time"],
)
def test_an_unreadable_state_is_refused(damage: dict[str, Any]) -> None:
    data = {**AutosortState(("tx-1",), T0).to_dict(), **damage}
    with pytest.raises(InvalidAutosortState):
        AutosortState.from_dict(data)


def test_inputs_are_checked() -> None:
    cfg = config(rest())
    with pytest.raises(InvalidAutosortInput, match="moved_today"):
        sort(cfg, credit(100), moved_today=-1)
    with pytest.raises(InvalidAutosortInput, match="bills due"):
        sort(cfg, credit(100), bills_due={"bills": -5})
    with pytest.raises(InvalidAutosortInput, match="positive"):
        credit(0)
    with pytest.raises(InvalidAutosortInput, match="timezone"):
        decide_autosort(
            cfg,
            credit=credit(100),
            available=100,
            pots=pots(),
            bills_due={},
            next_payday=None,
            moved_today=0,
            state=None,
            now=T0.replace(tzinfo=None),
        )
