"""The cells of an exported file: amounts in major units, and text a spreadsheet will
not run as a formula.

A spreadsheet opening a CSV treats a cell that starts with `=`, `+`, `-` or `@` (and,
in some, a tab or a carriage return) as a formula: a merchant called
`=HYPERLINK(...)` would run. Such a cell is written with a leading apostrophe, which
the spreadsheet shows as text; a plain number (`-12.34`) is left as it is, so
amounts stay numbers.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Final

from potwise.domain.currencies import minor_exponent

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER: Final = re.compile(r"\A[+-]?[0-9]+(?:\.[0-9]+)?\Z")


def safe_cell(value: str) -> str:
    """`value`, with a leading apostrophe when a spreadsheet would run it as a formula."""
    if value.startswith(FORMULA_STARTS) and _PLAIN_NUMBER.match(value) is None:
        return "'" + value
    return value


def major_units(minor: int, currency: str) -> str:
    """`minor` units of `currency` as a signed decimal in major units: -1234 GBP is
    "-12.34", 5 is "0.05", 0 is "0.00"; a currency without decimals has none."""
    exponent = minor_exponent(currency)
    whole, fraction = divmod(abs(minor), 10**exponent)
    sign = "-" if minor < 0 else ""
    return f"{sign}{whole}" + (f".{fraction:0{exponent}d}" if exponent else "")


def major_decimal(minor: int, currency: str) -> Decimal:
    """The same amount as an exact `Decimal` (`Decimal("-12.34")`)."""
    return Decimal(major_units(minor, currency))
