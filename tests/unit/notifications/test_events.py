"""Which event a notice is, when quiet hours let it go, when a digest is due."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from potwise.services.notifications import events, webhook

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("kind", "event"),
    [
        ("transfer_failed", "move_failed"),
        ("transfer_unconfirmed", "move_failed"),
        ("transfer_completed", "money_moved"),
        ("automation.waiting_for_funds", "rule_waiting"),
        ("automation.paused_by_limit", "rule_paused"),
        ("budget_alert", "budget_crossed"),
        ("commitment_alert", "bill_alert"),
        ("consent_expiring", "consent_expiring"),
        ("connection_needs_reconnect", "connection_attention"),
        ("welcome", None),
    ],
)
def test_notice_kinds_map_to_events(kind: str, event: str | None) -> None:
    assert events.event_for_notice(kind) == event


def test_e_mail_gets_urgent_events_at_once_and_the_rest_in_the_digest() -> None:
    assert events.default_mode("move_failed", "email") == "now"
    assert events.default_mode("money_moved", "email") == "digest"
    assert all(events.default_mode(e.key, "webhook") == "now" for e in events.EVENTS)


def _at(hour: int, minute: int = 0, day: int = 7) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)  # GMT: London = UTC


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (_at(21, 59), _at(21, 59)),  # before the window
        (_at(22, 0), _at(7, 0, day=8)),  # in it, before midnight: tomorrow morning
        (_at(3, 0), _at(7, 0)),  # in it, after midnight: this morning
        (_at(7, 0), _at(7, 0)),  # the window has ended
    ],
)
def test_an_overnight_quiet_window_holds_until_it_ends(now: datetime, expected: datetime) -> None:
    assert events.after_quiet_hours(now, LONDON, "22:00", "07:00") == expected


def test_a_daytime_window_and_none() -> None:
    assert events.after_quiet_hours(_at(13), LONDON, "12:00", "14:00") == _at(14)
    assert events.after_quiet_hours(_at(13), LONDON, None, None) == _at(13)


def test_quiet_hours_are_local_time() -> None:
    summer = datetime(2026, 7, 1, 21, 30, tzinfo=UTC)  # 22:30 in London (BST)
    assert events.after_quiet_hours(summer, LONDON, "22:00", "07:00") == datetime(
        2026, 7, 2, 6, 0, tzinfo=UTC
    )


@pytest.mark.parametrize("bad", ["7", "7:5", "24:00", "12:60", "noon", ""])
def test_times_are_hh_mm(bad: str) -> None:
    with pytest.raises(ValueError, match="22:00"):
        events.parse_hhmm(bad)


def test_a_daily_digest_is_due_once_after_its_hour() -> None:
    assert events.digest_due(_at(8, 1), LONDON, "daily", 8, last=None)
    assert not events.digest_due(_at(8, 1), LONDON, "daily", 8, last=_at(8, 0))
    assert events.digest_due(_at(8, 0, day=8), LONDON, "daily", 8, last=_at(8, 0))
    assert not events.digest_due(_at(8, 0), LONDON, "off", 8, last=None)


def test_a_weekly_digest_is_due_on_mondays() -> None:
    monday = _at(9)  # 7 Dec 2026 is a Monday
    assert events.digest_due(monday, LONDON, "weekly", 8, last=_at(8, 0, day=1))
    assert not events.digest_due(_at(9, day=10), LONDON, "weekly", 8, last=_at(8, 30))


def test_the_signature_covers_the_timestamp_and_the_body() -> None:
    one = webhook.signature("s3cret", "100", b"{}")
    assert one.startswith("sha256=")
    assert one != webhook.signature("s3cret", "101", b"{}")
    assert one != webhook.signature("s3cret", "100", b"{ }")
    assert one != webhook.signature("other", "100", b"{}")
