"""How one call to Monzo's developer API is made: the bearer header on every call,
a failure translated once (`errors.py`), an idempotent read retried within the
caller's RetryPolicy (`_read`), anything else sent exactly once (`_send`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import httpx2

from potwise.banks.errors import BadResponse
from potwise.banks.http import (
    DEFAULT_RETRY,
    CallStats,
    RetryPolicy,
    call_safely,
    parse_json,
    transport_error,
)
from potwise.banks.monzo.errors import PROVIDER, error_for_response

Params = tuple[tuple[str, str], ...]


class MonzoCalls:
    """One user's Monzo API, with one access token: the requests every endpoint makes.

    `api_url` is the API's base URL (settings' `MONZO_API_URL`; it may carry
    a path prefix). The caller owns `http` (timeouts, transport).
    """

    def __init__(
        self,
        http: httpx2.Client,
        *,
        api_url: str,
        access_token: str,
        retry: RetryPolicy = DEFAULT_RETRY,
        stats: CallStats | None = None,
    ) -> None:
        self._http = http
        self._api_url = api_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {access_token}"}
        self._retry = retry
        self._stats = stats

    def __repr__(self) -> str:  # never shows the token
        return f"MonzoClient(api_url={self._api_url!r})"

    # -- transport -------------------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        data: Mapping[str, str] | None = None,
        on_sent: Callable[[], None] | None = None,
        timeout: float | None = None,
    ) -> Any:
        """One request, answered with its JSON object or a translated error.

        `on_sent` is called once the request is on its way (written to the
        connection, before the answer is awaited), where the transport reports it.
        `timeout` (seconds) replaces the client's own for this request.
        """
        if self._stats is not None:
            self._stats.record_call()
        try:
            response = self._http.request(
                method,
                self._api_url + path,
                params=params,
                data=data,
                headers=self._headers,
                extensions=None if on_sent is None else {"trace": _when_sent(on_sent)},
                timeout=httpx2.USE_CLIENT_DEFAULT if timeout is None else timeout,
            )
        except httpx2.HTTPError as exc:
            raise transport_error(exc, provider=PROVIDER) from None
        if not response.is_success:
            raise error_for_response(response)
        if not response.content.strip():
            # Monzo's empty successes are `{}`; an empty body means the same.
            # Calls that need a body still fail validation on it.
            return {}
        body = parse_json(response, provider=PROVIDER)
        if not isinstance(body, dict):
            raise BadResponse(
                f"Monzo answered {method} {path} with JSON that is not an object",
                provider=PROVIDER,
            )
        return body

    def _read(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        on_sent: Callable[[], None] | None = None,
    ) -> Any:
        """An idempotent request, retried within the policy (`on_sent`: see `_send`)."""
        return call_safely(
            lambda: self._send(method, path, params=params, on_sent=on_sent),
            policy=self._retry,
            stats=self._stats,
        )


def segment(value: str) -> str:
    """An id as one URL path segment (ids are opaque; never let one add a path)."""
    if not value:
        raise ValueError("an id must not be empty")
    return quote(value, safe="")


def _when_sent(on_sent: Callable[[], None]) -> Callable[[str, dict[str, Any]], None]:
    """A transport trace hook calling `on_sent` once the request is written out."""

    def trace(event: str, _info: dict[str, Any]) -> None:
        if event.endswith(".send_request_body.complete"):
            on_sent()

    return trace
