"""The sandbox's own clock.

The sandbox keeps a "now" of its own so tests and demos can jump days or
months ahead (tokens expire, consents lapse, pendings settle, new days of
household life appear). By default it ticks with real time from an offset;
a frozen clock only moves when told to.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def parse_duration(text: str) -> timedelta:
    """Parse the ISO 8601 durations the control API takes (``P1D``, ``PT3H``, ``P1DT30M``).

    Months and years are refused: their length depends on the date, and a
    sandbox user can say ``P30D`` or ``P365D`` instead.
    """
    match = _DURATION.match(text.strip().upper())
    if match is None or text.strip().upper() in {"P", "PT"}:
        raise ValueError(f"not an ISO 8601 duration in weeks/days/hours/minutes/seconds: {text!r}")
    parts = {k: float(v) for k, v in match.groupdict().items() if v is not None}
    return timedelta(
        weeks=parts.get("weeks", 0),
        days=parts.get("days", 0),
        hours=parts.get("hours", 0),
        minutes=parts.get("minutes", 0),
        seconds=parts.get("seconds", 0),
    )


def parse_instant(text: str) -> datetime:
    """Parse an RFC 3339 / ISO 8601 instant; a value without offset is taken as UTC."""
    value = datetime.fromisoformat(text.strip().replace("z", "Z"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class SandboxClock:
    """A monotonic, controllable "now" in UTC."""

    def __init__(self, start: datetime | None = None, *, frozen: bool = False) -> None:
        real = datetime.now(UTC)
        self._start = (start or real).astimezone(UTC)
        self._frozen = frozen
        self._offset = self._start - real
        self._frozen_at = self._start

    @property
    def frozen(self) -> bool:
        return self._frozen

    @property
    def rate(self) -> float:
        """Sandbox seconds per real second: 1 while it ticks, 0 while frozen."""
        return 0.0 if self._frozen else 1.0

    def now(self) -> datetime:
        if self._frozen:
            return self._frozen_at
        return datetime.now(UTC) + self._offset

    def timestamp(self) -> float:
        if self._frozen:
            return self._frozen_at.timestamp()
        return time.time() + self._offset.total_seconds()

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("the sandbox clock only moves forward")
        self._offset += delta
        self._frozen_at += delta
        return self.now()

    def set(self, when: datetime) -> datetime:
        current = self.now()
        if when < current:
            # Going back would un-happen transactions that clients have seen.
            raise ValueError("the sandbox clock only moves forward (use reset to start again)")
        return self.advance(when - current)


def monzo_time(value: datetime) -> str:
    """Monzo's RFC 3339 style: UTC, literal Z, 0 to 3 fractional digits (trailing zeros cut)."""
    ms = value.microsecond // 1000
    base = value.strftime("%Y-%m-%dT%H:%M:%S")
    if ms == 0:
        return base + "Z"
    return base + "." + f"{ms:03d}".rstrip("0") + "Z"


def tl_time(value: datetime) -> str:
    """TrueLayer's usual shape for update timestamps: 6 fractional digits and Z."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def tl_midnight(value: datetime) -> str:
    """Settled TrueLayer rows carry the posting date at midnight, without fraction."""
    return value.strftime("%Y-%m-%dT00:00:00Z")
