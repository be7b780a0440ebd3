"""Errors raised by the domain, and the one base every potwise error derives from.

Every error carries a stable, machine-readable ``code`` (the API returns it as
``{"error": {"code", "message"}}``), the HTTP status that answers it and a
human-readable ``message``. Codes are part of the public contract: never rename
one. Messages may improve over time and never contain secrets.
"""

from __future__ import annotations


class PotwiseError(Exception):
    """The base of every error we raise on purpose: `DomainError` for invalid requests,
    `BankError` (banks/errors.py) for a bank that failed us. The web layer answers any
    of them in one handler with `status_code` and the body `{"error": {code, message}}`."""

    code: str = "error"
    status_code: int = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def headers(self) -> dict[str, str]:
        """Headers the HTTP answer carries (Retry-After, say); none by default."""
        return {}


class DomainError(PotwiseError):
    """Base class for invalid requests detected by domain logic (400 unless a subclass
    says otherwise)."""

    code: str = "domain_error"


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
