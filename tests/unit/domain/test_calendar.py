"""Examples for the UK (England and Wales) working calendar, with real dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from potwise.domain import calendar as cal
from potwise.domain.calendar import UKCalendar, local_date

# -- bank holidays ---------------------------------------------------------------


def test_england_and_wales_bank_holidays_2025() -> None:
    assert cal.bank_holidays(2025) == [
        date(2025, 1, 1),
        date(2025, 4, 18),  # Good Friday
        date(2025, 4, 21),  # Easter Monday
        date(2025, 5, 5),
        date(2025, 5, 26),
        date(2025, 8, 25),
        date(2025, 12, 25),
        date(2025, 12, 26),
    ]


def test_england_and_wales_bank_holidays_2026() -> None:
    assert cal.bank_holidays(2026) == [
        date(2026, 1, 1),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 5, 4),
        date(2026, 5, 25),
        date(2026, 8, 31),
        date(2026, 12, 25),
        date(2026, 12, 28),
    ]


def test_england_and_wales_bank_holidays_2027() -> None:
    assert cal.bank_holidays(2027) == [
        date(2027, 1, 1),
        date(2027, 3, 26),
        date(2027, 3, 29),
        date(2027, 5, 3),
        date(2027, 5, 31),
        date(2027, 8, 30),
        date(2027, 12, 27),
        date(2027, 12, 28),
    ]


def test_easter_monday_2026_is_6_april() -> None:
    assert cal.is_bank_holiday(date(2026, 4, 6))
    assert not cal.is_working_day(date(2026, 4, 6))
    assert cal.is_working_day(date(2026, 4, 7))


def test_may_2026_bank_holidays_are_the_4th_and_the_25th() -> None:
    may = [d for d in cal.bank_holidays(2026) if d.month == 5]
    assert may == [date(2026, 5, 4), date(2026, 5, 25)]


def test_christmas_2026_falls_on_friday_so_boxing_day_substitute_is_monday() -> None:
    assert date(2026, 12, 25).weekday() == 4
    assert cal.is_bank_holiday(date(2026, 12, 25))
    assert cal.is_bank_holiday(date(2026, 12, 28))
    assert cal.next_working_day(date(2026, 12, 24)) == date(2026, 12, 29)


def test_christmas_2027_falls_on_saturday_so_substitutes_are_27_and_28_december() -> None:
    assert date(2027, 12, 25).weekday() == 5
    assert cal.is_bank_holiday(date(2027, 12, 27))
    assert cal.is_bank_holiday(date(2027, 12, 28))
    assert cal.next_working_day(date(2027, 12, 24)) == date(2027, 12, 29)


def test_one_off_bank_holidays_are_included() -> None:
    assert cal.is_bank_holiday(date(2023, 5, 8))  # coronation of Charles III
    assert cal.is_bank_holiday(date(2022, 9, 19))  # state funeral of Elizabeth II


def test_scottish_only_holidays_are_working_days_in_england() -> None:
    assert cal.is_working_day(date(2026, 1, 2))  # 2 January: Scotland only
    assert cal.is_working_day(date(2026, 8, 3))  # Scottish summer bank holiday


def test_holiday_name_names_substitute_days() -> None:
    name = UKCalendar().holiday_name(date(2026, 12, 28))
    assert name is not None and "Boxing Day" in name
    assert UKCalendar().holiday_name(date(2026, 12, 29)) is None


# -- working days --------------------------------------------------------------------


def test_weekends_are_not_working_days() -> None:
    assert not cal.is_working_day(date(2026, 3, 7))  # Saturday
    assert not cal.is_working_day(date(2026, 3, 8))  # Sunday
    assert cal.is_working_day(date(2026, 3, 9))  # Monday


def test_next_working_day_is_strictly_after_and_on_or_after_may_be_the_same_day() -> None:
    wednesday = date(2026, 3, 4)
    assert cal.next_working_day(wednesday) == date(2026, 3, 5)
    assert cal.working_day_on_or_after(wednesday) == wednesday


def test_next_working_day_after_good_friday_2026_skips_the_weekend_and_easter_monday() -> None:
    assert cal.next_working_day(date(2026, 4, 2)) == date(2026, 4, 7)
    assert cal.working_day_on_or_after(date(2026, 4, 3)) == date(2026, 4, 7)


def test_previous_working_day_before_easter_tuesday_2026_is_maundy_thursday() -> None:
    assert cal.previous_working_day(date(2026, 4, 7)) == date(2026, 4, 2)
    assert cal.working_day_on_or_before(date(2026, 4, 6)) == date(2026, 4, 2)
    assert cal.working_day_on_or_before(date(2026, 4, 7)) == date(2026, 4, 7)


def test_last_working_day_of_may_2026_is_friday_29th() -> None:
    assert cal.last_working_day_of_month(2026, 5) == date(2026, 5, 29)


def test_last_working_day_of_august_2026_skips_the_bank_holiday_monday() -> None:
    # 31 August 2026 is the late summer bank holiday.
    assert cal.last_working_day_of_month(2026, 8) == date(2026, 8, 28)


def test_last_working_day_of_december_2027_is_friday_31st() -> None:
    assert cal.last_working_day_of_month(2027, 12) == date(2027, 12, 31)


def test_add_working_days_from_friday_lands_on_monday() -> None:
    assert cal.add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)
    assert cal.add_working_days(date(2026, 3, 9), -1) == date(2026, 3, 6)


def test_add_working_days_skips_christmas_2027_substitute_days() -> None:
    assert cal.add_working_days(date(2027, 12, 23), 2) == date(2027, 12, 29)
    assert cal.add_working_days(date(2027, 12, 29), -2) == date(2027, 12, 23)


def test_add_zero_working_days_is_the_same_date_even_on_a_weekend() -> None:
    assert cal.add_working_days(date(2026, 3, 7), 0) == date(2026, 3, 7)


def test_working_days_between_counts_the_end_but_not_the_start() -> None:
    assert cal.working_days_between(date(2026, 3, 6), date(2026, 3, 9)) == 1  # Fri -> Mon
    assert cal.working_days_between(date(2026, 3, 9), date(2026, 3, 6)) == -1
    assert cal.working_days_between(date(2026, 3, 9), date(2026, 3, 9)) == 0
    # Christmas week 2026: 29, 30, 31 Dec and (not 1 Jan) 4 Jan.
    assert cal.working_days_between(date(2026, 12, 24), date(2027, 1, 4)) == 4


# -- paydays ------------------------------------------------------------------------


def test_payday_on_a_saturday_moves_to_friday() -> None:
    assert cal.payday_on_or_before(date(2026, 2, 28)) == date(2026, 2, 27)


def test_payday_on_easter_monday_2026_moves_to_maundy_thursday() -> None:
    assert cal.payday_on_or_before(date(2026, 4, 6)) == date(2026, 4, 2)


def test_payday_on_a_working_day_stays_put() -> None:
    assert cal.payday_on_or_before(date(2026, 3, 25)) == date(2026, 3, 25)


def test_payday_on_the_25th_of_december_2027_moves_to_friday_24th() -> None:
    assert cal.payday_in_month(2027, 12, 25) == date(2027, 12, 24)


def test_payday_on_the_31st_in_february_is_the_last_working_day_of_february() -> None:
    assert cal.payday_in_month(2026, 2, 31) == date(2026, 2, 27)
    assert cal.payday_in_month(2028, 2, 31) == date(2028, 2, 29)  # leap year, a Tuesday


@pytest.mark.parametrize("day", [0, 32, -1])
def test_payday_in_month_rejects_impossible_days(day: int) -> None:
    with pytest.raises(ValueError):
        cal.payday_in_month(2026, 1, day)


# -- injected holidays ---------------------------------------------------------------


def test_extra_holidays_are_not_working_days_on_that_calendar_only() -> None:
    closure = date(2026, 3, 11)
    office = UKCalendar(extra_holidays=[closure])
    assert not office.is_working_day(closure)
    assert office.next_working_day(date(2026, 3, 10)) == date(2026, 3, 12)
    assert cal.is_working_day(closure)


# -- local dates -------------------------------------------------------------------------


def test_late_evening_utc_in_summer_is_already_tomorrow_in_london() -> None:
    instant = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    assert local_date(instant) == date(2026, 7, 1)


def test_late_evening_utc_in_winter_is_the_same_day_in_london() -> None:
    instant = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert local_date(instant) == date(2026, 12, 31)


def test_local_date_uses_the_given_time_zone() -> None:
    instant = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
    assert local_date(instant, "America/New_York") == date(2025, 12, 31)


def test_local_date_accepts_any_aware_instant() -> None:
    instant = datetime(2026, 7, 1, 0, 30, tzinfo=timezone(timedelta(hours=2)))
    assert local_date(instant) == date(2026, 6, 30)  # 22:30 UTC is 23:30 BST


def test_local_date_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError):
        local_date(datetime(2026, 6, 30, 23, 30))  # noqa: DTZ001
