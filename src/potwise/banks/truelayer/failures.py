"""TrueLayer's HTTP failures translated, once, into the shared bank errors.

Keyed on the body's `error` code first and the HTTP status second, as the
reference advises (§6 for the Data API, §2.5 for the token endpoint).
Messages carry the status, the code, a short description and TrueLayer's
correlation id, and never a token, code or secret.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import httpx2
from pydantic import ValidationError

from potwise.banks.errors import (
    AuthExpired,
    BadResponse,
    BankError,
    ConsentExpired,
    ProviderUnavailable,
    RateLimited,
    RequestRejected,
    UnattendedLimitReached,
)
from potwise.banks.http import retry_after_seconds
from potwise.banks.truelayer.schemas import ErrorBody

__all__ = [
    "PROVIDER",
    "data_api_error",
    "error_body",
    "token_endpoint_error",
]

PROVIDER = "truelayer"

#: Codes the reference lists as transient (retry with backoff, keep the connection).
_TRANSIENT = frozenset(
    {
        "internal_server_error",
        "provider_error",
        "temporarily_unavailable",
        "connector_overload",
        "provider_timeout",
        "connector_timeout",
    }
)
#: Families of codes the reference's clients retry as a whole: the bank's side
#: (`provider_error`, `provider_timeout`) and TrueLayer's connectors.
_TRANSIENT_PREFIXES = ("provider_", "connector_")
#: The access token is not accepted: a refresh may fix it.
_TOKEN_INVALID = frozenset({"unauthorized", "invalid_token"})
#: Only re-connecting fixes these.
_CONSENT_GONE = frozenset({"access_denied", "invalid_credentials_key", "deprecated_provider"})

_JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*")
_MAX_DESCRIPTION = 200


def error_body(response: httpx2.Response) -> ErrorBody:
    """The `{"error", "error_description"}` body, or an empty one if there is none."""
    try:
        data = json.loads(response.content)
    except ValueError:
        return ErrorBody()
    if not isinstance(data, dict):
        return ErrorBody()
    try:
        return ErrorBody.model_validate(data)
    except ValidationError:
        return ErrorBody()


def _scrub(text: str, secrets: Iterable[str | None]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    text = _JWT.sub("[redacted]", text)
    if len(text) > _MAX_DESCRIPTION:
        text = text[: _MAX_DESCRIPTION - 1] + "…"
    return text


def _message(
    what: str, response: httpx2.Response, body: ErrorBody, secrets: Iterable[str | None]
) -> str:
    parts = [f"TrueLayer {what}: HTTP {response.status_code}"]
    if body.error:
        parts.append(_scrub(body.error, secrets))
    message = " ".join(parts)
    if body.error_description:
        message += f" ({_scrub(body.error_description, secrets)})"
    correlation = response.headers.get("X-TL-Correlation-Id")
    if correlation:
        message += f" [correlation id {_scrub(correlation, secrets)}]"
    return message


def _retry_after(response: httpx2.Response) -> float | None:
    return retry_after_seconds(response.headers.get("Retry-After"))


@dataclass(frozen=True)
class _Failure:
    """A failed answer, read once: what the tables below look at."""

    response: httpx2.Response
    status: int
    code: str | None
    message: str
    description: str
    refreshing: bool


def _failure(
    response: httpx2.Response,
    what: str,
    secrets: Iterable[str | None],
    *,
    refreshing: bool = False,
) -> _Failure:
    body = error_body(response)
    return _Failure(
        response=response,
        status=response.status_code,
        code=(body.error or "").strip().lower() or None,
        message=_message(what, response, body, secrets),
        description=(body.error_description or "").lower(),
        refreshing=refreshing,
    )


def _unattended_limit_reached(f: _Failure) -> BankError:
    return UnattendedLimitReached(
        f.message, retry_after=_retry_after(f.response), provider=PROVIDER
    )


def _rate_limited(f: _Failure) -> BankError:
    return RateLimited(f.message, retry_after=_retry_after(f.response), provider=PROVIDER)


def _auth_expired(f: _Failure) -> BankError:
    return AuthExpired(f.message, provider=PROVIDER)


def _unavailable(f: _Failure) -> BankError:
    return ProviderUnavailable(f.message, provider=PROVIDER)


def _consent_expired(f: _Failure) -> BankError:
    return ConsentExpired(f.message, provider=PROVIDER)


def _not_supported(f: _Failure) -> BankError:
    return RequestRejected(
        f.message, status=f.status, error_code=f.code or "endpoint_not_supported", provider=PROVIDER
    )


def _rejected(f: _Failure) -> BankError:
    return RequestRejected(f.message, status=f.status, error_code=f.code, provider=PROVIDER)


def _transient(f: _Failure) -> bool:
    return f.code is not None and (f.code in _TRANSIENT or f.code.startswith(_TRANSIENT_PREFIXES))


def _bad_grant(f: _Failure) -> bool:
    return f.code == "invalid_grant" or (f.status == 401 and f.code == "invalid_request")


#: When a failure matches, the error it becomes; the first match wins.
_Rule = tuple[Callable[[_Failure], bool], Callable[[_Failure], BankError]]

#: A failed Data API answer (reference §6).
_DATA_API_RULES: tuple[_Rule, ...] = (
    # The unattended allowance for this consent is spent; hours, not seconds.
    (lambda f: f.code == "provider_request_limit_exceeded", _unattended_limit_reached),
    (lambda f: f.status == 429 or f.code == "provider_too_many_requests", _rate_limited),
    (lambda f: f.status == 401 or f.code in _TOKEN_INVALID, _auth_expired),
    (_transient, _unavailable),
    (lambda f: f.code in _CONSENT_GONE or (f.status == 403 and f.code is None), _consent_expired),
    (lambda f: f.status == 501, _not_supported),
    (lambda f: f.status >= 500, _unavailable),
    # validation_error, invalid_date_range, sca_exceeded, account_not_found…
    (lambda f: 400 <= f.status < 500, _rejected),
)

#: A failed call to the auth server (reference §2.5).
_TOKEN_ENDPOINT_RULES: tuple[_Rule, ...] = (
    (lambda f: f.status == 429 or f.code == "provider_too_many_requests", _rate_limited),
    (
        lambda f: _transient(f) or "currently unavailable" in f.description or f.status >= 500,
        _unavailable,
    ),
    (lambda f: _bad_grant(f) and f.refreshing, _consent_expired),
    # invalid_client / unauthorized_client: configuration; invalid_authorization_code:
    # restart the flow. Retrying changes nothing.
    (lambda f: 400 <= f.status < 500, _rejected),
)


def _first_match(rules: tuple[_Rule, ...], failure: _Failure) -> BankError:
    for matches, build in rules:
        if matches(failure):
            return build(failure)
    return BadResponse(failure.message, provider=PROVIDER)


def data_api_error(
    response: httpx2.Response, *, what: str, secrets: Iterable[str | None] = ()
) -> BankError:
    """The error for a failed Data API answer (any status outside 2xx)."""
    return _first_match(_DATA_API_RULES, _failure(response, what, secrets))


def token_endpoint_error(
    response: httpx2.Response,
    *,
    what: str,
    refreshing: bool,
    secrets: Iterable[str | None] = (),
) -> BankError:
    """The error for a failed `POST /connect/token` (or another auth-server call).

    When refreshing, `invalid_grant` (and `401 invalid_request`, "Invalid
    refresh_token") means the consent is gone: ConsentExpired. When
    exchanging a code they mean the code was wrong, late or reused: the user
    must start again, which is a RequestRejected.
    """
    failure = _failure(response, what, secrets, refreshing=refreshing)
    return _first_match(_TOKEN_ENDPOINT_RULES, failure)
