"""Counting requests to the banks by provider and status code, on the shared HTTP client.

The gateway installs `BankMeter`'s two hooks on its one client, so every request a bank
client or an OAuth flow makes is counted once, whatever code path made it. A request
that got no answer (timeout, refused, reset) never reaches a response hook: it is
counted where the clients turn it into `ProviderUnavailable` (`http.transport_error`).
The provider is told by the request's base URL, never by its path or query, which
carry account ids and tokens.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import httpx2

from potwise.observability import process

_STARTED = "potwise.started"
UNKNOWN_PROVIDER = "other"


class BankMeter:
    """Hooks for an `httpx2.Client`: `(base URL, provider)` pairs name each request."""

    def __init__(self, bases: Sequence[tuple[str, str]]) -> None:
        # Longest first: a base that is a prefix of another must not take its requests.
        self.bases = sorted(
            ((base.rstrip("/") + "/", name) for base, name in bases), key=lambda b: -len(b[0])
        )

    def provider_of(self, url: httpx2.URL) -> str:
        text = str(url.copy_with(query=None, fragment=None))
        for base, name in self.bases:
            if text.startswith(base) or text + "/" == base:
                return name
        return UNKNOWN_PROVIDER

    def on_request(self, request: httpx2.Request) -> None:
        request.extensions[_STARTED] = time.perf_counter()

    def on_response(self, response: httpx2.Response) -> None:
        request = response.request
        started = request.extensions.get(_STARTED)
        seconds = time.perf_counter() - started if isinstance(started, float) else 0.0
        process.observe_bank(self.provider_of(request.url), response.status_code, seconds)
