"""The product's "now": one clock per process, the system's unless told otherwise.

Every part of the product asks `now()` for the time (the domain is handed it as a
parameter). By default it is the system clock; `POTWISE_CLOCK_URL` points it at a
remote clock instead (the sandbox's `/_sandbox/clock`), so a demo or a test can send
the whole product, its scheduler included, hours or days ahead.

`now()` is aware UTC and never goes backwards while the same clock is installed.
Real time (`time.monotonic`, `time.sleep`) stays the measure of network backoff,
throttles in real seconds and timeouts: those are about waiting, not about the date.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

from potwise.logs import get_logger

log = get_logger(__name__)

#: How long a remote reading is extrapolated before it is read again (real seconds).
#: Short: a clock played fast (a month in a minute) moves hours in a fraction of a
#: second, and what the product does in reply must carry the time it happened.
REMOTE_TTL_SECONDS = 0.01
#: How long one read of the remote clock may take (real seconds).
REMOTE_TIMEOUT_SECONDS = 2.0
#: After a failed read, how long to extrapolate before trying again (real seconds).
REMOTE_RETRY_SECONDS = 1.0


class Clock(Protocol):
    """Anything that says what time it is (aware UTC)."""

    def now(self) -> datetime: ...


class ClockError(Exception):
    """A clock could not be installed; the message says why in one line."""


class SystemClock:
    """The machine's wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


class FixedClock:
    """A clock that shows one instant until moved (`advance`, `set`); for tests."""

    def __init__(self, at: datetime) -> None:
        self._at = _aware(at)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._at

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._at += delta
            return self._at

    def set(self, at: datetime) -> datetime:
        with self._lock:
            self._at = _aware(at)
            return self._at


@dataclass(frozen=True)
class Reading:
    """What a remote clock said, and when (real, monotonic seconds) it said it."""

    at: datetime
    rate: float
    taken: float

    def extrapolate(self, monotonic: float) -> datetime:
        return self.at + timedelta(seconds=max(0.0, monotonic - self.taken) * self.rate)


Fetch = Callable[[str, float], Any]


def _http_get_json(url: str, timeout: float) -> Any:
    # The standard library's client: a read five times a second is no event for the
    # logs, and it opens nothing but http(s) (checked here and by the settings).
    if urlsplit(url).scheme not in {"http", "https"}:
        raise ValueError("the clock URL must be http(s)")
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        return json.loads(response.read(64 * 1024))


def parse_reading(body: Any, taken: float) -> Reading:
    """`{"now": "<RFC 3339>", "frozen": bool, "rate": float}` as a reading taken at
    `taken`; a frozen clock without a rate has rate 0, a ticking one rate 1."""
    if not isinstance(body, dict) or not isinstance(body.get("now"), str):
        raise ValueError('expected a JSON object with "now"')
    at = _aware(datetime.fromisoformat(body["now"].replace("Z", "+00:00")))
    rate = body.get("rate")
    if rate is None:
        rate = 0.0 if body.get("frozen") else 1.0
    if isinstance(rate, bool) or not isinstance(rate, int | float) or rate < 0:
        raise ValueError("rate must be a number >= 0")
    return Reading(at=at, rate=float(rate), taken=taken)


class RemoteClock:
    """Follows a remote clock (`GET url` → now, frozen, rate).

    Between reads it extrapolates `now + elapsed real seconds * rate`; a reading older
    than `ttl` is refreshed by one thread while the others keep extrapolating. When a
    refresh fails it goes on from the last reading and logs once; the first read must
    succeed (`ClockError` otherwise)."""

    def __init__(
        self,
        url: str,
        *,
        ttl: float = REMOTE_TTL_SECONDS,
        timeout: float = REMOTE_TIMEOUT_SECONDS,
        retry: float = REMOTE_RETRY_SECONDS,
        fetch: Fetch = _http_get_json,
    ) -> None:
        self.url = url
        self._ttl, self._timeout, self._retry, self._fetch = ttl, timeout, retry, fetch
        self._refreshing = threading.Lock()
        self._failing = False
        self._next_try = 0.0
        try:
            self._reading = self._read()
        except Exception as exc:
            raise ClockError(
                f"the clock at {safe_url(url)} could not be read ({type(exc).__name__})"
            ) from exc

    def now(self) -> datetime:
        reading = self._reading
        moment = time.monotonic()
        if moment - reading.taken > self._ttl and moment >= self._next_try:
            reading = self._refresh(reading)
        return reading.extrapolate(time.monotonic())

    def _read(self) -> Reading:
        sent = time.monotonic()
        body = self._fetch(self.url, self._timeout)
        # The answer was true somewhere between asking and hearing back: take the middle.
        return parse_reading(body, (sent + time.monotonic()) / 2)

    def _refresh(self, last: Reading) -> Reading:
        if not self._refreshing.acquire(blocking=False):
            return last  # another thread is reading; this one extrapolates meanwhile
        try:
            reading = self._read()
        except Exception as exc:
            self._next_try = time.monotonic() + self._retry
            if not self._failing:
                self._failing = True
                log.warning(
                    "clock.remote_unreachable", url=safe_url(self.url), error=type(exc).__name__
                )
            return last
        else:
            if self._failing:
                self._failing = False
                log.info("clock.remote_back", url=safe_url(self.url))
            self._reading = reading
            return reading
        finally:
            self._refreshing.release()

    def __repr__(self) -> str:
        return f"RemoteClock({safe_url(self.url)!r})"


class _Installed:
    """A clock as installed: its readings held so that they never go backwards."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._latest: datetime | None = None
        self._lock = threading.Lock()

    def now(self) -> datetime:
        reading = _aware(self.clock.now())
        with self._lock:
            if self._latest is not None and reading < self._latest:
                return self._latest
            self._latest = reading
            return reading


_current = _Installed(SystemClock())


def now() -> datetime:
    """The product's now: aware UTC, never earlier than the last answer of this clock."""
    return _current.now()


def wall() -> datetime:
    """Real time, whatever clock the product follows: for what is measured in real
    seconds, such as how long a lease may stay with a holder that stopped answering.
    A followed clock may run a month in a minute; a crashed process does not."""
    return datetime.now(UTC)


def install(clock: Clock) -> None:
    """Make `clock` the process's clock (every thread's)."""
    global _current  # noqa: PLW0603 - one clock per process, by design
    _current = _Installed(clock)


def installed() -> Clock:
    """The clock now installed."""
    return _current.clock


def follow(url: str) -> RemoteClock:
    """Install a clock that follows the remote clock at `url`; returns it. An
    unreachable URL raises `ClockError` and leaves the installed clock alone."""
    clock = RemoteClock(url)
    install(clock)
    return clock


@contextmanager
def using(clock: Clock) -> Iterator[Clock]:
    """Install `clock` for the block, then put the previous clock back (for tests)."""
    global _current  # noqa: PLW0603 - see install
    previous = _current
    _current = _Installed(clock)
    try:
        yield clock
    finally:
        _current = previous


def safe_url(url: str) -> str:
    """`url` without credentials, query or fragment (fit for a log line)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("a clock answers aware datetimes")
    return value.astimezone(UTC)
