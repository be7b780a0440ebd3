"""Safe to spend and the forecast, by hand-computed examples and properties."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from potwise.domain.cardmodels import CardModel, CardState, RepaymentMode, repayment_events
from potwise.domain.cashevents import CashEvent, EventKind, PlannedItem, planned_events
from potwise.domain.cashflow import (
    AccountBalance,
    CardCover,
    EverydaySpend,
    InvalidHorizon,
    PotBalance,
    SetAside,
    card_cover_events,
    commitment_events,
    everyday_spend,
    forecast,
    safe_to_spend,
)
from potwise.domain.instalments import instalment_events, instalment_plan
from potwise.domain.payday import next_payday, payday_rule
from potwise.domain.recurring import TxnFact, detect_commitments
from tests.unit.domain.cashflow_builders import CAL, facts, monthly_dates

CURRENT = AccountBalance("acc-current", "Monzo current", 100000, overdraft_limit=50000)


def _bill(on: date, amount: int, label: str = "Bill", kind: EventKind = EventKind.COMMITMENT):
    return CashEvent(on, amount, label, kind, "acc-current", label.lower())


# ------------------------------------------------------------ safe to spend


def test_bank_holiday_before_payday_shortens_the_period() -> None:
    today = date(2024, 12, 20)
    history = [
        *facts("acme ltd", monthly_dates(date(2024, 1, 1), 12, 25, roll="previous"), 300000),
        *facts("octopus energy", monthly_dates(date(2024, 1, 1), 12, 23), -9600),
        *facts("netflix", monthly_dates(date(2024, 1, 1), 11, 27), -1099),
    ]
    found = detect_commitments(history, today)
    rule = payday_rule(found, today=today)
    assert rule is not None
    payday = next_payday(rule, today, CAL)
    assert payday == date(2024, 12, 24)  # 25 December: paid the working day before
    events = commitment_events(found, today, payday + timedelta(days=40), CAL)
    answer = safe_to_spend(today=today, next_payday=payday, accounts=[CURRENT], events=events)
    # Energy on Monday 23rd is before payday; Netflix on the 27th is after it; the
    # salary is income, never counted before it lands.
    assert answer.amount == 100000 - 9600
    assert [(line.label, line.amount) for line in answer.breakdown] == [
        ("Monzo current", 100000),
        ("Octopus Energy (23 Dec)", -9600),
    ]
    assert answer.days_to_payday == 4
    assert (answer.per_day, answer.per_day_remainder) == (22600, 0)


def test_a_bill_due_on_payday_is_paid_from_the_new_pay() -> None:
    today, payday = date(2025, 3, 20), date(2025, 3, 25)
    events = [_bill(date(2025, 3, 24), -5000, "Gym"), _bill(payday, -120000, "Rent")]
    answer = safe_to_spend(today=today, next_payday=payday, accounts=[CURRENT], events=events)
    assert answer.amount == 95000
    assert [line.label for line in answer.breakdown] == ["Monzo current", "Gym (24 Mar)"]
    # 95000 over 5 days.
    assert (answer.days_to_payday, answer.per_day, answer.per_day_remainder) == (5, 19000, 0)


def test_overdraft_is_a_cushion_never_money() -> None:
    overdrawn = AccountBalance("acc-current", "Monzo current", -5000, overdraft_limit=50000)
    answer = safe_to_spend(
        today=date(2025, 3, 20),
        next_payday=date(2025, 3, 25),
        accounts=[overdrawn],
        events=[_bill(date(2025, 3, 21), -3000)],
    )
    assert answer.amount == -8000
    assert answer.overdraft_cushion == 50000
    assert sum(line.amount for line in answer.breakdown) == -8000
    assert (answer.per_day, answer.per_day_remainder) == (0, -8000)


def test_pennies_of_the_per_day_figure_are_kept() -> None:
    answer = safe_to_spend(
        today=date(2025, 3, 18), next_payday=date(2025, 3, 25), accounts=[CURRENT]
    )
    assert answer.days_to_payday == 7
    assert (answer.per_day, answer.per_day_remainder) == (14285, 5)  # 7 * 14285 + 5


def test_cards_in_full_vs_pay_down_and_the_card_pot() -> None:
    today, payday = date(2025, 3, 10), date(2025, 3, 25)
    state = CardState("amex", owed=60000, statement_balance=45000, due_date=date(2025, 3, 21))
    full = CardModel("amex", "American Express", RepaymentMode.PAY_IN_FULL, "acc-current")
    down = CardModel("amex", "American Express", RepaymentMode.FIXED, "acc-current", 20000)
    pot = PotBalance("pot-card", "Credit card", 60000)
    common = {
        "today": today,
        "next_payday": payday,
        "accounts": [CURRENT],
        "pots": [pot],
        "cards_owed": 60000,
    }
    in_full = safe_to_spend(
        events=repayment_events(full, state, today, payday, CAL), card_cover=60000, **common
    )
    # The statement (£450) is due before payday, and the card pot holds it: nothing
    # is subtracted twice, the pot's money beyond it is not spendable.
    assert [(line.label, line.amount, line.kind) for line in in_full.breakdown] == [
        ("Monzo current", 100000, "cash"),
        ("American Express repayment (21 Mar)", -45000, "card_repayment"),
        ("Card repayments covered by pots", 45000, "card_cover"),
    ]
    assert in_full.amount == 100000
    assert in_full.cards_owed == 60000 and in_full.card_cover_used == 45000
    no_pot = safe_to_spend(events=repayment_events(full, state, today, payday, CAL), **common)
    assert no_pot.amount == 55000
    paying_down = safe_to_spend(events=repayment_events(down, state, today, payday, CAL), **common)
    assert paying_down.amount == 80000


def test_included_pots_planned_items_instalments_and_set_asides() -> None:
    today, payday = date(2025, 1, 10), date(2025, 1, 24)
    plan = instalment_plan(100000, 3, 0, date(2025, 1, 15))
    events = [
        *instalment_events(plan, label="Sofa", plan_id="flex-1"),
        *planned_events([PlannedItem("p1", "Car MOT", date(2025, 1, 20), -5485)]),
        *planned_events([PlannedItem("p2", "Birthday money", date(2025, 1, 20), 5000)]),
    ]
    answer = safe_to_spend(
        today=today,
        next_payday=payday,
        accounts=[CURRENT, AccountBalance("acc-joint", "Joint", 20000)],
        pots=[
            PotBalance("pot-h", "Holiday", 30000, included=True),
            PotBalance("pot-s", "Savings", 99999),
        ],
        events=events,
        set_asides=[SetAside("Christmas fund", 10000)],
    )
    assert [(line.label, line.amount) for line in answer.breakdown] == [
        ("Joint", 20000),
        ("Monzo current", 100000),
        ("Holiday pot", 30000),
        ("Sofa (1/3) (15 Jan)", -33334),
        ("Car MOT (20 Jan)", -5485),
        ("Christmas fund", -10000),
    ]
    assert answer.amount == 150000 - 33334 - 5485 - 10000


def test_payday_must_be_after_today() -> None:
    with pytest.raises(InvalidHorizon):
        safe_to_spend(today=date(2025, 1, 1), next_payday=date(2025, 1, 1), accounts=[CURRENT])


event_kinds = st.sampled_from(list(EventKind))
events_strategy = st.lists(
    st.builds(
        CashEvent,
        on=st.dates(min_value=date(2024, 12, 1), max_value=date(2025, 3, 1)),
        amount=st.integers(-(10**7), 10**7),
        label=st.text(max_size=5),
        kind=event_kinds,
        account_id=st.sampled_from(["acc-current", "acc-joint", "", "unknown"]),
    ),
    max_size=30,
)
balances = st.integers(-(10**8), 10**8)


@given(
    st.lists(balances, min_size=1, max_size=4),
    st.lists(st.tuples(balances.map(abs), st.booleans()), max_size=4),
    events_strategy,
    st.lists(st.integers(0, 10**6), max_size=3),
    st.integers(-(10**6), 10**7),
    st.integers(1, 60),
)
def test_breakdown_always_sums_to_the_figure(
    accounts: list[int],
    pots: list[tuple[int, bool]],
    events: list[CashEvent],
    set_asides: list[int],
    cover: int,
    days: int,
) -> None:
    today = date(2025, 1, 1)
    answer = safe_to_spend(
        today=today,
        next_payday=today + timedelta(days=days),
        accounts=[AccountBalance(f"a{i}", f"A{i}", b, 1000) for i, b in enumerate(accounts)],
        pots=[PotBalance(f"p{i}", f"P{i}", b, inc) for i, (b, inc) in enumerate(pots)],
        events=events,
        set_asides=[SetAside(f"s{i}", a) for i, a in enumerate(set_asides)],
        card_cover=cover,
    )
    assert sum(line.amount for line in answer.breakdown) == answer.amount
    assert answer.per_day * answer.days_to_payday + answer.per_day_remainder == answer.amount
    assert answer.per_day >= 0
    assert 0 <= answer.card_cover_used <= max(cover, 0)


# ----------------------------------------------------------------- forecast


def test_forecast_by_hand_with_low_point_and_breaches() -> None:
    today = date(2025, 1, 6)  # a Monday
    accounts = [AccountBalance("acc-current", "Monzo", 50000, overdraft_limit=20000)]
    events = [
        _bill(date(2025, 1, 8), -60000, "Rent"),
        CashEvent(date(2025, 1, 10), 200000, "Salary", EventKind.INCOME, "acc-current", "pay"),
    ]
    everyday = EverydaySpend((1000,) * 7, 0, 0, 182)
    result = forecast(today=today, days=5, accounts=accounts, events=events, everyday=everyday)
    assert [(d.date, d.balance) for d in result.days] == [
        (date(2025, 1, 6), 50000),
        (date(2025, 1, 7), 49000),
        (date(2025, 1, 8), -12000),
        (date(2025, 1, 9), -13000),
        (date(2025, 1, 10), 186000),
        (date(2025, 1, 11), 185000),
    ]
    assert result.low_point == (date(2025, 1, 9), -13000)
    assert result.first_below_zero == date(2025, 1, 8) == result.breach
    assert result.first_below_overdraft is None
    assert [e.label for e in result.days[2].items] == ["Rent"]
    assert result.days[2].everyday == 1000
    deeper = forecast(
        today=today, days=5, accounts=accounts, events=[_bill(date(2025, 1, 8), -80000)]
    )
    assert deeper.first_below_overdraft == date(2025, 1, 8)


def test_forecast_per_account_and_overdue_items_land_tomorrow() -> None:
    today = date(2025, 1, 6)
    accounts = [
        AccountBalance("acc-current", "Monzo", 50000),
        AccountBalance("acc-joint", "Joint", 10000),
    ]
    events = [
        CashEvent(date(2025, 1, 3), -2000, "Late bill", EventKind.COMMITMENT, "acc-joint"),
        CashEvent(date(2025, 1, 7), -1000, "Shop", EventKind.PLANNED, "elsewhere"),
        CashEvent(date(2025, 3, 1), -1000, "Beyond", EventKind.PLANNED),
    ]
    result = forecast(today=today, days=2, accounts=accounts, events=events)
    assert result.days[0].balance == 60000 and result.days[0].items == ()
    assert result.days[1].accounts == (("acc-current", 49000), ("acc-joint", 8000))
    assert [e.label for e in result.days[1].items] == ["Late bill", "Shop"]
    assert result.days[1].items[0].on == date(2025, 1, 3)  # its own date kept
    assert len(result.days) == 3


def test_band_widens_with_the_square_root_of_time() -> None:
    everyday = EverydaySpend((2000,) * 7, spread_below=7000, spread_above=14000, days_observed=182)
    result = forecast(today=date(2025, 1, 6), days=28, accounts=[CURRENT], everyday=everyday)
    week, four = result.days[7], result.days[28]
    assert (week.balance, week.low, week.high) == (86000, 72000, 93000)
    assert (four.balance, four.low, four.high) == (44000, 16000, 58000)


def test_horizon_is_checked() -> None:
    for days in (-1, 367):
        with pytest.raises(InvalidHorizon):
            forecast(today=date(2025, 1, 1), days=days, accounts=[CURRENT])
    assert len(forecast(today=date(2025, 1, 1), days=366, accounts=[CURRENT]).days) == 367


@given(
    st.lists(balances, min_size=1, max_size=3),
    events_strategy,
    st.integers(0, 366),
    st.tuples(*[st.integers(0, 10**5)] * 7),
)
def test_forecast_day_zero_is_todays_balance(
    accounts: list[int], events: list[CashEvent], days: int, weekdays: tuple[int, ...]
) -> None:
    today = date(2025, 1, 1)
    listed = [AccountBalance(f"acc-{i}", f"A{i}", b) for i, b in enumerate(accounts)]
    everyday = EverydaySpend(weekdays, 500, 900, 182)  # type: ignore[arg-type]
    result = forecast(today=today, days=days, accounts=listed, events=events, everyday=everyday)
    first = result.days[0]
    assert (first.date, first.balance, first.low, first.high) == (today, *[sum(accounts)] * 3)
    assert len(result.days) == days + 1
    assert all(d.low <= d.balance <= d.high for d in result.days)
    assert all(sum(b for _, b in d.accounts) == d.balance for d in result.days)
    assert result.low_point[1] == min(d.balance for d in result.days)


# ------------------------------------------------------------------ everyday


def test_everyday_spend_excludes_commitments_income_and_internal_moves() -> None:
    today = date(2025, 1, 13)  # Monday; the window is the 14 days before
    start = today - timedelta(days=14)
    spending = [
        TxnFact(f"s{i}", start + timedelta(days=i), -1000 - 100 * (i % 7), "shop")
        for i in range(14)
    ]
    noise = [
        TxnFact("bill", start, -50000, "landlord"),
        TxnFact("pay", start, 300000, "acme", classification="income"),
        TxnFact("pot", start, -20000, "pot", classification="pot_move"),
        TxnFact("refund", start + timedelta(days=1), 500, "shop", classification="spending"),
        TxnFact("gift", start + timedelta(days=1), 2500, "mum"),
        TxnFact("today", today, -99999, "shop"),
    ]
    estimate = everyday_spend([*spending, *noise], today, exclude_ids={"bill"}, lookback_days=14)
    # 30 Dec 2024 was a Monday: day i is weekday i % 7, spending 1000 + 100 * weekday,
    # less the 500 refund on the first Tuesday (averaged over two Tuesdays).
    assert estimate.per_weekday == (1000, 850, 1200, 1300, 1400, 1500, 1600)
    # Both weeks: 9100 and 8600 → mean 8850, standard deviation 250; the band is
    # 1.2816 of it on each side (it was the 10th/90th percentile of single weeks,
    # which understates the spread of a sum of weeks: see the backtest).
    assert (estimate.spread_below, estimate.spread_above) == (320, 320)


def test_everyday_spend_leaves_out_cards_paid_down() -> None:
    today = date(2025, 1, 13)
    start = today - timedelta(days=14)
    spent = [
        TxnFact(f"m{i}", start + timedelta(days=i), -700, "shop", "acc-current") for i in range(14)
    ]
    on_card = [
        TxnFact(f"c{i}", start + timedelta(days=i), -1400, "fuel", "card-bc") for i in range(14)
    ]
    both = everyday_spend([*spent, *on_card], today, lookback_days=14)
    assert both.per_weekday == (2100,) * 7
    # Spending on a card repaid £200 a month leaves the bank only as those repayments.
    without = everyday_spend(
        [*spent, *on_card], today, exclude_accounts={"card-bc"}, lookback_days=14
    )
    assert without.per_weekday == (700,) * 7
    assert (without.spread_below, without.spread_above) == (0, 0)


def test_card_pot_gives_back_what_it_holds_when_its_card_is_repaid() -> None:
    amex = CardModel("card-amex", "Amex", RepaymentMode.PAY_IN_FULL, "acc-current")
    barclaycard = CardModel("card-bc", "Barclaycard", RepaymentMode.FIXED, "acc-current", 20000)
    today = date(2025, 3, 10)
    until = date(2025, 5, 31)
    events = [
        *repayment_events(
            amex, CardState("card-amex", 60000, repayment_dates=(date(2025, 2, 24),)), today, until
        ),
        *repayment_events(
            barclaycard,
            CardState("card-bc", 30000, repayment_dates=(date(2025, 2, 18),)),
            today,
            until,
        ),
    ]
    cover = CardCover("pot-card", "Credit card", 45000, frozenset({"card-amex"}), "acc-current")
    back = card_cover_events(events, [cover])
    # The Amex is paid in full on the 24th; the pot holds £450 of the £600 owed and
    # gives it back that day. The Barclaycard is not the pot's: nothing for it.
    assert [(e.on, e.amount, e.kind, e.ref) for e in back] == [
        (date(2025, 3, 24), 45000, EventKind.CARD_COVER, "pot-card")
    ]
    assert back[0].label == "Credit card pot pays Amex"
    # A pot holding more than is due gives back only the repayment.
    rich = card_cover_events(events, [CardCover("pot-card", "Cards", 99999, cover.card_ids)])
    assert [(e.amount, e.account_id) for e in rich] == [(60000, "acc-current")]
    result = forecast(
        today=today,
        days=30,
        accounts=[CURRENT],
        events=[*events, *back],
    )
    # £600 to the Amex and £450 back from the pot; £200 to the Barclaycard on the 18th.
    assert result.days[-1].balance == 100000 - 60000 + 45000 - 20000
