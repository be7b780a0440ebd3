"""Labels stay few and never carry what a request or a row said."""

from __future__ import annotations

import pytest

from potwise.observability import process
from potwise.services.metrics import OTHER, label


@pytest.mark.parametrize(
    ("status", "expected"), [(200, "2xx"), (302, "3xx"), (404, "4xx"), (503, "5xx"), (99, "other")]
)
def test_a_status_is_shown_by_its_class(status: int, expected: str) -> None:
    assert process.status_class(status) == expected


def test_an_unknown_method_is_counted_as_other() -> None:
    process.observe_http("/health", "BREW", 200, 0.01)
    process.observe_http("/health", "GET", 200, 0.01)
    methods = {
        sample.labels["method"]
        for family in process.REGISTRY.collect()
        if family.name == "potwise_http_request_duration_seconds"
        for sample in family.samples
    }
    assert "BREW" not in methods
    assert {"GET", process.OTHER_METHOD} <= methods


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("succeeded", "succeeded"),
        ("ob-amex", "ob-amex"),
        ("uk-ob-barclaycard", "uk-ob-barclaycard"),
        ("owner@example.com", OTHER),
        ("Has Spaces", OTHER),
        ("x" * 80, OTHER),
        (None, OTHER),
    ],
)
def test_a_label_is_one_of_our_names_or_other(value: str | None, expected: str) -> None:
    assert label(value) == expected
