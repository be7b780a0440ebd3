"""Payday rules, instalment plans and credit-card repayment models, by hand-computed examples."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from potwise.domain.cardmodels import (
    CardModel,
    CardState,
    MinimumRule,
    RepaymentMode,
    infer_due_day,
    minimum_payment,
    repayment_events,
)
from potwise.domain.cashevents import EventKind
from potwise.domain.instalments import InvalidPlan, instalment_events, instalment_plan
from potwise.domain.payday import (
    InvalidPayday,
    PaydayOverride,
    next_payday,
    payday_rule,
    paydays_between,
)
from potwise.domain.recurring import detect_commitments
from potwise.domain.schedules import Cadence, Roll
from tests.unit.domain.cashflow_builders import CAL, facts, monthly_dates

# ------------------------------------------------------------------ payday


def _incomes(today: date):
    return detect_commitments(
        [
            *facts("acme ltd", monthly_dates(date(2024, 1, 1), 12, 25, roll="previous"), 300000),
            *facts("partner", monthly_dates(date(2024, 1, 1), 12, 28, roll="previous"), 100000),
            *facts(
                "weekly job", [date(2024, 1, 5) + timedelta(days=7 * i) for i in range(50)], 5000
            ),
        ],
        today,
    )


def test_payday_is_the_largest_recurring_income_paid_before_a_bank_holiday() -> None:
    today = date(2024, 12, 20)
    rule = payday_rule(_incomes(today), today=today)
    assert rule is not None
    assert (rule.source, rule.payee, rule.amount) == ("detected", "acme ltd", 300000)
    # 25 December 2024 is a Wednesday bank holiday: paid Tuesday 24th.
    assert next_payday(rule, today, CAL) == date(2024, 12, 24)
    # On payday itself the next payday is the following one.
    assert next_payday(rule, date(2024, 12, 24), CAL) == date(2025, 1, 24)


def test_payday_override_by_day_or_last_working_day() -> None:
    today = date(2025, 5, 1)
    by_day = payday_rule(_incomes(today), today=today, override=PaydayOverride(day_of_month=31))
    assert by_day is not None and by_day.source == "override"
    # 31 May 2025 is a Saturday: paid Friday 30th; June has 30 days.
    assert paydays_between(by_day, today, date(2025, 6, 30), CAL) == [
        date(2025, 5, 30),
        date(2025, 6, 30),
    ]
    last = payday_rule([], today=today, override=PaydayOverride(last_working_day=True))
    assert last is not None and last.schedule.cadence is Cadence.MONTHLY_LAST_WORKING_DAY
    # August 2025 ends on a Sunday, and the last Monday is a bank holiday: Friday 29th.
    assert next_payday(last, date(2025, 8, 1), CAL) == date(2025, 8, 29)
    with pytest.raises(InvalidPayday):
        payday_rule([], today=today, override=PaydayOverride())


def test_no_income_no_payday() -> None:
    assert payday_rule([], today=date(2025, 1, 1)) is None


def test_last_working_day_pay_detected_becomes_the_payday() -> None:
    dates = [CAL.last_working_day_of_month(2024, m) for m in range(1, 13)]
    rule = payday_rule(
        detect_commitments(facts("hmrc", dates, 250000), date(2025, 1, 2)), today=date(2025, 1, 2)
    )
    assert rule is not None and rule.schedule.roll is Roll.PREVIOUS
    assert next_payday(rule, date(2025, 1, 2), CAL) == date(2025, 1, 31)


# ------------------------------------------------------------ instalments


def test_interest_free_instalments_spread_the_pennies_larger_first() -> None:
    plan = instalment_plan(100000, 3, 0, date(2025, 1, 31))
    assert [(i.on, i.amount) for i in plan.instalments] == [
        (date(2025, 1, 31), 33334),
        (date(2025, 2, 28), 33333),  # the month's last day when shorter
        (date(2025, 3, 31), 33333),
    ]
    assert plan.total == 100000 and plan.total_interest == 0


def test_amortised_instalments_by_hand() -> None:
    # £100 over 2 months at 12 % nominal: r = 1 %, payment = 100 * 1.0201 / 0.0201 =
    # £50.75124..., total £101.50248... → £101.50. Interest on the exact balance: 100p,
    # then 1 % of £50.248756 = 50.2488p; 150p shared in that ratio (99.83 : 50.17) by
    # largest remainder → 100p and 50p.
    plan = instalment_plan(10000, 2, 12, date(2025, 3, 15))
    assert plan.total == 10150
    assert plan.total_interest == 150
    assert [(i.amount, i.interest, i.principal) for i in plan.instalments] == [
        (5075, 100, 4975),
        (5075, 50, 5025),
    ]


def test_monzo_flex_like_plan_with_rolled_dates() -> None:
    plan = instalment_plan(
        120000, 12, Fraction(259, 10), date(2025, 1, 15), roll=Roll.NEXT, calendar=CAL
    )
    assert plan.total == 137493
    assert [i.amount for i in plan.instalments] == [11458] * 9 + [11457] * 3
    # 15 March 2025 is a Saturday: collected Monday 17th.
    assert plan.instalments[2].on == date(2025, 3, 17)
    events = instalment_events(plan, label="Sofa", plan_id="plan-1", account_id="acc")
    assert events[0].amount == -11458 and events[0].kind is EventKind.INSTALMENT
    assert events[0].label == "Sofa (1/12)"


@pytest.mark.parametrize(
    ("principal", "months", "rate"), [(0, 3, 0), (-5, 3, 0), (100, 0, 0), (100, 3, -1)]
)
def test_impossible_plans_are_refused(principal: int, months: int, rate: int) -> None:
    with pytest.raises(InvalidPlan):
        instalment_plan(principal, months, rate, date(2025, 1, 1))


@given(
    st.integers(1, 10**8),
    st.integers(1, 60),
    st.fractions(min_value=0, max_value=80, max_denominator=100),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)),
)
def test_instalment_schedules_sum_exactly(
    principal: int, months: int, rate: Fraction, first: date
) -> None:
    plan = instalment_plan(principal, months, rate, first)
    amounts = [i.amount for i in plan.instalments]
    assert sum(amounts) == plan.total
    assert sum(i.interest for i in plan.instalments) == plan.total_interest
    assert sum(i.principal for i in plan.instalments) == principal
    assert max(amounts) - min(amounts) <= 1
    assert plan.total >= principal
    assert [i.on for i in plan.instalments] == sorted({i.on for i in plan.instalments})


# ------------------------------------------------------------------ cards

AMEX = CardModel("amex", "American Express", RepaymentMode.PAY_IN_FULL, "acc-current")


def test_pay_in_full_pays_the_statement_then_the_rest() -> None:
    state = CardState("amex", owed=60000, statement_balance=45000, due_date=date(2025, 3, 21))
    events = repayment_events(AMEX, state, date(2025, 3, 10), date(2025, 6, 30), CAL)
    # The rest on the next due day: 21 April 2025 is Easter Monday → Tuesday 22nd.
    assert [(e.on, e.amount) for e in events] == [
        (date(2025, 3, 21), -45000),
        (date(2025, 4, 22), -15000),
    ]
    assert all(e.kind is EventKind.CARD_REPAYMENT and e.account_id == "acc-current" for e in events)


def test_pay_in_full_after_the_statement_was_paid_pays_what_is_owed_next_time() -> None:
    state = CardState("amex", owed=12000, statement_balance=45000, due_date=date(2025, 3, 21))
    events = repayment_events(AMEX, state, date(2025, 3, 25), date(2025, 6, 30), CAL)
    assert [(e.on, e.amount) for e in events] == [(date(2025, 4, 22), -12000)]


def test_pay_down_by_minimum_rule_with_interest() -> None:
    model = CardModel(
        "bc", "Barclaycard", RepaymentMode.MINIMUM, "acc-natwest", annual_rate=Fraction(24)
    )
    state = CardState("bc", owed=60000, due_date=date(2025, 3, 21))
    events = repayment_events(model, state, date(2025, 3, 10), date(2025, 5, 31), CAL)
    # March: max(£25, 1 % of £600) = £25. April: interest 2 % of £575 = £11.50, balance
    # £586.50, minimum max(£25, £5.865 → 586p + 1150p = £17.36) = £25. May likewise.
    assert [(e.on, e.amount) for e in events] == [
        (date(2025, 3, 21), -2500),
        (date(2025, 4, 22), -2500),
        (date(2025, 5, 21), -2500),
    ]
    assert minimum_payment(400000, 8000, MinimumRule()) == 12000  # 1 % + interest
    assert minimum_payment(1500, 30, MinimumRule()) == 1500  # never more than owed


def test_pay_down_fixed_amount_until_cleared() -> None:
    model = CardModel("bc", "Barclaycard", RepaymentMode.FIXED, fixed_amount=20000)
    state = CardState(
        "bc", owed=45000, repayment_dates=(date(2024, 12, 18), date(2025, 1, 20), date(2025, 2, 18))
    )
    assert infer_due_day(state.repayment_dates) == 18
    events = repayment_events(model, state, date(2025, 3, 1), date(2025, 12, 31), CAL)
    assert [(e.on, e.amount) for e in events] == [
        (date(2025, 3, 18), -20000),
        (date(2025, 4, 18) if CAL.is_working_day(date(2025, 4, 18)) else date(2025, 4, 22), -20000),
        (date(2025, 5, 19), -5000),  # 18 May is a Sunday
    ]


def test_provider_minimum_due_is_the_first_payment_and_no_dates_means_no_events() -> None:
    model = CardModel("bc", "Barclaycard", RepaymentMode.MINIMUM)
    state = CardState("bc", owed=90000, due_date=date(2025, 3, 21), minimum_due=2700)
    events = repayment_events(model, state, date(2025, 3, 1), date(2025, 3, 31), CAL)
    assert [e.amount for e in events] == [-2700]
    unknown = CardState("bc", owed=90000)
    assert repayment_events(model, unknown, date(2025, 3, 1), date(2025, 12, 31), CAL) == []
    assert (
        repayment_events(
            model,
            CardState("bc", owed=0, due_date=date(2025, 3, 21)),
            date(2025, 3, 1),
            date(2025, 3, 31),
            CAL,
        )
        == []
    )
