"""Errors raised by the domain.

Every domain error carries a stable, machine-readable ``code`` (the API
returns it as ``{"error": {"code", "message"}}``) and a human-readable
``message``. Codes are part of the public contract: never rename one.
Messages may improve over time and never contain secrets.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class for invalid requests detected by domain logic."""

    code: str = "domain_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CurrencyMismatch(DomainError):
    """Two amounts in different currencies were combined or compared."""

    code = "currency_mismatch"

    def __init__(self, left: str, right: str) -> None:
        super().__init__(f"cannot combine amounts in {left} and {right}")
        self.left = left
        self.right = right


class InvalidAmount(DomainError):
    """An amount could not be parsed or converted (garbage, NaN, too precise, too large)."""

    code = "invalid_amount"


class InvalidCurrency(DomainError):
    """A currency code is not three upper-case ASCII letters."""

    code = "invalid_currency"
