"""What both bank clients share: retries with backoff, Retry-After, JSON parsing, call counts.

Safe reads are retried with exponential backoff and jitter, bounded in
attempts and total time, honouring Retry-After. Calls that move money are
never retried here: the caller retries them itself, with the same dedupe_id.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx2
import stamina

from potwise import clock
from potwise.banks.errors import (
    BadResponse,
    ProviderUnavailable,
    RateLimited,
    UnattendedLimitReached,
)
from potwise.observability import process

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds for retrying safe reads."""

    attempts: int = 4
    timeout: float = 30.0
    wait_initial: float = 0.2
    wait_max: float = 5.0
    wait_jitter: float = 0.3
    # A Retry-After longer than this is not slept through: the error goes up so
    # the scheduler can come back later instead of holding a worker.
    max_retry_after: float = 30.0


DEFAULT_RETRY = RetryPolicy()


@dataclass
class CallStats:
    """Calls and retries made, for a sync run's record. Safe across threads."""

    calls: int = 0
    retries: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record_call(self) -> None:
        with self._lock:
            self.calls += 1

    def record_retry(self) -> None:
        with self._lock:
            self.retries += 1


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Parse a Retry-After header: delta-seconds or an HTTP date. None when absent or garbage."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or clock.now())).total_seconds())


def parse_json(response: httpx2.Response, *, provider: str) -> Any:
    """The response's JSON, or BadResponse (never the body itself in the message)."""
    try:
        return response.json()
    except ValueError as exc:
        raise BadResponse(
            f"{provider} answered {response.status_code} with a body that is not JSON",
            provider=provider,
        ) from exc


def transport_error(exc: httpx2.HTTPError, *, provider: str) -> ProviderUnavailable:
    """Translate a transport failure (timeout, refused, reset) into ProviderUnavailable,
    counting it as a bank request that got no answer (`banks/metering.py`)."""
    process.count_unanswered(provider)
    kind = "timed out" if isinstance(exc, httpx2.TimeoutException) else "could not be reached"
    return ProviderUnavailable(f"{provider} {kind} ({type(exc).__name__})", provider=provider)


def _backoff_hook(policy: RetryPolicy) -> Callable[[Exception], bool | float]:
    def hook(exc: Exception) -> bool | float:
        if isinstance(exc, UnattendedLimitReached):
            return False  # the allowance resets in hours; retrying would only hammer
        if isinstance(exc, RateLimited):
            if exc.retry_after is not None and exc.retry_after > policy.max_retry_after:
                return False
            return exc.retry_after if exc.retry_after is not None else True
        return isinstance(exc, ProviderUnavailable)

    return hook


def call_safely(
    fn: Callable[[], T],
    *,
    policy: RetryPolicy = DEFAULT_RETRY,
    stats: CallStats | None = None,
) -> T:
    """Run an idempotent call, retrying rate limits and outages within `policy`.

    `UnattendedLimitReached` is never retried (its window is hours long), and
    anything that is not a transient failure goes straight up.
    """
    for attempt in stamina.retry_context(
        on=_backoff_hook(policy),
        attempts=policy.attempts,
        timeout=policy.timeout,
        wait_initial=policy.wait_initial,
        wait_max=policy.wait_max,
        wait_jitter=policy.wait_jitter,
    ):
        # Counted when a retry is made, not when an attempt fails: the last
        # failure before giving up is not followed by one.
        if attempt.num > 1 and stats is not None:
            stats.record_retry()
        with attempt:
            return fn()
    raise AssertionError("unreachable: stamina re-raises the last error")  # pragma: no cover
