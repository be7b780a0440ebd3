"""The errors every bank client raises, whatever the provider said.

Each provider's client translates its HTTP answers into these, once; nothing
above `banks/` looks at a provider's status codes or error bodies. Messages
never carry tokens, codes or secrets.
"""

from __future__ import annotations


class BankError(Exception):
    """A call to a bank failed. `code` is stable and safe to show."""

    code = "bank_error"

    def __init__(self, message: str, *, provider: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.provider = provider


class AuthExpired(BankError):
    """The access token is no longer accepted; a refresh may fix it."""

    code = "auth_expired"


class ConsentExpired(BankError):
    """The user's consent is gone (refresh refused, 90 days passed, revoked):
    only re-connecting fixes it."""

    code = "consent_expired"


class AwaitingApproval(BankError):
    """Monzo: the user has not yet approved this login in the Monzo app."""

    code = "awaiting_approval"


class RateLimited(BankError):
    """Too many requests; `retry_after` is in seconds when the provider said."""

    code = "rate_limited"

    def __init__(
        self, message: str, *, retry_after: float | None = None, provider: str | None = None
    ) -> None:
        super().__init__(message, provider=provider)
        self.retry_after = retry_after


class UnattendedLimitReached(RateLimited):
    """TrueLayer `provider_request_limit_exceeded`: the allowance of calls made
    without the user present is spent for this consent until its window resets."""

    code = "unattended_limit_reached"


class ProviderUnavailable(BankError):
    """The bank is down, slow or unreachable (5xx, timeouts, connection errors)."""

    code = "provider_unavailable"


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
