"""Currencies: how many decimal places each has, and the symbol people see.

Codes are ISO 4217: three upper-case letters. A currency not in the table
has two decimal places and is shown with its code (``1.00 CHF``).
"""

from __future__ import annotations

import re
from typing import Final

from potwise.domain.errors import InvalidCurrency

__all__ = [
    "CURRENCY_BY_SYMBOL",
    "DEFAULT_MINOR_EXPONENT",
    "check_currency",
    "currency_symbol",
    "minor_exponent",
]

#: Minor-unit exponent (digits after the decimal point) for currencies
#: that differ from the default of 2, or that we name explicitly.
_MINOR_EXPONENTS: Final[dict[str, int]] = {
    "GBP": 2,
    "EUR": 2,
    "USD": 2,
    "CHF": 2,
    "SEK": 2,
    "NOK": 2,
    "DKK": 2,
    "PLN": 2,
    "CZK": 2,
    "HUF": 2,
    "CAD": 2,
    "AUD": 2,
    "NZD": 2,
    "JPY": 0,
    "KRW": 0,
    "ISK": 0,
    "BHD": 3,
    "JOD": 3,
    "KWD": 3,
    "OMR": 3,
    "TND": 3,
}

#: Currencies not in the table are assumed to have two decimal places.
DEFAULT_MINOR_EXPONENT: Final = 2

#: Symbols written before the amount. Only unambiguous ones: other
#: dollar currencies are shown with their code (``1.00 AUD``).
_SYMBOLS: Final[dict[str, str]] = {"GBP": "£", "EUR": "€", "USD": "$", "JPY": "¥"}
CURRENCY_BY_SYMBOL: Final[dict[str, str]] = {sym: code for code, sym in _SYMBOLS.items()}

_CURRENCY_RE: Final = re.compile(r"[A-Z]{3}")


def minor_exponent(currency: str) -> int:
    """Return how many decimal places ``currency`` has (2 if we do not know it)."""
    return _MINOR_EXPONENTS.get(currency, DEFAULT_MINOR_EXPONENT)


def currency_symbol(currency: str) -> str | None:
    """Return the symbol shown before amounts of ``currency``, or None to show the code."""
    return _SYMBOLS.get(currency)


def check_currency(currency: object) -> str:
    """``currency`` if it is an ISO 4217-shaped code (three upper-case letters)."""
    if not isinstance(currency, str):
        raise TypeError(f"currency must be a str, not {type(currency).__name__}")
    if _CURRENCY_RE.fullmatch(currency) is None:
        raise InvalidCurrency(f"currency must be three upper-case letters, got {currency!r}")
    return currency
