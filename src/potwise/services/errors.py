"""Errors raised by the services; each has a stable `code` and the HTTP status that answers it."""

from __future__ import annotations

from potwise.domain.errors import DomainError


class NotFound(DomainError):
    """The thing does not exist, or belongs to someone else (we never say which)."""

    code = "not_found"
    status_code = 404


class Conflict(DomainError):
    code = "conflict"
    status_code = 409


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    status_code = 401


class Unauthenticated(DomainError):
    code = "unauthenticated"
    status_code = 401


class RegistrationClosed(DomainError):
    code = "registration_closed"
    status_code = 403


class WeakPassword(DomainError):
    code = "weak_password"


class InvalidInput(DomainError):
    code = "invalid_input"


class PayloadTooLarge(DomainError):
    """A request body larger than its route accepts."""

    code = "payload_too_large"
    status_code = 413


class TooManyAttempts(DomainError):
    """Login refused by the rate limiter; `retry_after` is in whole seconds."""

    code = "too_many_attempts"
    status_code = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class SecondFactorRequired(DomainError):
    """The password was right and the account has two-factor on: a code is needed."""

    code = "totp_required"
    status_code = 401


class SessionRequired(DomainError):
    """A change only a signed-in person may make, refused to an API token."""

    code = "session_required"
    status_code = 403


class PasskeysUnavailable(DomainError):
    """WebAuthn needs a host name: this server's public address is an IP address."""

    code = "passkeys_unavailable"
    status_code = 409


class EmailUnverified(DomainError):
    """The user has not confirmed their e-mail address yet: rules that move money wait."""

    code = "email_unverified"
    status_code = 403


class MailUnavailable(DomainError):
    """This server sends no e-mail (no SMTP host is configured)."""

    code = "mail_unavailable"
    status_code = 409


class ConfirmationRefused(DomainError):
    """A change this grave needs the password (and the second factor when it is on),
    and what was given did not match."""

    code = "confirmation_refused"
    status_code = 403


class MoveInFlight(DomainError):
    """Money may be moving for this user (a rule's run, a move not yet confirmed):
    try again in `retry_after` seconds."""

    code = "move_in_flight"
    status_code = 409

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}
