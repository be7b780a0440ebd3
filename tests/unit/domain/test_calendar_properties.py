"""Properties of the working calendar over a century of dates."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

from potwise.domain import calendar as cal

from .strategies import dates

ONE_DAY = timedelta(days=1)
months = st.tuples(st.integers(min_value=1995, max_value=2095), st.integers(1, 12))
steps = st.integers(min_value=-40, max_value=40)


def days(start: date, end: date) -> list[date]:
    """Every date from ``start`` to ``end`` inclusive."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


@given(dates)
def test_working_day_on_or_after_is_the_first_working_day_not_before_the_input(d: date) -> None:
    result = cal.working_day_on_or_after(d)
    assert result >= d
    assert cal.is_working_day(result)
    assert not any(cal.is_working_day(x) for x in days(d, result - ONE_DAY))


@given(dates)
def test_next_working_day_is_the_first_working_day_strictly_after_the_input(d: date) -> None:
    result = cal.next_working_day(d)
    assert result > d
    assert cal.is_working_day(result)
    assert not any(cal.is_working_day(x) for x in days(d + ONE_DAY, result - ONE_DAY))


@given(dates)
def test_previous_working_day_is_the_last_working_day_strictly_before_the_input(d: date) -> None:
    result = cal.previous_working_day(d)
    assert result < d
    assert cal.is_working_day(result)
    assert not any(cal.is_working_day(x) for x in days(result + ONE_DAY, d - ONE_DAY))


@given(dates)
def test_on_or_before_and_on_or_after_fix_working_days(d: date) -> None:
    if cal.is_working_day(d):
        assert cal.working_day_on_or_before(d) == d == cal.working_day_on_or_after(d)
    else:
        assert cal.working_day_on_or_before(d) < d < cal.working_day_on_or_after(d)


@given(dates)
def test_next_and_previous_working_day_undo_each_other_on_working_days(d: date) -> None:
    assume(cal.is_working_day(d))
    assert cal.previous_working_day(cal.next_working_day(d)) == d
    assert cal.next_working_day(cal.previous_working_day(d)) == d


@given(dates)
def test_weekends_are_never_working_days(d: date) -> None:
    if d.weekday() >= 5:
        assert not cal.is_working_day(d)


@given(months)
def test_last_working_day_of_month_is_a_working_day_with_none_later_in_the_month(
    year_month: tuple[int, int],
) -> None:
    year, month = year_month
    result = cal.last_working_day_of_month(year, month)
    assert (result.year, result.month) == (year, month)
    assert cal.is_working_day(result)
    later = result + ONE_DAY
    while later.month == month:
        assert not cal.is_working_day(later)
        later += ONE_DAY


@given(dates)
def test_payday_on_or_before_is_a_working_day_no_later_than_the_nominal_day(d: date) -> None:
    result = cal.payday_on_or_before(d)
    assert result <= d
    assert cal.is_working_day(result)
    assert not any(cal.is_working_day(x) for x in days(result + ONE_DAY, d))


@given(dates, steps)
def test_adding_then_subtracting_working_days_returns_to_a_working_day(d: date, n: int) -> None:
    assume(cal.is_working_day(d))
    assert cal.add_working_days(cal.add_working_days(d, n), -n) == d


@given(dates, steps)
def test_adding_n_working_days_moves_exactly_n_working_days(d: date, n: int) -> None:
    # Counting is over (start, end]: going back from a non-working day, the
    # start is not one of the days stepped over, so the identity needs a working day.
    assume(n >= 0 or cal.is_working_day(d))
    result = cal.add_working_days(d, n)
    assert cal.working_days_between(d, result) == n
    if n != 0:
        assert cal.is_working_day(result)


@given(dates, st.integers(min_value=-60, max_value=60))
def test_working_days_between_is_antisymmetric_and_counts_working_days(
    d: date, offset: int
) -> None:
    other = d + timedelta(days=offset)
    count = cal.working_days_between(d, other)
    assert count == -cal.working_days_between(other, d)
    lo, hi = sorted((d, other))
    assert abs(count) == sum(cal.is_working_day(x) for x in days(lo + ONE_DAY, hi))
