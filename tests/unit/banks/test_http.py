"""Retries for safe reads: bounded, with backoff, honouring Retry-After."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from potwise.banks.errors import (
    AuthExpired,
    BadResponse,
    ProviderUnavailable,
    RateLimited,
    UnattendedLimitReached,
)
from potwise.banks.http import CallStats, RetryPolicy, call_safely, retry_after_seconds

FAST = RetryPolicy(attempts=4, timeout=5.0, wait_initial=0.001, wait_max=0.01, wait_jitter=0.001)


class Flaky:
    """Fails with the given errors in order, then answers."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def test_outages_are_retried_until_success() -> None:
    flaky = Flaky(ProviderUnavailable("503"), ProviderUnavailable("timeout"))
    stats = CallStats()
    assert call_safely(flaky, policy=FAST, stats=stats) == "ok"
    assert flaky.calls == 3
    assert stats.retries == 2


def test_attempts_are_bounded_and_the_last_error_goes_up() -> None:
    flaky = Flaky(*(ProviderUnavailable(f"503 #{n}") for n in range(10)))
    with pytest.raises(ProviderUnavailable, match="#3"):
        call_safely(flaky, policy=FAST)
    assert flaky.calls == 4


def test_retry_after_is_honoured() -> None:
    flaky = Flaky(RateLimited("429", retry_after=0.2))
    started = time.monotonic()
    assert call_safely(flaky, policy=FAST) == "ok"
    assert time.monotonic() - started >= 0.2


def test_a_long_retry_after_is_not_slept_through() -> None:
    flaky = Flaky(RateLimited("429", retry_after=3600))
    started = time.monotonic()
    with pytest.raises(RateLimited):
        call_safely(flaky, policy=FAST)
    assert flaky.calls == 1
    assert time.monotonic() - started < 1


@pytest.mark.parametrize(
    "error",
    [
        UnattendedLimitReached("provider_request_limit_exceeded"),
        AuthExpired("401"),
        BadResponse("not json"),
    ],
)
def test_non_transient_errors_are_not_retried(error: Exception) -> None:
    flaky = Flaky(error)
    with pytest.raises(type(error)):
        call_safely(flaky, policy=FAST)
    assert flaky.calls == 1


def test_retry_after_parses_seconds_and_http_dates() -> None:
    now = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("Mon, 23 Nov 2026 12:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("Mon, 23 Nov 2026 11:00:00 GMT", now=now) == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None
