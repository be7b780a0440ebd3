"""The product's clock: installed per process, never backwards, following a remote clock."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from structlog.testing import capture_logs

from potwise import clock

START = datetime(2026, 6, 1, 12, tzinfo=UTC)


class RemoteAnswers:
    """What a remote clock answers, read by the clock as its `fetch`; can be cut off."""

    def __init__(self, now: datetime, *, rate: float = 0.0) -> None:
        self.now, self.rate = now, rate
        self.down = False
        self.reads = 0

    def __call__(self, url: str, timeout: float) -> Any:
        if self.down:
            raise OSError("connection refused")
        self.reads += 1
        text = self.now.isoformat().replace("+00:00", "Z")
        return {"now": text, "frozen": self.rate == 0, "rate": self.rate}


def test_the_default_is_the_system_clock_in_utc() -> None:
    assert isinstance(clock.installed(), clock.SystemClock)
    before = datetime.now(UTC)
    now = clock.now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert now >= before - timedelta(seconds=1)


def test_a_clock_installed_for_a_block_is_put_back_after_it() -> None:
    previous = clock.installed()
    with clock.using(clock.FixedClock(START)) as fixed:
        assert clock.now() == START
        assert isinstance(fixed, clock.FixedClock)
        fixed.advance(timedelta(hours=2))
        assert clock.now() == START + timedelta(hours=2)
    assert clock.installed() is previous


def test_now_never_goes_backwards_while_a_clock_is_installed() -> None:
    with clock.using(clock.FixedClock(START)) as fixed:
        assert isinstance(fixed, clock.FixedClock)
        assert clock.now() == START
        fixed.set(START - timedelta(minutes=5))
        assert clock.now() == START
        fixed.set(START + timedelta(minutes=1))
        assert clock.now() == START + timedelta(minutes=1)


def test_a_remote_clock_extrapolates_by_its_rate_between_reads() -> None:
    answers = RemoteAnswers(START, rate=60.0)  # a minute a second
    remote = clock.RemoteClock("http://clock.test/now", ttl=60, fetch=answers)
    first = remote.now()
    assert START <= first < START + timedelta(seconds=60)
    threading.Event().wait(0.05)
    later = remote.now()
    assert later - first >= timedelta(seconds=2)  # 0.05 s real at 60x
    assert answers.reads == 1  # still the first reading


def test_a_remote_clock_reads_again_once_its_reading_is_older_than_the_ttl() -> None:
    answers = RemoteAnswers(START)
    remote = clock.RemoteClock("http://clock.test/now", ttl=0.01, fetch=answers)
    assert remote.now() == START
    answers.now = START + timedelta(hours=3)
    threading.Event().wait(0.02)
    assert remote.now() == START + timedelta(hours=3)


def test_a_failed_read_keeps_the_last_reading_and_is_logged_once() -> None:
    answers = RemoteAnswers(START, rate=1.0)
    remote = clock.RemoteClock("http://user:pw@clock.test/now?key=k", ttl=0, retry=0, fetch=answers)
    answers.down = True
    with capture_logs() as logged:
        readings = [remote.now() for _ in range(5)]
    assert readings == sorted(readings) and readings[0] >= START
    assert readings[-1] < START + timedelta(seconds=5)
    assert [entry["event"] for entry in logged] == ["clock.remote_unreachable"]
    assert logged[0]["url"] == "http://clock.test/now"  # no credentials, no query
    answers.down = False
    answers.now = START + timedelta(days=1)
    back = remote.now()
    assert answers.now <= back < answers.now + timedelta(seconds=1)


def test_a_remote_clock_that_cannot_be_read_at_first_is_a_clear_error() -> None:
    answers = RemoteAnswers(START)
    answers.down = True
    with pytest.raises(clock.ClockError, match=r"http://clock\.test/now could not be read"):
        clock.RemoteClock("http://clock.test/now", fetch=answers)


def test_an_answer_without_a_usable_now_or_rate_is_refused() -> None:
    for body in ({}, {"now": 5}, {"now": "2026-06-01T12:00:00"}, {"now": "x"}):
        with pytest.raises(ValueError):
            clock.parse_reading(body, 0.0)
    with pytest.raises(ValueError):
        clock.parse_reading({"now": "2026-06-01T12:00:00Z", "rate": -1}, 0.0)
    ticking = clock.parse_reading({"now": "2026-06-01T12:00:00Z", "frozen": False}, 0.0)
    assert ticking.rate == 1.0


def test_the_url_in_a_log_line_carries_no_credentials_or_query() -> None:
    assert clock.safe_url("https://u:p@host:8443/c?token=t#f") == "https://host:8443/c"
