"""The errors every bank client raises, whatever the provider said.

Each provider's client translates its HTTP answers into these, once; nothing
above `banks/` looks at a provider's status codes or error bodies. Messages
never carry tokens, codes or secrets.

Each carries the status our own answer has when one escapes a request: the bank
being down is 503; answering nonsense or refusing the request is 502; the bank's
limit is ours to pass on (429 with Retry-After), and a connection that needs the
person back at the bank is a conflict with its state (409), never a 401, which
would say that the caller's own sign-in was refused.
"""

from __future__ import annotations

import math
from typing import ClassVar

from potwise.domain.errors import PotwiseError


class BankError(PotwiseError):
    """A call to a bank failed. `code` is stable and safe to show."""

    code = "bank_error"
    status_code = 502
    #: The bank's trouble, not the connection's: trying again later may work, and
    #: nothing the user does would help (an outage, a timeout, a rate limit).
    transient: ClassVar[bool] = False

    def __init__(self, message: str, *, provider: str | None = None) -> None:
        super().__init__(message)
        self.provider = provider


class AuthExpired(BankError):
    """The access token is no longer accepted; a refresh may fix it."""

    code = "auth_expired"
    status_code = 409


class ConsentExpired(BankError):
    """The user's consent is gone (refresh refused, 90 days passed, revoked):
    only re-connecting fixes it."""

    code = "consent_expired"
    status_code = 409


class AwaitingApproval(BankError):
    """Monzo: the user has not yet approved this login in the Monzo app."""

    code = "awaiting_approval"
    status_code = 409


class RateLimited(BankError):
    """Too many requests; `retry_after` is in seconds when the provider said."""

    code = "rate_limited"
    status_code = 429
    transient = True

    def __init__(
        self, message: str, *, retry_after: float | None = None, provider: str | None = None
    ) -> None:
        super().__init__(message, provider=provider)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        """Retry-After in whole seconds (rounded up), when the bank said how long."""
        if self.retry_after is None:
            return {}
        return {"Retry-After": str(max(0, math.ceil(self.retry_after)))}


class UnattendedLimitReached(RateLimited):
    """TrueLayer `provider_request_limit_exceeded`: the allowance of calls made
    without the user present is spent for this consent until its window resets."""

    code = "unattended_limit_reached"


class ProviderUnavailable(BankError):
    """The bank is down, slow or unreachable (5xx, timeouts, connection errors)."""

    code = "provider_unavailable"
    status_code = 503
    transient = True


class BadResponse(BankError):
    """The bank answered with something we cannot use (malformed JSON, wrong shape,
    or an error we do not recognise)."""

    code = "bad_response"


class RequestRejected(BankError):
    """The bank refused the request itself (a 4xx that retrying will not change:
    bad parameters, insufficient funds, unknown pot)."""

    code = "request_rejected"

    def __init__(
        self,
        message: str,
        *,
        status: int,
        error_code: str | None = None,
        provider: str | None = None,
    ) -> None:
        super().__init__(message, provider=provider)
        self.status = status
        self.error_code = error_code
