"""Budgets: periods (months and paydays around weekends and bank holidays), rollover,
progress, projections and alerts once per period."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from potwise.domain.budgets import (
    LAST_WORKING_DAY,
    InvalidBudget,
    Period,
    PeriodKind,
    alert_due,
    alert_message,
    carried_over,
    parse_pay_day,
    pay_day_label,
    payday,
    period_containing,
    periods_ending,
    progress,
    projected_spend,
    projection,
)
from potwise.domain.calendar import UKCalendar, is_working_day

MONTH = PeriodKind.MONTH
PAY = PeriodKind.PAY_PERIOD


# -- calendar months -------------------------------------------------------------------


def test_a_monthly_budget_runs_over_the_calendar_month() -> None:
    assert period_containing(date(2026, 2, 14), MONTH) == Period(date(2026, 2, 1), date(2026, 3, 1))
    assert period_containing(date(2026, 12, 31), MONTH) == Period(
        date(2026, 12, 1), date(2027, 1, 1)
    )


# -- paydays ---------------------------------------------------------------------------


def test_payday_on_a_sunday_moves_to_the_friday_before() -> None:
    assert date(2026, 10, 25).strftime("%a") == "Sun"
    assert payday(2026, 10, 25) == date(2026, 10, 23)


def test_payday_on_christmas_day_moves_to_christmas_eve() -> None:
    assert payday(2026, 12, 25) == date(2026, 12, 24)


def test_payday_on_good_friday_moves_to_the_thursday() -> None:
    assert payday(2026, 4, 3) == date(2026, 4, 2)


def test_last_working_day_skips_the_august_bank_holiday() -> None:
    # 31 August 2026 is the summer bank holiday (a Monday).
    assert payday(2026, 8, LAST_WORKING_DAY) == date(2026, 8, 28)


def test_payday_31_in_february_is_the_last_day_or_the_working_day_before() -> None:
    assert payday(2028, 2, 31) == date(2028, 2, 29)  # a Tuesday in a leap year
    assert payday(2027, 2, 31) == date(2027, 2, 26)  # the 28th is a Sunday


def test_pay_period_runs_from_payday_to_the_day_before_the_next() -> None:
    # Paid on the 25th: 25 Sep 2026 is a Friday, 25 Oct a Sunday (paid on the 23rd).
    period = period_containing(date(2026, 10, 1), PAY, 25)
    assert period == Period(date(2026, 9, 25), date(2026, 10, 23))
    assert period.last_day == date(2026, 10, 22)
    assert period_containing(date(2026, 10, 23), PAY, 25).start == date(2026, 10, 23)


def test_pay_period_over_christmas() -> None:
    assert period_containing(date(2026, 12, 24), PAY, 25) == Period(
        date(2026, 12, 24), date(2027, 1, 25)
    )
    assert period_containing(date(2026, 12, 23), PAY, 25) == Period(
        date(2026, 11, 25), date(2026, 12, 24)
    )


def test_payday_on_the_1st_can_fall_in_the_month_before() -> None:
    # 1 August 2026 is a Saturday: August's pay arrives on Friday 31 July.
    assert period_containing(date(2026, 7, 31), PAY, 1) == Period(
        date(2026, 7, 31), date(2026, 9, 1)
    )
    assert period_containing(date(2026, 7, 30), PAY, 1) == Period(
        date(2026, 7, 1), date(2026, 7, 31)
    )


def test_last_working_day_pay_periods() -> None:
    assert period_containing(date(2026, 8, 30), PAY, LAST_WORKING_DAY) == Period(
        date(2026, 8, 28), date(2026, 9, 30)
    )


def test_extra_holidays_move_paydays_too() -> None:
    closed = UKCalendar(extra_holidays=[date(2026, 6, 25)])
    assert payday(2026, 6, 25, closed) == date(2026, 6, 24)


def test_a_pay_period_needs_a_payday() -> None:
    with pytest.raises(InvalidBudget):
        period_containing(date(2026, 1, 1), PAY, None)


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31)),
    st.one_of(st.integers(1, 31), st.just(LAST_WORKING_DAY)),
)
def test_pay_periods_contain_the_day_and_start_on_working_days(day: date, pay_day: object) -> None:
    period = period_containing(day, PAY, pay_day)  # type: ignore[arg-type]
    assert period.start <= day < period.end
    assert is_working_day(period.start) and is_working_day(period.end)
    assert 20 <= period.days <= 40
    assert period_containing(period.end, PAY, pay_day).start == period.end  # type: ignore[arg-type]


def test_periods_ending_walks_back_consecutively() -> None:
    current = period_containing(date(2026, 11, 10), PAY, 25)
    periods = periods_ending(current, 3, PAY, 25)
    assert periods[-1] == current
    assert [p.end for p in periods[:-1]] == [p.start for p in periods[1:]]


def test_parse_pay_day() -> None:
    assert parse_pay_day("25") == 25
    assert parse_pay_day("1") == 1
    assert parse_pay_day(LAST_WORKING_DAY) == LAST_WORKING_DAY
    for bad in ("0", "32", "", "-1", "twenty", None, "025"):
        with pytest.raises(InvalidBudget):
            parse_pay_day(bad)


def test_pay_day_labels() -> None:
    assert [pay_day_label(d) for d in (1, 2, 3, 11, 22, 25)] == [
        "the 1st",
        "the 2nd",
        "the 3rd",
        "the 11th",
        "the 22nd",
        "the 25th",
    ]
    assert pay_day_label(LAST_WORKING_DAY) == "the last working day"


# -- rollover --------------------------------------------------------------------------


def test_unspent_budget_rolls_over_period_after_period() -> None:
    assert carried_over(20000, []) == 0
    assert carried_over(20000, [15000]) == 5000
    assert carried_over(20000, [15000, 20000]) == 5000
    assert carried_over(20000, [15000, 10000]) == 15000


def test_an_overspent_period_carries_nothing_and_takes_nothing_from_the_next() -> None:
    assert carried_over(20000, [15000, 30000]) == 0
    assert carried_over(20000, [30000, 15000]) == 5000


def test_refunds_beyond_spending_roll_over_the_whole_cap_plus_the_refund() -> None:
    assert carried_over(20000, [-1000]) == 21000


# -- progress and projection -----------------------------------------------------------


def test_projection_scales_spending_so_far_to_the_whole_period() -> None:
    april = Period(date(2026, 4, 1), date(2026, 5, 1))
    assert projected_spend(10000, april, date(2026, 4, 10)) == 30000  # 10 of 30 days
    assert projected_spend(10000, april, date(2026, 4, 1)) == 300000  # first day counts whole
    assert projected_spend(10000, april, date(2026, 4, 30)) == 10000  # last day: as spent
    assert projected_spend(10000, april, date(2026, 6, 1)) == 10000
    assert projected_spend(0, april, date(2026, 4, 10)) == 0
    assert projected_spend(-500, april, date(2026, 4, 10)) == -500


def test_projection_rounds_half_to_even_in_pence() -> None:
    period = Period(date(2026, 4, 1), date(2026, 4, 5))  # 4 days
    assert projected_spend(5, period, date(2026, 4, 3)) == 7  # 20/3 = 6.67
    assert projected_spend(3, Period(date(2026, 4, 1), date(2026, 4, 4)), date(2026, 4, 2)) == 4


def test_no_pace_from_one_purchase_or_the_first_days_of_a_period() -> None:
    december = Period(date(2026, 12, 1), date(2027, 1, 1))  # 31 days: a quarter is 7.75
    # One purchase six days in: too early, whatever its size.
    assert projection(44_883, 1, december, date(2026, 12, 6)) is None
    # Three payments, but only 7 of 31 days gone: still too early.
    assert projection(9_000, 3, december, date(2026, 12, 7)) is None
    # 8 of 31 days and three payments: the pace counts.
    assert projection(8_000, 3, december, date(2026, 12, 8)) == 31_000
    # Half the month gone with two payments: still too few to make a pace.
    assert projection(8_000, 2, december, date(2026, 12, 16)) is None
    # The last day, and after: what was spent, however few the payments.
    assert projection(8_000, 1, december, date(2026, 12, 31)) == 8_000
    assert projection(8_000, 0, december, date(2027, 2, 1)) == 8_000
    # Before the period starts: nothing to project.
    assert projection(0, 0, december, date(2026, 11, 30)) is None


def test_a_budget_is_not_warned_about_on_a_pace_not_yet_projected() -> None:
    april = Period(date(2026, 4, 1), date(2026, 5, 1))
    early = progress(10000, 0, 6000, april, date(2026, 4, 2), payments=1)
    assert early.projected is None and early.status == "ok"
    assert progress(10000, 0, 8000, april, date(2026, 4, 2), payments=1).status == "warning"


def test_progress_with_rollover() -> None:
    april = Period(date(2026, 4, 1), date(2026, 5, 1))
    state = progress(20000, 5000, 21000, april, date(2026, 4, 15), payments=5)
    assert state.available == 25000
    assert state.remaining == 4000
    assert state.percent == 84
    assert state.projected == 42000
    assert state.days_left == 16
    assert state.status == "warning"


def test_progress_status() -> None:
    april = Period(date(2026, 4, 1), date(2026, 5, 1))
    assert progress(10000, 0, 1000, april, date(2026, 4, 20), payments=5).status == "ok"
    assert (
        progress(10000, 0, 6000, april, date(2026, 4, 10), payments=5).status == "warning"
    )  # pace
    assert progress(10000, 0, 10000, april, date(2026, 4, 30), payments=5).status == "over"
    overspent = progress(10000, 0, 12500, april, date(2026, 4, 30), payments=5)
    assert (overspent.remaining, overspent.percent) == (-2500, 125)


def test_a_budget_needs_a_positive_cap() -> None:
    with pytest.raises(InvalidBudget):
        progress(0, 0, 0, Period(date(2026, 4, 1), date(2026, 5, 1)), date(2026, 4, 2), payments=0)


# -- alerts ----------------------------------------------------------------------------

APRIL = Period(date(2026, 4, 1), date(2026, 5, 1))


def test_alert_at_80_percent_once() -> None:
    state = progress(10000, 0, 8000, APRIL, date(2026, 4, 20), payments=5)
    due = alert_due(state, set())
    assert due is not None and due.record == (80,) and due.announce == 80
    assert alert_due(state, {80}) is None
    assert alert_due(progress(10000, 0, 9900, APRIL, date(2026, 4, 21), payments=5), {80}) is None


def test_alert_at_100_percent_after_80() -> None:
    state = progress(10000, 0, 10001, APRIL, date(2026, 4, 25), payments=5)
    due = alert_due(state, {80})
    assert due is not None and due.record == (100,) and due.announce == 100
    assert alert_due(state, {80, 100}) is None


def test_one_jump_past_both_thresholds_sends_one_alert_and_remembers_both() -> None:
    state = progress(10000, 0, 15000, APRIL, date(2026, 4, 5), payments=5)
    due = alert_due(state, set())
    assert due is not None and due.record == (80, 100) and due.announce == 100


def test_below_80_percent_nothing_is_due() -> None:
    assert alert_due(progress(10000, 0, 7999, APRIL, date(2026, 4, 5), payments=5), set()) is None


def test_alert_messages_say_what_was_spent_of_what() -> None:
    warn = progress(20000, 0, 16500, APRIL, date(2026, 4, 20), payments=5)
    assert alert_message("eating_out", "GBP", 80, warn) == (
        "You have used 82% of your eating out budget: £165.00 of £200.00, £35.00 left until 30 Apr."
    )
    over = progress(20000, 0, 21050, APRIL, date(2026, 4, 20), payments=5)
    assert alert_message("groceries", "GBP", 100, over) == (
        "Your groceries budget is used up: £210.50 spent of £200.00 (£10.50 over) "
        "in the period to 30 Apr."
    )
