"""Counters and histograms kept in this process's memory: HTTP latency and bank requests.

Each process (`serve`, `worker`, a spread cycle's helpers) has its own; `/metrics` shows
the serving process's. Labels are bounded by construction: route templates (never a
raw path), a fixed list of methods, status classes, provider names from settings.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics

# No `_created` series beside each counter and histogram: Prometheus finds restarts by
# itself, and they would double what every scrape carries.
disable_created_metrics()  # type: ignore[no-untyped-call]

REGISTRY = CollectorRegistry(auto_describe=True)

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "OTHER"

# From a cached page (a few ms) to a request that waited on a bank (seconds).
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
BANK_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0)

HTTP_LATENCY = Histogram(
    "potwise_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template, method and status class.",
    ["route", "method", "status_class"],
    buckets=HTTP_BUCKETS,
    registry=REGISTRY,
)
BANK_REQUESTS = Counter(
    "potwise_bank_requests",
    "Requests this process made to the banks, by provider and HTTP status code "
    "(`transport_error` when no answer came back: timeout, refused, reset).",
    ["provider", "status"],
    registry=REGISTRY,
)
BANK_LATENCY = Histogram(
    "potwise_bank_request_duration_seconds",
    "Time a bank took to answer one request, by provider.",
    ["provider"],
    buckets=BANK_BUCKETS,
    registry=REGISTRY,
)

TRANSPORT_ERROR = "transport_error"


def status_class(status: int) -> str:
    """`2xx`, `4xx`, ...: the class of an HTTP status, bounded whatever was answered."""
    return f"{status // 100}xx" if 100 <= status <= 599 else "other"


def observe_http(route: str, method: str, status: int, seconds: float) -> None:
    """One answered request. `route` must be a route template, never the path."""
    known = method if method in METHODS else OTHER_METHOD
    HTTP_LATENCY.labels(route, known, status_class(status)).observe(seconds)


def observe_bank(provider: str, status: int, seconds: float) -> None:
    """One request a bank answered, with `status`, after `seconds`."""
    code = str(status) if 100 <= status <= 599 else "other"
    BANK_REQUESTS.labels(provider, code).inc()
    BANK_LATENCY.labels(provider).observe(seconds)


def count_unanswered(provider: str) -> None:
    """One request to a bank that got no answer (timeout, refused, reset)."""
    BANK_REQUESTS.labels(provider, TRANSPORT_ERROR).inc()
