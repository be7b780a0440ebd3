"""TrueLayer Data API v1 client: one class, an injected sync HTTP client.

Every call is a GET, so every call goes through `call_safely` (bounded
retries with backoff for outages and rate limits, never for
`provider_request_limit_exceeded`). Answers are mapped to domain types in
`mapping.py`; errors are translated once in `failures.py`.

Attended and unattended calls: banks only have to answer four calls per
consent per 24 hours made without the user present. Pass `psu_ip` (the
user's IP address) only when a person triggered the call (a page load, a
button): the `X-PSU-IP` header declares the user present, and is sent then
and only then.

Not applicable endpoints: a provider that does not offer an endpoint
answers `501 endpoint_not_supported` (Amex `/accounts`, First Direct
standing orders, `/cards` where there are none); list methods return an
empty list for it. Direct debits, standing orders and pending
transactions also answer `403 access_denied` where there are none or the
provider refuses them (reference §6, "not applicable shapes"); those three
list those as empty too. Everywhere else a 403 `access_denied` means the
consent is gone (ConsentExpired). `accounts()` and `cards()` therefore
treat 403 as ConsentExpired: call each only when the connection's granted
scopes (`TokenSet.scope`, or `me().scopes`) include `accounts` / `cards`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import quote

import httpx2
from pydantic import BaseModel, TypeAdapter, ValidationError

from potwise.banks.errors import BadResponse
from potwise.banks.http import DEFAULT_RETRY, CallStats, RetryPolicy, call_safely, transport_error
from potwise.banks.truelayer import mapping, schemas
from potwise.banks.truelayer.failures import PROVIDER, data_api_error, error_body
from potwise.domain.errors import DomainError
from potwise.domain.mirror import (
    AccountBalance,
    BankAccount,
    BankTransaction,
    DirectDebit,
    StandingOrder,
    TransactionStatus,
)

__all__ = ["PSU_IP_HEADER", "TrueLayerClient", "window_params"]

#: TrueLayer's header declaring that the user is present (reference §3.1, §7).
PSU_IP_HEADER = "X-PSU-IP"

_BASE_PATH = "/data/v1"

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


def window_params(from_: datetime | None, to: datetime | None) -> dict[str, str]:
    """The `from`/`to` query parameters for a time window.

    Sent as `YYYY-MM-DD` (UTC dates), the format the documentation gives;
    both days are included by the API, so the window asked for is always
    covered. Both are sent or neither: a lone `from` was seen to be ignored
    (reference §4), so asking for one without the other is refused here.
    """
    if from_ is None and to is None:
        return {}
    if from_ is None or to is None:
        raise ValueError("give both from_ and to, or neither (TrueLayer ignores a lone 'from')")
    if from_.tzinfo is None or to.tzinfo is None:
        raise ValueError("from_ and to must be timezone-aware")
    if from_ > to:
        raise ValueError("from_ must not be after to")
    return {
        "from": from_.astimezone(UTC).date().isoformat(),
        "to": to.astimezone(UTC).date().isoformat(),
    }


class TrueLayerClient:
    """The Data API for one connection (one access token)."""

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

    # -- connection ------------------------------------------------------------

    def me(self) -> mapping.ConnectionDetails:
        """Provider, granted scopes and consent dates (`consent_expires_at`)."""
        item = self._one("/me", schemas.Me, what="connection details")
        return mapping.map_me(item)

    def info(self) -> schemas.Info | None:
        """The account holder's identity, if the provider gives one."""
        items = self._list("/info", schemas.Info, what="identity")
        return items[0] if items else None

    # -- bank accounts -----------------------------------------------------------

    def accounts(self) -> list[BankAccount]:
        items = self._list("/accounts", schemas.Account, what="accounts", not_supported_ok=True)
        return self._map(lambda: [mapping.map_account(item) for item in items])

    def balance(self, account_id: str) -> AccountBalance:
        response, item = self._one_with_response(
            f"/accounts/{_segment(account_id)}/balance",
            schemas.AccountBalance,
            what="account balance",
        )
        observed_at = _observed_at(response)
        return self._map(
            lambda: mapping.map_account_balance(account_id, item, observed_at=observed_at)
        )

    def transactions(
        self, account_id: str, *, from_: datetime | None = None, to: datetime | None = None
    ) -> list[BankTransaction]:
        items = self._list(
            f"/accounts/{_segment(account_id)}/transactions",
            schemas.Transaction,
            what="transactions",
            params=window_params(from_, to),
        )
        return self._map(
            lambda: [
                mapping.map_account_transaction(account_id, item, status=TransactionStatus.SETTLED)
                for item in items
            ]
        )

    def pending_transactions(self, account_id: str) -> list[BankTransaction]:
        items = self._list(
            f"/accounts/{_segment(account_id)}/transactions/pending",
            schemas.Transaction,
            what="pending transactions",
            not_supported_ok=True,
            access_denied_ok=True,
        )
        return self._map(
            lambda: [
                mapping.map_account_transaction(account_id, item, status=TransactionStatus.PENDING)
                for item in items
            ]
        )

    def standing_orders(self, account_id: str) -> list[StandingOrder]:
        items = self._list(
            f"/accounts/{_segment(account_id)}/standing_orders",
            schemas.StandingOrder,
            what="standing orders",
            not_supported_ok=True,
            access_denied_ok=True,
        )
        return self._map(lambda: mapping.map_standing_orders(account_id, items))

    def direct_debits(self, account_id: str) -> list[DirectDebit]:
        items = self._list(
            f"/accounts/{_segment(account_id)}/direct_debits",
            schemas.DirectDebit,
            what="direct debits",
            not_supported_ok=True,
            access_denied_ok=True,
        )
        return self._map(lambda: [mapping.map_direct_debit(account_id, item) for item in items])

    # -- cards -------------------------------------------------------------------

    def cards(self) -> list[BankAccount]:
        items = self._list("/cards", schemas.Card, what="cards", not_supported_ok=True)
        return self._map(lambda: [mapping.map_card(item) for item in items])

    def card_balance(self, card_id: str, *, provider_id: str | None = None) -> AccountBalance:
        """The card's balance, negative when the user owes.

        `provider_id` (the card's `BankAccount.provider_type`) lets the mapping
        drop Amex's unreliable `credit_limit`.
        """
        response, item = self._one_with_response(
            f"/cards/{_segment(card_id)}/balance", schemas.CardBalance, what="card balance"
        )
        observed_at = _observed_at(response)
        return self._map(
            lambda: mapping.map_card_balance(
                card_id, item, provider_id=provider_id, observed_at=observed_at
            )
        )

    def card_transactions(
        self, card_id: str, *, from_: datetime | None = None, to: datetime | None = None
    ) -> list[BankTransaction]:
        items = self._list(
            f"/cards/{_segment(card_id)}/transactions",
            schemas.CardTransaction,
            what="card transactions",
            params=window_params(from_, to),
        )
        return self._map(
            lambda: [
                mapping.map_card_transaction(card_id, item, status=TransactionStatus.SETTLED)
                for item in items
            ]
        )

    def card_pending_transactions(self, card_id: str) -> list[BankTransaction]:
        items = self._list(
            f"/cards/{_segment(card_id)}/transactions/pending",
            schemas.CardTransaction,
            what="pending card transactions",
            not_supported_ok=True,
            access_denied_ok=True,
        )
        return self._map(
            lambda: [
                mapping.map_card_transaction(card_id, item, status=TransactionStatus.PENDING)
                for item in items
            ]
        )

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
                return response, _results(response, what=what)
            if _not_applicable(
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
        return _validate(results, model, what=what)

    def _one_with_response(
        self, path: str, model: type[M], *, what: str
    ) -> tuple[httpx2.Response, M]:
        response, results = self._get(path, what=what)
        items = _validate(results, model, what=what)
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


def _segment(external_id: str) -> str:
    """An id as one path segment: ids are opaque, so escape anything odd."""
    return quote(external_id, safe="")


def _results(response: httpx2.Response, *, what: str) -> list[Any]:
    """The envelope's `results`, with numbers parsed as Decimal (never float)."""
    if not response.content.strip():
        return []  # an empty body is an empty list (reference §3.3)
    try:
        data = json.loads(response.content, parse_float=Decimal)
    except ValueError as exc:
        raise BadResponse(
            f"TrueLayer {what}: HTTP {response.status_code} with a body that is not JSON",
            provider=PROVIDER,
        ) from exc
    if not isinstance(data, dict):
        raise BadResponse(f"TrueLayer {what}: the answer is not an object", provider=PROVIDER)
    try:
        envelope = schemas.Envelope.model_validate(data)
    except ValidationError as exc:
        raise BadResponse(
            f"TrueLayer {what}: malformed envelope ({exc.error_count()} errors)",
            provider=PROVIDER,
        ) from exc
    # `status` is often absent; when present it must say the work is done.
    if envelope.status is not None and envelope.status.lower() != "succeeded":
        raise BadResponse(
            f"TrueLayer {what}: results status is {envelope.status!r}", provider=PROVIDER
        )
    return envelope.results


@functools.cache
def _list_adapter(model: type[BaseModel]) -> TypeAdapter[list[Any]]:
    return TypeAdapter(list[model])  # type: ignore[valid-type]


#: Items validated per call. A card's whole history comes in one answer (a thousand
#: items and more); validating it in one call would hold the interpreter for tens of
#: milliseconds, stalling every other thread's bank calls (a Monzo page walk beside it).
VALIDATE_CHUNK = 100


def _validate(results: list[Any], model: type[M], *, what: str) -> list[M]:
    adapter = _list_adapter(model)
    items: list[M] = []
    start = 0
    try:
        for start in range(0, len(results), VALIDATE_CHUNK):
            items.extend(adapter.validate_python(results[start : start + VALIDATE_CHUNK]))
        return items
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = list(first["loc"])
        if loc and isinstance(loc[0], int):
            loc[0] += start  # the index in the whole answer, not in the chunk
        where = ".".join(str(part) for part in loc)
        raise BadResponse(
            f"TrueLayer {what}: unexpected shape at {where} ({first['type']})",
            provider=PROVIDER,
        ) from exc


def _not_applicable(
    response: httpx2.Response, *, not_supported_ok: bool, access_denied_ok: bool
) -> bool:
    """Whether this failure means "this provider has none of these" (reference §6)."""
    status = response.status_code
    if status == 501 and not_supported_ok:
        return True
    if status == 403 and access_denied_ok:
        code = (error_body(response).error or "").strip().lower()
        return code == "access_denied"
    return False


def _observed_at(response: httpx2.Response) -> datetime:
    """When the balance was seen, for providers that send no `update_timestamp`:
    the response's `Date` header (the provider's clock), else our own."""
    header = response.headers.get("Date")
    if header:
        try:
            when = parsedate_to_datetime(header)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return datetime.now(UTC)
