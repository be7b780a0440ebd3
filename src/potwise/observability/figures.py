"""What the database says at scrape time, as plain data (filled in by `services/metrics.py`).

These are counts over rows, so they are the same whichever process made the rows (the
web app, the worker, a spread cycle's helpers) and survive restarts. Runs are kept for
`POTWISE_RETENTION_DAYS`, so the run counts fall back when housekeeping deletes old
ones: they are gauges, read with `delta()` rather than `rate()`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RunCount:
    """Runs of one kind and outcome: how many, and the seconds the finished ones took."""

    labels: tuple[str, str]
    runs: int
    seconds: float


@dataclass(frozen=True)
class Allowance:
    """TrueLayer's unattended calls left now, over the active consents of one card issuer."""

    bank: str
    consents: int
    left: int
    least_left: int


@dataclass(frozen=True)
class StoredFigures:
    """Everything `/metrics` reads from the database, aggregated: no user or row ids."""

    sync_runs: list[RunCount] = field(default_factory=list)  # (provider, status)
    sync_api_calls: dict[str, int] = field(default_factory=dict)  # provider -> calls
    rule_runs: list[RunCount] = field(default_factory=list)  # (kind, status)
    transfers: dict[str, int] = field(default_factory=dict)  # status -> transfers
    unsettled: int = 0
    oldest_unsettled_seconds: float = 0.0
    outbox: dict[str, int] = field(default_factory=dict)  # status -> deliveries
    allowances: list[Allowance] = field(default_factory=list)
