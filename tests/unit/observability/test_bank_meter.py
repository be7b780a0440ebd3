"""A bank request is named by the base URL it went to, never by its path or query."""

from __future__ import annotations

import httpx2

from potwise.banks.metering import UNKNOWN_PROVIDER, BankMeter

METER = BankMeter(
    [
        ("http://127.0.0.1:8765/monzo/api", "monzo"),
        ("http://127.0.0.1:8765/monzo/auth/", "monzo"),
        ("http://127.0.0.1:8765/truelayer/api", "truelayer"),
    ]
)


def test_a_request_is_named_by_its_base_url() -> None:
    assert METER.provider_of(httpx2.URL("http://127.0.0.1:8765/monzo/api/pots?x=1")) == "monzo"
    assert METER.provider_of(httpx2.URL("http://127.0.0.1:8765/monzo/auth")) == "monzo"
    truelayer = httpx2.URL("http://127.0.0.1:8765/truelayer/api/data/v1/cards")
    assert METER.provider_of(truelayer) == "truelayer"


def test_a_request_elsewhere_is_other() -> None:
    assert METER.provider_of(httpx2.URL("http://127.0.0.1:8765/monzo/apiary")) == UNKNOWN_PROVIDER
    assert METER.provider_of(httpx2.URL("https://example.org/monzo/api")) == UNKNOWN_PROVIDER
