"""Monzo's error answers, translated once into potwise's bank errors.

Monzo's error codes are dotted, most general first
(`forbidden.insufficient_permissions`); the reference says to match on them
and keep the full string for logs. Exception messages carry only our own
words and Monzo's code (checked to look like a code), never Monzo's free-text
`message` or anything from the request, so no token can leak into a log.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx2
from pydantic import ValidationError

from potwise.banks.errors import (
    AuthExpired,
    AwaitingApproval,
    BadResponse,
    BankError,
    ProviderUnavailable,
    RateLimited,
    RequestRejected,
)
from potwise.banks.http import retry_after_seconds
from potwise.banks.monzo.schemas import ErrorBody

PROVIDER = "monzo"

# The token was issued but the user has not approved it in the Monzo app (SCA).
APPROVAL_PENDING = "forbidden.insufficient_permissions"
# A transaction list reaching further back than 90 days after the 5-minute
# window that follows a login (a list without `since` starts at the beginning).
HISTORY_WINDOW_CLOSED = "forbidden.verification_required"

_SAFE_CODE = re.compile(r"[A-Za-z0-9_.\-]{1,120}")


class HistoryWindowClosed(RequestRejected):
    """Monzo refused a transaction list reaching back more than 90 days.

    Full history is only readable for 5 minutes after the user approves a
    login; afterwards a sync must start within the last ~89 days. Only a new
    login with approval in the app re-opens the window.
    """

    code = "history_window_closed"


def error_code_of(response: httpx2.Response) -> str | None:
    """Monzo's error code from an error body (`code`, else OAuth's `error`), if any."""
    try:
        body = ErrorBody.model_validate(response.json())
    except (ValueError, ValidationError):
        return None
    code = body.code or body.error
    if code is None or _SAFE_CODE.fullmatch(code) is None:
        return None
    return code


def _with_code(text: str, code: str | None) -> str:
    return f"{text} ({code})" if code else text


#: Builds the error for an answer, from the answer, its status and Monzo's code.
_Build = Callable[[httpx2.Response, int, str | None], BankError]


def _token_refused(_response: httpx2.Response, _status: int, code: str | None) -> BankError:
    return AuthExpired(
        _with_code("Monzo no longer accepts the access token", code), provider=PROVIDER
    )


def _awaiting_approval(_response: httpx2.Response, _status: int, _code: str | None) -> BankError:
    return AwaitingApproval(
        "Monzo is waiting for the user to approve access in the Monzo app",
        provider=PROVIDER,
    )


def _history_window_closed(_response: httpx2.Response, status: int, code: str | None) -> BankError:
    return HistoryWindowClosed(
        "Monzo only allows the last 90 days of transactions outside the five "
        "minutes after a login; sync from within 90 days or re-connect",
        status=status,
        error_code=code,
        provider=PROVIDER,
    )


def _rate_limited(response: httpx2.Response, _status: int, code: str | None) -> BankError:
    return RateLimited(
        _with_code("Monzo is rate limiting requests", code),
        retry_after=retry_after_seconds(response.headers.get("Retry-After")),
        provider=PROVIDER,
    )


def _unavailable(_response: httpx2.Response, status: int, code: str | None) -> BankError:
    return ProviderUnavailable(_with_code(f"Monzo answered {status}", code), provider=PROVIDER)


def _rejected(_response: httpx2.Response, status: int, code: str | None) -> BankError:
    return RequestRejected(
        _with_code(f"Monzo refused the request with {status}", code),
        status=status,
        error_code=code,
        provider=PROVIDER,
    )


def _unexpected(_response: httpx2.Response, status: int, _code: str | None) -> BankError:
    return BadResponse(f"Monzo answered with unexpected status {status}", provider=PROVIDER)


#: Answers whose status and code together say what happened. Only the observed
#: code means "approve in the app" (pymonzo reads every 403 that way [R]); a locked
#: pot or a wrong account is also 403 [A], and must not send the user to their
#: phone, so an unrecognised 403 is a rejection.
_BY_STATUS_AND_CODE: dict[tuple[int, str | None], _Build] = {
    (403, APPROVAL_PENDING): _awaiting_approval,
    (403, HISTORY_WINDOW_CLOSED): _history_window_closed,
}
#: Answers whose status alone says what happened, whatever the code.
_BY_STATUS: dict[int, _Build] = {
    # Every 401 is AuthExpired whatever its code: the codes (`.expired`,
    # `.evicted`, bare `bad_access_token`, OAuth `invalid_token`) are only
    # reported [R], and a refresh is the right first answer to all of them.
    401: _token_refused,
    # Monzo documents no Retry-After [D]: None then, and call_safely backs off.
    429: _rate_limited,
}


def _by_class(status: int) -> _Build:
    """The rest, by the class of the status: the bank's trouble, or our request's."""
    if status >= 500:
        return _unavailable
    if 400 <= status < 500:
        return _rejected
    return _unexpected


def error_for_response(response: httpx2.Response) -> BankError:
    """The one translation of a non-2xx Monzo answer into a bank error."""
    status = response.status_code
    code = error_code_of(response)
    build = _BY_STATUS_AND_CODE.get((status, code)) or _BY_STATUS.get(status) or _by_class(status)
    return build(response, status, code)
