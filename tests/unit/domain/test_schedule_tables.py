"""Occurrences cut out of a shape's kept table are exactly the direct loop's dates."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from potwise.domain.calendar import DEFAULT_CALENDAR, UKCalendar
from potwise.domain.schedules import (
    Cadence,
    Roll,
    Schedule,
    _occurrences_direct,
    occurrence_ordinals,
    occurrences,
)
from tests.unit.domain.strategies import dates

# A calendar with a long closure (longer than the roll margin, and than a week: two
# weekly dates roll onto one day) and one extra day.
CLOSED = UKCalendar([date(2030, 8, 1) + timedelta(days=i) for i in range(16)] + [date(2027, 6, 14)])


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    cadence = draw(st.sampled_from(list(Cadence)))
    months = frozenset()
    if cadence is Cadence.MONTHLY:
        months = draw(st.frozensets(st.integers(1, 12), max_size=12))
    return Schedule(
        cadence,
        draw(dates),
        draw(st.sampled_from(list(Roll))),
        draw(st.none() | st.integers(1, 31)),
        months,
    )


@settings(max_examples=400, deadline=None)
@given(
    schedules(),
    dates,
    st.integers(-5, 3000),
    st.sampled_from([DEFAULT_CALENDAR, CLOSED]),
)
def test_kept_tables_give_the_direct_dates(
    schedule: Schedule, start: date, days: int, calendar: UKCalendar
) -> None:
    end = start + timedelta(days=days)
    direct = _occurrences_direct(schedule, start, end, calendar) if days >= 0 else []
    assert occurrences(schedule, start, end, calendar) == direct
    assert occurrence_ordinals(schedule, start.toordinal(), end.toordinal(), calendar) == [
        d.toordinal() for d in direct
    ]


def test_a_window_of_decades_and_the_ends_of_the_calendar_work_directly() -> None:
    monthly = Schedule(Cadence.MONTHLY, date(2020, 1, 31), Roll.NEXT, 31)
    wide = occurrences(monthly, date(1950, 1, 1), date(2060, 12, 31))
    assert len(wide) == 111 * 12 + 1  # 31 December 1949 is paid on 2 January 1950
    assert wide == _occurrences_direct(
        monthly, date(1950, 1, 1), date(2060, 12, 31), DEFAULT_CALENDAR
    )
    weekly = Schedule(Cadence.WEEKLY, date(2020, 1, 6), Roll.NONE)
    assert occurrences(weekly, date(9999, 12, 1), date(9999, 12, 20)) == [
        date(9999, 12, 6),
        date(9999, 12, 13),
        date(9999, 12, 20),
    ]
