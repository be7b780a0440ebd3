"""The Monzo client's page walk over real HTTP on loopback, with latency on every page."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx2
import pytest

from potwise.banks.http import RetryPolicy
from potwise.banks.monzo import MonzoClient
from potwise.sandbox.app import create_sandbox_app

from .conftest import NOW, LiveServer, monzo_login

LATENCY_S = 0.4  # long enough that a busy machine (parallel tests) does not blur round trips


@pytest.mark.timing
def test_each_page_reaches_the_reader_once_the_next_is_asked_for(
    live: Callable[..., LiveServer],
) -> None:
    # A real connection reports when a request is written out: page n is handed to the
    # reader as soon as page n+1 is on its way, about n round trips after the start.
    # Were the report missed, each page would wait for the next one's answer too.
    server = live(create_sandbox_app(now=NOW, frozen_clock=True))
    with httpx2.Client(base_url=server.url, timeout=10) as control:
        headers = monzo_login(control)  # type: ignore[arg-type]
        accounts = control.get("/monzo/api/accounts", headers=headers).json()["accounts"]
        personal = next(a["id"] for a in accounts if a["type"] == "uk_retail")
        spec = {
            "path": "/monzo/api/transactions",
            "kind": "latency",
            "ms": int(LATENCY_S * 1000),
            "probability": 1,
        }
        assert control.post("/_sandbox/faults", json=spec).status_code == 201
    token = headers["Authorization"].removeprefix("Bearer ")
    with httpx2.Client(timeout=10) as http:
        client = MonzoClient(
            http,
            api_url=f"{server.url}/monzo/api",
            access_token=token,
            retry=RetryPolicy(attempts=1),
        )
        started = time.monotonic()
        arrived: list[float] = []
        sizes: list[int] = []
        for page in client.iter_transactions(personal, since=None):
            arrived.append(time.monotonic() - started)
            sizes.append(len(page))
    assert len(sizes) >= 3 and sizes[:2] == [100, 100]  # a chain of at least three pages
    # The second page: two round trips in (its own and the first's), not three.
    assert LATENCY_S * 1.9 <= arrived[1] < LATENCY_S * 2.6, arrived
