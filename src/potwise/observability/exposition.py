"""The Prometheus text format of this process's metrics and the database's figures."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import GaugeMetricFamily, Metric

from potwise.observability import process
from potwise.observability.figures import StoredFigures

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4


class _Stored:
    """A collector of figures already read (None: the database did not answer)."""

    def __init__(self, figures: StoredFigures | None) -> None:
        self.figures = figures

    def collect(self) -> Iterable[Metric]:
        up = GaugeMetricFamily(
            "potwise_database_up",
            "1 when the database answered this scrape's queries, else 0 (and no stored figures).",
            value=0 if self.figures is None else 1,
        )
        yield up
        if self.figures is not None:
            yield from stored_families(self.figures)


def _gauge(name: str, doc: str, labels: list[str]) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, labels=labels)


def stored_families(figures: StoredFigures) -> list[Metric]:
    """The database's figures as metric families; every label value is a bounded name."""
    return [
        *_sync_families(figures),
        *_rule_families(figures),
        *_money_families(figures),
        *_allowance_families(figures),
    ]


def _sync_families(figures: StoredFigures) -> list[Metric]:
    sync_runs = _gauge(
        "potwise_sync_runs", "Sync runs on record, by provider and outcome.", ["provider", "status"]
    )
    sync_seconds = _gauge(
        "potwise_sync_run_seconds",
        "Seconds taken by the finished sync runs on record, by provider and outcome.",
        ["provider", "status"],
    )
    for count in figures.sync_runs:
        sync_runs.add_metric(list(count.labels), count.runs)
        sync_seconds.add_metric(list(count.labels), count.seconds)
    sync_calls = _gauge(
        "potwise_sync_bank_calls",
        "Bank requests made by the sync runs on record (every process), by provider.",
        ["provider"],
    )
    for provider, calls in sorted(figures.sync_api_calls.items()):
        sync_calls.add_metric([provider], calls)
    return [sync_runs, sync_seconds, sync_calls]


def _rule_families(figures: StoredFigures) -> list[Metric]:
    rule_runs = _gauge(
        "potwise_rule_runs",
        "Rule runs on record (dry runs excluded), by rule kind and outcome.",
        ["kind", "status"],
    )
    rule_seconds = _gauge(
        "potwise_rule_run_seconds",
        "Seconds taken by the finished rule runs on record, by rule kind and outcome.",
        ["kind", "status"],
    )
    for count in figures.rule_runs:
        rule_runs.add_metric(list(count.labels), count.runs)
        rule_seconds.add_metric(list(count.labels), count.seconds)
    return [rule_runs, rule_seconds]


def _money_families(figures: StoredFigures) -> list[Metric]:
    """Transfers, the reconciliation backlog, and the notification outbox."""
    transfers = _gauge("potwise_transfers", "Pot transfers on record, by status.", ["status"])
    for status, number in sorted(figures.transfers.items()):
        transfers.add_metric([status], number)
    backlog = GaugeMetricFamily(
        "potwise_transfers_unsettled",
        "Transfer intents not settled yet (planned, sent or unknown): the reconciliation backlog.",
        value=figures.unsettled,
    )
    oldest = GaugeMetricFamily(
        "potwise_transfers_unsettled_oldest_seconds",
        "Age of the oldest unsettled transfer intent (0 when there is none).",
        value=figures.oldest_unsettled_seconds,
    )
    outbox = _gauge(
        "potwise_notification_outbox",
        "Notification deliveries in the outbox, by status.",
        ["status"],
    )
    for status, number in sorted(figures.outbox.items()):
        outbox.add_metric([status], number)
    return [transfers, backlog, oldest, outbox]


def _allowance_families(figures: StoredFigures) -> list[Metric]:
    left = _gauge(
        "potwise_unattended_calls_left",
        "TrueLayer calls without the user present still allowed now, summed over the active "
        "consents of each card issuer.",
        ["bank"],
    )
    least = _gauge(
        "potwise_unattended_calls_left_min",
        "The fewest unattended calls left on any one active consent of each card issuer.",
        ["bank"],
    )
    consents = _gauge(
        "potwise_unattended_consents", "Active TrueLayer consents by card issuer.", ["bank"]
    )
    for allowance in figures.allowances:
        left.add_metric([allowance.bank], allowance.left)
        least.add_metric([allowance.bank], allowance.least_left)
        consents.add_metric([allowance.bank], allowance.consents)
    return [left, least, consents]


def render(figures: StoredFigures | None) -> bytes:
    """This process's metrics and the stored figures, in the Prometheus text format."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Stored(figures))
    return generate_latest(registry) + generate_latest(process.REGISTRY)
