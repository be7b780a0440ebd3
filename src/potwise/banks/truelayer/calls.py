"""How one call to the TrueLayer Data API is made: a GET with the bearer header (and
`X-PSU-IP` only when the user is present), retried through `call_safely`, its answer
read by `answers.py` and its failure translated by `failures.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import httpx2
from pydantic import BaseModel

from potwise.banks.errors import BadResponse
from potwise.banks.http import DEFAULT_RETRY, CallStats, RetryPolicy, call_safely, transport_error
from potwise.banks.truelayer import answers
from potwise.banks.truelayer.failures import PROVIDER, data_api_error
from potwise.domain.errors import DomainError

#: TrueLayer's header declaring that the user is present (reference §3.1, §7).
PSU_IP_HEADER = "X-PSU-IP"

_BASE_PATH = "/data/v1"

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


class DataApiCalls:
    """The Data API for one connection (one access token): the requests every endpoint makes."""

    def __init__(
        self,
        http: httpx2.Client,
        *,
        api_url: str,
        access_token: str,
        psu_ip: str | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        stats: CallStats | None = None,
    ) -> None:
        self._http = http
        self._base = api_url.rstrip("/") + _BASE_PATH
        self._access_token = access_token
        self._psu_ip = psu_ip
        self._retry = retry
        self._stats = stats

    def __repr__(self) -> str:
        attended = "attended" if self._psu_ip else "unattended"
        return f"TrueLayerClient({self._base!r}, {attended})"

    # -- plumbing ----------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {self._access_token}",
            "Accept": "application/json",
        }
        if self._psu_ip:
            headers[PSU_IP_HEADER] = self._psu_ip
        return headers

    def _get(
        self,
        path: str,
        *,
        what: str,
        params: Mapping[str, str] | None = None,
        not_supported_ok: bool = False,
        access_denied_ok: bool = False,
    ) -> tuple[httpx2.Response, list[Any]]:
        """GET with retries; the envelope's `results`, or [] when not applicable."""

        def attempt() -> tuple[httpx2.Response, list[Any]]:
            if self._stats is not None:
                self._stats.record_call()
            try:
                response = self._http.get(
                    self._base + path, params=dict(params or {}), headers=self._headers()
                )
            except httpx2.HTTPError as exc:
                raise transport_error(exc, provider=PROVIDER) from exc
            if response.status_code == 200:
                return response, answers.results(response, what=what)
            if answers.not_applicable(
                response, not_supported_ok=not_supported_ok, access_denied_ok=access_denied_ok
            ):
                return response, []
            if 200 <= response.status_code < 300:
                # 202 means asynchronous mode, which this client never asks for.
                raise BadResponse(
                    f"TrueLayer {what}: unexpected HTTP {response.status_code}",
                    provider=PROVIDER,
                )
            raise data_api_error(response, what=what, secrets=(self._access_token,))

        return call_safely(attempt, policy=self._retry, stats=self._stats)

    def _list(
        self,
        path: str,
        model: type[M],
        *,
        what: str,
        params: Mapping[str, str] | None = None,
        not_supported_ok: bool = False,
        access_denied_ok: bool = False,
    ) -> list[M]:
        _, results = self._get(
            path,
            what=what,
            params=params,
            not_supported_ok=not_supported_ok,
            access_denied_ok=access_denied_ok,
        )
        return answers.validate(results, model, what=what)

    def _one_with_response(
        self, path: str, model: type[M], *, what: str
    ) -> tuple[httpx2.Response, M]:
        response, results = self._get(path, what=what)
        items = answers.validate(results, model, what=what)
        if not items:
            raise BadResponse(f"TrueLayer {what}: empty results", provider=PROVIDER)
        return response, items[0]

    def _one(self, path: str, model: type[M], *, what: str) -> M:
        return self._one_with_response(path, model, what=what)[1]

    @staticmethod
    def _map(build: Callable[[], T]) -> T:
        try:
            return build()
        except (DomainError, ValueError) as exc:
            # An amount or currency we cannot turn into money: the answer is unusable.
            raise BadResponse(
                f"TrueLayer answer could not be mapped ({type(exc).__name__}: {exc})",
                provider=PROVIDER,
            ) from exc
