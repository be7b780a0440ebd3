"""The backtest's engine: the walk, the day-by-day balances, the calendar of paydays and
bills, the warnings' stretches, the history's checks, and a property: the rule's moves
are the only difference between the balances with it and without it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from potwise.domain.backtest import (
    Calendar,
    Due,
    History,
    InvalidHistory,
    Note,
    Posting,
    backtest,
    shift_months,
)
from potwise.domain.backtest.notes import stretches
from potwise.domain.rules.moves import Direction

from .backtest_builders import (
    POT,
    at,
    credit,
    history,
    into_pot,
    march,
    spend,
    sweep_config,
    topup_config,
)

LONDON = ZoneInfo("Europe/London")


# -- the walk ------------------------------------------------------------------------------


def test_one_balance_a_day_with_the_rule_and_without_it() -> None:
    found = backtest(
        history(credit(2, 9, 10_000), spend(3, 12, 4_000), opening=50_000, last_day=4),
        sweep_config(),
    )
    assert [d.on for d in found.balances] == [march(1), march(2), march(3), march(4)]
    assert [d.current_without for d in found.balances] == [50_000, 60_000, 56_000, 56_000]
    assert [d.current for d in found.balances] == [50_000, 50_000, 46_000, 46_000]
    assert [d.pots[POT] for d in found.balances] == [0, 10_000, 10_000, 10_000]
    assert [(d.low, d.low_without) for d in found.balances][2] == (46_000, 56_000)


def test_the_users_own_pot_moves_stay_in_both_paths() -> None:
    found = backtest(history(into_pot(2, 9, 7_000), opening=50_000, last_day=3), sweep_config())
    assert found.moves == ()
    assert [d.current_without for d in found.balances] == [50_000, 43_000, 43_000]
    assert [d.pots[POT] for d in found.balances] == [0, 7_000, 7_000]


def test_a_decision_at_the_instant_of_a_posting_sees_the_posting() -> None:
    found = backtest(history(credit(1, 20, 10_000), opening=50_000), sweep_config())
    assert [(m.at, m.amount) for m in found.moves] == [(at(1, 20), 10_000)]


def test_days_are_the_users_local_days_in_summer_time() -> None:
    late = Posting(datetime(2026, 7, 1, 23, 30, tzinfo=UTC), -1_000, "late")
    found = backtest(
        History(
            start=datetime(2026, 6, 30, 23, 0, tzinfo=UTC),  # 1 July, 00:00 BST
            end=datetime(2026, 7, 2, 22, 0, tzinfo=UTC),
            opening=5_000,
            postings=(late,),
        ),
        topup_config(pot_id=POT, floor=0, target=0),
    )
    # 23:30 UTC on 1 July is 00:30 on 2 July in London.
    assert [(d.on, d.current) for d in found.balances] == [
        (date(2026, 7, 1), 5_000),
        (date(2026, 7, 2), 4_000),
    ]


def test_the_daily_limit_starts_again_each_local_day() -> None:
    days = [credit(d, 9, 10_000) for d in (1, 2)]
    found = backtest(history(*days, opening=50_000, last_day=2), sweep_config(max_per_day=4_000))
    assert [(m.on, m.amount) for m in found.moves] == [(march(1), 4_000), (march(2), 4_000)]


def test_the_summary_adds_the_moves_and_finds_the_lowest_days() -> None:
    found = backtest(
        history(spend(2, 10, 35_000), spend(4, 10, 30_000), opening=50_000, pots=[(POT, 100_000)]),
        topup_config(),
    )
    summary = found.summary
    assert (summary.moved_in, summary.moved_out, summary.count) == (0, 55_000, 2)
    # 4 March: £400.00 less £300.00, before the top-up put it back to £400.00.
    assert (summary.lowest.on, summary.lowest.balance) == (march(4), 10_000)
    assert (summary.lowest_without.on, summary.lowest_without.balance) == (march(4), -15_000)


def test_a_pot_the_user_emptied_more_than_the_rule_left_is_warned() -> None:
    taken = Posting(at(3, 9), 60_000, "back", "Savings", pot_id=POT)
    found = backtest(
        history(spend(2, 10, 35_000), taken, opening=50_000, pots=[(POT, 60_000)]),
        topup_config(),
    )
    [warning] = [w for w in found.warnings if w.kind == "pot_overdrawn"]
    assert warning.on == march(3)
    assert found.balances[2].pots[POT] == -25_000


def test_the_callers_notes_come_back_as_warnings() -> None:
    note = Note("history_starts", "Only from 3 March.", march(3))
    found = backtest(history(notes=[note]), sweep_config())
    assert found.warnings[0].kind == "history_starts"
    assert found.warnings[0].on == march(3)


def test_a_backtest_changes_nothing_it_is_given() -> None:
    given_history = history(credit(2, 9, 10_000), opening=50_000)
    copy = replace(given_history)
    first = backtest(given_history, sweep_config())
    assert given_history == copy
    assert backtest(given_history, sweep_config()) == first


# -- the calendar --------------------------------------------------------------------------


def calendar() -> Calendar:
    dues = [Due(at(3, 9), 1_000), Due(at(4, 9), 2_000), Due(at(5, 9), 8_000), Due(at(25, 9), 4_000)]
    return Calendar([march(5), march(25)], dues, LONDON)


@pytest.mark.parametrize(
    ("now", "today", "expected"),
    [
        pytest.param(at(1, 12), march(1), 3_000, id="both_bills_before_the_5th"),
        pytest.param(at(3, 9), march(3), 2_000, id="a_bill_that_left_is_not_due"),
        pytest.param(at(3, 8), march(3), 3_000, id="a_bill_later_today_is_due"),
        pytest.param(at(4, 12), march(4), 0, id="the_paydays_own_bill_is_paid_from_the_pay"),
        pytest.param(at(6, 9), march(6), 0, id="none_before_the_next_payday"),
        pytest.param(at(26, 9), march(26), 0, id="no_payday_after_the_last_a_month_ahead"),
    ],
)
def test_bills_due_before_the_next_payday(now: datetime, today: date, expected: int) -> None:
    assert calendar().bills_due(now, today) == expected


def test_the_next_payday_is_strictly_after_today() -> None:
    known = calendar()
    assert known.next_payday(march(4)) == march(5)
    assert known.next_payday(march(5)) == march(25)
    assert known.next_payday(march(25)) is None
    assert known.is_payday(march(25)) and not known.is_payday(march(24))


def test_with_no_payday_bills_count_for_a_month() -> None:
    dues = [Due(at(20, 9), 1_000), Due(datetime(2026, 4, 2, 9, tzinfo=UTC), 2_000)]
    assert Calendar([], dues, LONDON).bills_due(at(2, 9), march(2)) == 1_000


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        pytest.param(date(2026, 3, 31), -1, date(2026, 2, 28), id="to_a_shorter_month"),
        pytest.param(date(2026, 3, 15), -12, date(2025, 3, 15), id="a_year_back"),
        pytest.param(date(2026, 1, 31), 1, date(2026, 2, 28), id="forward"),
    ],
)
def test_shift_months(day: date, months: int, expected: date) -> None:
    assert shift_months(day, months) == expected


def test_stretches_join_consecutive_days() -> None:
    days = [march(1), march(2), march(3), march(7), march(9), march(10)]
    assert stretches(days) == [
        (march(1), march(3)),
        (march(7), march(7)),
        (march(9), march(10)),
    ]


# -- the history's checks ------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            {"start": datetime(2026, 3, 1)},  # noqa: DTZ001 - naive on purpose
            id="naive_start",
        ),
        pytest.param({"end": at(1, 0)}, id="ends_when_it_starts"),
        pytest.param({"postings": (spend(3, 9, 1), spend(2, 9, 1))}, id="postings_out_of_order"),
        pytest.param({"postings": (spend(9, 9, 1),)}, id="posting_after_the_end"),
        pytest.param({"tz": "Mars/Olympus"}, id="unknown_zone"),
    ],
)
def test_a_history_that_cannot_be_replayed_is_refused(change: dict[str, object]) -> None:
    with pytest.raises(InvalidHistory):
        replace(history(), **change)


def test_a_due_must_be_money_leaving() -> None:
    with pytest.raises(InvalidHistory):
        Due(at(1, 9), 0)


# -- the property --------------------------------------------------------------------------

_postings = st.lists(
    st.tuples(
        st.integers(0, 6 * 24 * 60 - 1),  # minute of the week
        st.integers(-40_000, 40_000).filter(bool),
        st.booleans(),  # a move to or from the pot
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(
    rows=_postings,
    opening=st.integers(-20_000, 80_000),
    pot=st.integers(0, 60_000),
    topup=st.booleans(),
)
def test_the_rules_moves_are_the_whole_difference(
    rows: list[tuple[int, int, bool]], opening: int, pot: int, topup: bool
) -> None:
    postings = sorted(
        (
            Posting(
                at(1, 0) + timedelta(minutes=minute),
                amount,
                f"t{i}",
                pot_id=POT if to_pot else None,
            )
            for i, (minute, amount, to_pot) in enumerate(rows)
        ),
        key=lambda p: p.at,
    )
    config = topup_config(cooldown_hours=2, max_per_day=30_000) if topup else sweep_config()
    found = backtest(history(*postings, opening=opening, pots=[(POT, pot)]), config)
    last = found.balances[-1]
    into = sum(m.amount for m in found.moves if m.direction is Direction.DEPOSIT)
    out = sum(m.amount for m in found.moves if m.direction is Direction.WITHDRAW)
    assert last.current == last.current_without - into + out
    assert last.pots[POT] == pot - sum(p.amount for p in postings if p.pot_id) + into - out
    per_day: dict[date, int] = {}
    for move in found.moves:
        per_day[move.on] = per_day.get(move.on, 0) + move.amount
    limit = 30_000 if topup else sweep_config().max_per_day
    assert all(total <= limit for total in per_day.values())
