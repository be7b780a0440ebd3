"""TrueLayer's HTTP failures translated, once, into the shared bank errors.

Keyed on the body's `error` code first and the HTTP status second, as the
reference advises (§6 for the Data API, §2.5 for the token endpoint).
Messages carry the status, the code, a short description and TrueLayer's
correlation id, and never a token, code or secret.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

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


def data_api_error(
    response: httpx2.Response, *, what: str, secrets: Iterable[str | None] = ()
) -> BankError:
    """The error for a failed Data API answer (any status outside 2xx)."""
    body = error_body(response)
    code = (body.error or "").strip().lower() or None
    status = response.status_code
    message = _message(what, response, body, secrets)

    if code == "provider_request_limit_exceeded":
        # The unattended allowance for this consent is spent; hours, not seconds.
        return UnattendedLimitReached(
            message, retry_after=_retry_after(response), provider=PROVIDER
        )
    if status == 429 or code == "provider_too_many_requests":
        return RateLimited(message, retry_after=_retry_after(response), provider=PROVIDER)
    if status == 401 or code in _TOKEN_INVALID:
        return AuthExpired(message, provider=PROVIDER)
    if code in _TRANSIENT:
        return ProviderUnavailable(message, provider=PROVIDER)
    if code in _CONSENT_GONE or (status == 403 and code is None):
        return ConsentExpired(message, provider=PROVIDER)
    if status == 501:
        return RequestRejected(
            message, status=status, error_code=code or "endpoint_not_supported", provider=PROVIDER
        )
    if status >= 500:
        return ProviderUnavailable(message, provider=PROVIDER)
    if 400 <= status < 500:
        # validation_error, invalid_date_range, sca_exceeded, account_not_found…
        return RequestRejected(message, status=status, error_code=code, provider=PROVIDER)
    return BadResponse(message, provider=PROVIDER)


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
    body = error_body(response)
    code = (body.error or "").strip().lower() or None
    status = response.status_code
    message = _message(what, response, body, secrets)
    description = (body.error_description or "").lower()

    if status == 429 or code == "provider_too_many_requests":
        return RateLimited(message, retry_after=_retry_after(response), provider=PROVIDER)
    if code in _TRANSIENT or "currently unavailable" in description or status >= 500:
        return ProviderUnavailable(message, provider=PROVIDER)
    bad_grant = code == "invalid_grant" or (status == 401 and code == "invalid_request")
    if bad_grant and refreshing:
        return ConsentExpired(message, provider=PROVIDER)
    if 400 <= status < 500:
        # invalid_client / unauthorized_client: configuration; invalid_authorization_code:
        # restart the flow. Retrying changes nothing.
        return RequestRejected(message, status=status, error_code=code, provider=PROVIDER)
    return BadResponse(message, provider=PROVIDER)
