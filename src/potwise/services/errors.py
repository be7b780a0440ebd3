"""Errors raised by the services; each has a stable `code` the API maps to a status."""

from __future__ import annotations

from potwise.domain.errors import DomainError


class NotFound(DomainError):
    """The thing does not exist, or belongs to someone else (we never say which)."""

    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class InvalidCredentials(DomainError):
    code = "invalid_credentials"


class Unauthenticated(DomainError):
    code = "unauthenticated"


class RegistrationClosed(DomainError):
    code = "registration_closed"


class WeakPassword(DomainError):
    code = "weak_password"


class InvalidInput(DomainError):
    code = "invalid_input"


class TooManyAttempts(DomainError):
    """Login refused by the rate limiter; `retry_after` is in whole seconds."""

    code = "too_many_attempts"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
