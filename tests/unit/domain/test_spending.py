"""Spending breakdowns: what counts, local months, and folding totals into groups."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from potwise.domain.calendar import local_date
from potwise.domain.spending import (
    Cell,
    Classification,
    GroupBy,
    Window,
    add_months,
    breakdown,
    change_percent,
    days_label,
    effective_classification,
    local_midnight,
    month_key,
    months_ending,
    previous_window,
    window_bounds,
)

LONDON = ZoneInfo("Europe/London")


# -- what counts --------------------------------------------------------------------


def test_a_classification_that_was_set_wins_over_the_sign() -> None:
    assert effective_classification("income", -500, None) is Classification.INCOME
    assert effective_classification("spending", 1200, None) is Classification.SPENDING
    assert effective_classification("internal_transfer", -5000, None) is (
        Classification.INTERNAL_TRANSFER
    )


def test_unclassified_money_out_is_spending_and_money_in_is_income() -> None:
    assert effective_classification(None, -320, None) is Classification.SPENDING
    assert effective_classification(None, 250000, None) is Classification.INCOME
    assert effective_classification(None, 0, None) is Classification.INCOME


def test_unclassified_row_naming_a_pot_is_a_pot_move_either_way() -> None:
    assert effective_classification(None, -5000, "pot_0001") is Classification.POT_MOVE
    assert effective_classification(None, 5000, "pot_0001") is Classification.POT_MOVE


# -- local months ----------------------------------------------------------------------


def test_a_purchase_at_2330_utc_on_31_march_is_april_in_london_during_bst() -> None:
    purchase = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    assert local_date(purchase, "Europe/London") == date(2026, 4, 1)
    april_start, april_end = window_bounds(Window(date(2026, 4, 1), date(2026, 5, 1)), LONDON)
    assert april_start == datetime(2026, 3, 31, 23, 0, tzinfo=UTC)
    assert april_start <= purchase < april_end
    # The same instant is still March for someone living on UTC.
    utc_april, _ = window_bounds(Window(date(2026, 4, 1), date(2026, 5, 1)), ZoneInfo("UTC"))
    assert purchase < utc_april


def test_london_months_start_at_midnight_gmt_in_winter() -> None:
    assert local_midnight(date(2026, 1, 1), LONDON) == datetime(2026, 1, 1, tzinfo=UTC)
    assert local_midnight(date(2026, 11, 1), LONDON) == datetime(2026, 11, 1, tzinfo=UTC)
    assert local_midnight(date(2026, 10, 1), LONDON) == datetime(2026, 9, 30, 23, tzinfo=UTC)


def test_a_month_holding_the_clock_change_is_an_hour_short_or_long() -> None:
    march = window_bounds(Window(date(2026, 3, 1), date(2026, 4, 1)), LONDON)
    october = window_bounds(Window(date(2026, 10, 1), date(2026, 11, 1)), LONDON)
    assert march[1] - march[0] == timedelta(days=31, hours=-1)
    assert october[1] - october[0] == timedelta(days=31, hours=1)


def test_months_ending_cross_the_year_oldest_first() -> None:
    months = months_ending(date(2026, 2, 17), 3)
    assert [month_key(w.start) for w in months] == ["2025-12", "2026-01", "2026-02"]
    assert months[-1] == Window(date(2026, 2, 1), date(2026, 3, 1))


def test_add_months_goes_both_ways_over_years() -> None:
    assert add_months(date(2026, 11, 1), 3) == date(2027, 2, 1)
    assert add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert add_months(date(2026, 1, 1), -25) == date(2023, 12, 1)


def test_previous_window_of_whole_months_is_as_many_months_before() -> None:
    march = Window(date(2026, 3, 1), date(2026, 4, 1))
    assert previous_window(march) == Window(date(2026, 2, 1), date(2026, 3, 1))
    year = Window(date(2025, 12, 1), date(2026, 12, 1))
    assert previous_window(year) == Window(date(2024, 12, 1), date(2025, 12, 1))


def test_previous_window_of_days_is_as_many_days_before() -> None:
    fortnight = Window(date(2026, 3, 10), date(2026, 3, 24))
    assert previous_window(fortnight) == Window(date(2026, 2, 24), date(2026, 3, 10))


def test_a_window_must_end_after_it_starts() -> None:
    with pytest.raises(ValueError):
        Window(date(2026, 3, 1), date(2026, 3, 1))


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 1)), st.integers(-200, 200))
def test_add_months_round_trips(day: date, months: int) -> None:
    first = day.replace(day=1)
    assert add_months(add_months(first, months), -months) == first


# -- change ---------------------------------------------------------------------------


def test_change_percent_rounds_half_to_even_and_needs_something_before() -> None:
    assert change_percent(150, 100) == 50
    assert change_percent(50, 100) == -50
    assert change_percent(1, 3) == -67
    assert change_percent(101, 200) == -50  # -49.5 → -50 (even)
    assert change_percent(203, 200) == 2  # 1.5 → 2 (even)
    assert change_percent(500, 0) is None
    assert change_percent(500, -20) is None


# -- folding ---------------------------------------------------------------------------


def _months(last: date, count: int) -> list[Window]:
    # The month before the range comes first, as the service queries it.
    return months_ending(last, count + 1)


def test_month_breakdown_has_every_month_with_totals_counts_and_change() -> None:
    windows = _months(date(2026, 3, 1), 3)  # December first, then January to March
    cells = [
        Cell(bucket=0, key=None, account_kind="current", pending=False, amount=-10000, count=4),
        Cell(bucket=1, key=None, account_kind="current", pending=False, amount=-12000, count=5),
        Cell(bucket=1, key=None, account_kind="credit_card", pending=False, amount=-3000, count=1),
        Cell(bucket=3, key=None, account_kind="credit_card", pending=True, amount=-450, count=1),
    ]
    result = breakdown(cells, group_by=GroupBy.MONTH, currency="GBP", windows=windows)
    assert [g.key for g in result.groups] == ["2026-01", "2026-02", "2026-03"]
    jan, feb, mar = result.groups
    assert (jan.amount, jan.count, jan.cash, jan.card) == (15000, 6, 12000, 3000)
    assert (jan.previous, jan.change, jan.change_percent) == (10000, 5000, 50)
    assert (feb.amount, feb.count, feb.change, feb.change_percent) == (0, 0, -15000, -100)
    assert (mar.amount, mar.pending_amount, mar.pending_count) == (450, 450, 1)
    assert mar.change_percent is None  # nothing in February to compare with
    assert result.total.amount == 15450
    assert result.total.count == 7
    assert result.total.previous is None  # three months vs one month: no comparison
    assert result.window == Window(date(2026, 1, 1), date(2026, 4, 1))


def test_a_refund_reduces_spending_in_its_group() -> None:
    windows = _months(date(2026, 5, 1), 1)
    cells = [
        Cell(1, None, "current", False, amount=-8000 + 2500, count=3, refunds=2500),
    ]
    result = breakdown(cells, group_by=GroupBy.MONTH, currency="GBP", windows=windows)
    (may,) = result.groups
    assert may.amount == 5500
    assert may.refunds == 2500
    assert result.total.previous == 0  # one month: compared with April (empty)


def test_category_breakdown_is_largest_first_with_previous_period_change() -> None:
    windows = [
        Window(date(2026, 2, 1), date(2026, 3, 1)),
        Window(date(2026, 3, 1), date(2026, 4, 1)),
    ]
    cells = [
        Cell(1, "groceries", "current", False, -20000, 8),
        Cell(1, "groceries", "credit_card", True, -1500, 1),
        Cell(0, "groceries", "current", False, -10000, 5),
        Cell(1, "eating_out", "credit_card", False, -30000, 6),
        Cell(1, None, "savings", False, -700, 1),
        Cell(0, "transport", "current", False, -4000, 10),
    ]
    result = breakdown(cells, group_by=GroupBy.CATEGORY, currency="GBP", windows=windows)
    assert [(g.key, g.label, g.amount) for g in result.groups] == [
        ("eating_out", "Eating out", 30000),
        ("groceries", "Groceries", 21500),
        ("uncategorised", "Uncategorised", 700),
    ]
    groceries = result.groups[1]
    assert (groceries.card, groceries.cash, groceries.pending_amount) == (1500, 20000, 1500)
    assert (groceries.previous, groceries.change, groceries.change_percent) == (10000, 11500, 115)
    assert result.groups[2].other == 700
    assert result.total.amount == 52200
    assert result.total.previous == 14000
    assert result.top_merchants == []


def test_merchant_breakdown_lists_top_merchants_with_their_names() -> None:
    windows = [
        Window(date(2026, 2, 1), date(2026, 3, 1)),
        Window(date(2026, 3, 1), date(2026, 4, 1)),
    ]
    cells = [
        Cell(1, "tesco", "current", False, -9000, 3, label="Tesco"),
        Cell(1, "pret", "credit_card", False, -1200, 2, label="Pret A Manger"),
        Cell(1, "argos", "current", False, 2500, 1, refunds=2500, label="Argos"),
    ]
    result = breakdown(cells, group_by=GroupBy.MERCHANT, currency="GBP", windows=windows, top=5)
    assert [g.label for g in result.groups] == ["Tesco", "Pret A Manger", "Argos"]
    assert [g.key for g in result.top_merchants] == [
        "tesco",
        "pret",
    ]  # a refund-only merchant is no top spender
    assert result.groups[2].amount == -2500


def test_without_comparison_groups_carry_no_change() -> None:
    windows = [
        Window(date(2026, 2, 1), date(2026, 3, 1)),
        Window(date(2026, 3, 1), date(2026, 4, 1)),
    ]
    cells = [Cell(1, "groceries", "current", False, -2000, 1)]
    result = breakdown(
        cells, group_by=GroupBy.CATEGORY, currency="GBP", windows=windows, compare=False
    )
    assert (result.groups[0].previous, result.groups[0].change) == (None, None)
    assert result.total.previous is None


def test_a_breakdown_needs_a_previous_window() -> None:
    with pytest.raises(ValueError):
        breakdown(
            [], group_by=GroupBy.MONTH, currency="GBP", windows=_months(date(2026, 1, 1), 0)[:1]
        )


@given(
    st.lists(
        st.tuples(
            st.integers(0, 12),
            st.sampled_from(["current", "joint", "credit_card", "savings"]),
            st.booleans(),
            st.integers(-100_000, 20_000),
            st.integers(1, 50),
        ),
        max_size=60,
    )
)
def test_month_totals_always_add_up(rows: list[tuple[int, str, bool, int, int]]) -> None:
    cells = [
        Cell(b, None, kind, pending, amount, count) for b, kind, pending, amount, count in rows
    ]
    result = breakdown(
        cells, group_by=GroupBy.MONTH, currency="GBP", windows=_months(date(2026, 12, 1), 12)
    )
    assert sum(g.amount for g in result.groups) == result.total.amount
    assert sum(g.count for g in result.groups) == result.total.count
    for group in result.groups:
        assert group.card + group.cash + group.other == group.amount
    assert result.total.amount == -sum(c.amount for c in cells if c.bucket > 0)


def test_a_month_so_far_is_compared_with_the_same_days_of_the_month_before() -> None:
    six_days = Window(date(2026, 12, 1), date(2026, 12, 7))
    assert previous_window(six_days) == Window(date(2026, 11, 1), date(2026, 11, 7))
    # Days the month before does not have are not borrowed from the month after.
    thirty_days = Window(date(2026, 3, 1), date(2026, 3, 31))
    assert previous_window(thirty_days) == Window(date(2026, 2, 1), date(2026, 3, 1))
    january = Window(date(2027, 1, 1), date(2027, 1, 4))
    assert previous_window(january) == Window(date(2026, 12, 1), date(2026, 12, 4))


def test_days_label_says_the_days_as_people_do() -> None:
    assert days_label(Window(date(2026, 11, 1), date(2026, 11, 7))) == "1\u20136 Nov"
    assert days_label(Window(date(2026, 11, 28), date(2026, 12, 4))) == "28 Nov\u20133 Dec"
    assert days_label(Window(date(2026, 12, 1), date(2026, 12, 2))) == "1 Dec"
    assert days_label(Window(date(2026, 11, 1), date(2026, 12, 1))) == "Nov 2026"
