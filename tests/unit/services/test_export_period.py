"""The period of an export: days in the user's zone or times with a zone, checked."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from potwise.services.errors import InvalidInput
from potwise.services.exports import parse_period

LONDON = ZoneInfo("Europe/London")


def test_days_start_and_end_at_local_midnight_and_until_is_included_whole() -> None:
    period = parse_period("2026-07-01", "2026-07-31", LONDON)
    assert period.since == datetime(2026, 6, 30, 23, tzinfo=UTC)
    assert period.until == datetime(2026, 7, 31, 23, tzinfo=UTC)
    assert (period.first_day(), period.last_day()) == (date(2026, 7, 1), date(2026, 7, 31))


def test_winter_days_are_utc_days_in_london() -> None:
    period = parse_period("2026-12-01", "2026-12-01", LONDON)
    assert period.since == datetime(2026, 12, 1, tzinfo=UTC)
    assert period.until == datetime(2026, 12, 2, tzinfo=UTC)


def test_times_are_taken_as_given_and_until_excluded() -> None:
    period = parse_period("2026-07-01T09:00:00+02:00", "2026-07-02T00:00:00Z", LONDON)
    assert period.since == datetime(2026, 7, 1, 7, tzinfo=UTC)
    assert period.until == datetime(2026, 7, 2, tzinfo=UTC)
    assert period.last_day() == date(2026, 7, 2)  # 01:00 on the 2nd in London


def test_a_plus_sent_unencoded_in_a_query_string_is_read_as_a_plus() -> None:
    period = parse_period("2026-07-01T09:00:00 02:00", None, LONDON)
    assert period.since == datetime(2026, 7, 1, 7, tzinfo=UTC)


def test_nothing_given_is_everything() -> None:
    period = parse_period(None, "  ", LONDON)
    assert (period.since, period.until, period.first_day(), period.last_day()) == (
        None,
        None,
        None,
        None,
    )


def test_a_time_then_the_same_day_is_a_part_of_that_day() -> None:
    period = parse_period("2026-07-03T12:00:00Z", "2026-07-03", LONDON)
    assert period.since == datetime(2026, 7, 3, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("since", "until", "words"),
    [
        ("2026-07-02", "2026-07-01", "since is after until"),
        ("2026-07-04T00:00:00+01:00", "2026-07-03", "since is after until"),
        ("2026-07-02T00:00:01Z", "2026-07-02T00:00:00Z", "since is after until"),
        ("2026-02-30", None, "since is not a day or a time"),
        (None, "yesterday", "until is not a day or a time"),
        ("2026-07-01T09:00", None, "since has no time zone"),
        ("0001-01-01", None, "between the years 1900 and 2999"),
        (None, "9999-12-31T23:59:59-12:00", "between the years 1900 and 2999"),
        (None, "3000-01-01", "between the years 1900 and 2999"),
    ],
)
def test_what_makes_no_sense_is_refused_saying_why(
    since: str | None, until: str | None, words: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_period(since, until, LONDON)
    assert words in refused.value.message
