"""Money: an exact amount in integer minor units of one currency.

An amount is an ``int`` of minor units (pence for GBP) plus an ISO 4217
currency code; it is never a float. Arithmetic and ordering refuse to mix
currencies (:class:`~potwise.domain.errors.CurrencyMismatch`). Provider
decimals enter through :meth:`Money.from_decimal`, which rounds half-even
exactly once; user input enters through :meth:`Money.parse`, which never
rounds (too many decimal places is an error, not a guess).

The sign of an amount follows :mod:`potwise.domain.signs`: from the user's
point of view. Currencies (decimal places, symbols) are
:mod:`potwise.domain.currencies`'s.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Final

from potwise.domain.currencies import (
    CURRENCY_BY_SYMBOL,
    DEFAULT_MINOR_EXPONENT,
    check_currency,
    currency_symbol,
    minor_exponent,
)
from potwise.domain.errors import CurrencyMismatch, InvalidAmount

__all__ = [
    "DEFAULT_MINOR_EXPONENT",
    "Money",
    "currency_symbol",
    "minor_exponent",
]

# Amounts beyond 10**30 minor units are garbage, not money; refusing them
# also bounds the work done on inputs like "1E999999".
_MAX_DIGITS: Final = 30

_PARSE_RE: Final = re.compile(
    r"""
    \A\s*
    (?P<code1>[A-Z]{3}\s+)?           # optional leading code: "GBP 12.00"
    (?P<sign1>[-+\u2212])?\s*         # sign before the symbol: "-£3.20"
    (?P<symbol>[£€$¥])?\s*
    (?P<sign2>[-+\u2212])?            # sign after the symbol: "£-3.20"
    (?P<int>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)?
    (?:\.(?P<frac>[0-9]+))?
    (?:\s*(?P<code2>[A-Z]{3}))?       # optional trailing code: "12.00 CHF"
    \s*\Z
    """,
    re.VERBOSE | re.ASCII,
)

# The largest amount, in minor units, that anyone may enter or a bank may tell us
# (£10 billion): far inside the database's 64-bit integers, so sums and products of
# a few such amounts stay representable too.
MAX_MINOR_UNITS = 10**12


def _check_int(value: object, what: str) -> int:
    # bool is an int subclass; True pence is never what anyone meant.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    return value


def _round_half_even(numerator: int, denominator: int) -> int:
    """Divide two ints (denominator > 0), rounding half to even, exactly."""
    quotient, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient % 2 == 1):
        quotient += 1
    return quotient


def _as_decimal(value: object) -> Decimal:
    """A provider's amount as a finite Decimal; floats and other types refused."""
    if isinstance(value, bool | float):
        raise TypeError(f"amount must be Decimal, str or int, not {type(value).__name__}")
    if isinstance(value, int):
        dec = Decimal(value)
    elif isinstance(value, str):
        try:
            dec = Decimal(value.strip())
        except InvalidOperation:
            raise InvalidAmount(f"not a decimal amount: {value!r}") from None
    elif isinstance(value, Decimal):
        dec = value
    else:
        raise TypeError(f"amount must be Decimal, str or int, not {type(value).__name__}")
    if not dec.is_finite():
        raise InvalidAmount(f"amount must be finite, got {value!r}")
    return dec


def _minor_units(dec: Decimal, exponent: int, value: object) -> int:
    """``dec`` major units in minor units of a currency with ``exponent`` decimal places,
    rounded half to even exactly once (``value`` is what was given, for the errors)."""
    sign, digit_tuple, power = dec.as_tuple()
    if not isinstance(power, int):  # pragma: no cover - finite decimals have one
        raise InvalidAmount(f"amount must be finite, got {value!r}")
    digits = int("".join(map(str, digit_tuple)) or "0")
    shift = power + exponent  # minor = digits * 10**shift
    if digits == 0:
        minor = 0
    elif len(digit_tuple) + shift > _MAX_DIGITS:
        raise InvalidAmount(f"amount too large: {value!r}")
    elif shift >= 0:
        minor = digits * 10**shift
    elif -shift > len(digit_tuple) + 1:
        minor = 0  # below a tenth of a minor unit: rounds to zero
    else:
        minor = _round_half_even(digits, 10**-shift)
    return -minor if sign else minor


@dataclass(frozen=True, slots=True)
class Money:
    """An immutable amount: ``minor`` units (e.g. pence) of ``currency``.

    ``Money(123456, "GBP")`` is £1,234.56. Equal amounts in different
    currencies are not equal; ordering them raises ``CurrencyMismatch``.
    Truthiness follows the amount, like ``int``: ``Money(0, "GBP")`` is
    falsy.
    """

    minor: int
    currency: str

    def __post_init__(self) -> None:
        _check_int(self.minor, "minor units")
        check_currency(self.currency)

    # -- construction ------------------------------------------------------

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Return nothing of ``currency``."""
        return cls(0, currency)

    @classmethod
    def sum(cls, items: Iterable[Money], currency: str) -> Money:
        """Add up ``items``, all in ``currency``; an empty iterable gives zero.

        The currency is explicit so that summing nothing is well defined.
        Raises ``CurrencyMismatch`` if any item is in another currency.
        """
        check_currency(currency)
        total = 0
        for item in items:
            if not isinstance(item, Money):
                raise TypeError(f"cannot sum {type(item).__name__} as Money")
            if item.currency != currency:
                raise CurrencyMismatch(currency, item.currency)
            total += item.minor
        return cls(total, currency)

    @classmethod
    def from_decimal(cls, value: Decimal | str | int, currency: str) -> Money:
        """Convert a provider's decimal amount in major units (``"12.345"`` pounds).

        Uses the currency's minor-unit exponent and rounds half to even
        exactly once, with integer arithmetic (no context precision
        involved). Floats are refused: convert them with ``Decimal(str(x))``
        at the adapter boundary, where the float came from. Raises
        ``InvalidAmount`` for unparsable strings, NaN, infinities and
        absurdly large values.
        """
        check_currency(currency)
        minor = _minor_units(_as_decimal(value), minor_exponent(currency), value)
        return cls(minor, currency)

    @classmethod
    def parse(cls, text: str, currency: str = "GBP") -> Money:
        """Parse an amount typed by a person, e.g. ``"1,234.56"``, ``"£12"``, ``"-3.2"``.

        Accepts an optional sign (before or after the symbol), the
        currency's symbol or its code (before or after), thousands
        separators in groups of three and at most as many decimal places
        as the currency has. Never rounds. Raises ``InvalidAmount`` for
        anything else, and ``CurrencyMismatch`` if the text names another
        currency (``"€5"`` parsed as GBP).
        """
        check_currency(currency)
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, not {type(text).__name__}")
        match = _PARSE_RE.match(text)
        if match is None or (match["int"] is None and match["frac"] is None):
            raise InvalidAmount(f"not an amount: {text!r}")
        if match["sign1"] and match["sign2"]:
            raise InvalidAmount(f"more than one sign: {text!r}")
        if match["code1"] and match["code2"]:
            raise InvalidAmount(f"currency given twice: {text!r}")

        for named in (
            CURRENCY_BY_SYMBOL.get(match["symbol"] or ""),
            (match["code1"] or "").strip() or None,
            match["code2"],
        ):
            if named is not None and named != currency:
                raise CurrencyMismatch(currency, named)

        exponent = minor_exponent(currency)
        frac = match["frac"] or ""
        if len(frac) > exponent:
            raise InvalidAmount(
                f"{currency} amounts have at most {exponent} decimal places: {text!r}"
            )
        whole = (match["int"] or "0").replace(",", "")
        if len(whole.lstrip("0")) + exponent > _MAX_DIGITS:
            raise InvalidAmount(f"amount too large: {text!r}")
        minor = int(whole) * 10**exponent + int(frac.ljust(exponent, "0") or "0")
        negative = (match["sign1"] or match["sign2"] or "+") in "-\u2212"
        return cls(-minor if negative else minor, currency)

    # -- conversion and formatting ----------------------------------------

    def to_decimal(self) -> Decimal:
        """Return the amount in major units, exactly (``Decimal("-3.20")``)."""
        return Decimal(f"{self.minor}e-{minor_exponent(self.currency)}")

    def format(self) -> str:
        """Format for people: ``£1,234.56``, ``-£3.20``, ``€0.50``, ``1,234.56 CHF``.

        Only integer arithmetic is involved, so no float can leak in.
        """
        exponent = minor_exponent(self.currency)
        whole, frac = divmod(abs(self.minor), 10**exponent)
        number = f"{whole:,}" + (f".{frac:0{exponent}d}" if exponent else "")
        sign = "-" if self.minor < 0 else ""
        symbol = currency_symbol(self.currency)
        if symbol is not None:
            return f"{sign}{symbol}{number}"
        return f"{sign}{number} {self.currency}"

    def __str__(self) -> str:
        return self.format()

    # -- predicates --------------------------------------------------------

    def is_zero(self) -> bool:
        """True if the amount is exactly zero."""
        return self.minor == 0

    def is_negative(self) -> bool:
        """True if the amount is below zero (money leaving, or owed)."""
        return self.minor < 0

    def is_positive(self) -> bool:
        """True if the amount is above zero (money arriving, or owned)."""
        return self.minor > 0

    def __bool__(self) -> bool:
        return self.minor != 0

    # -- arithmetic --------------------------------------------------------

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(self.currency, other.currency)

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __pos__(self) -> Money:
        return self

    def __abs__(self) -> Money:
        return Money(abs(self.minor), self.currency)

    def __mul__(self, factor: int) -> Money:
        # Only ints: multiplying money by a fraction needs a rounding
        # decision, which allocate() makes explicitly. Types are checked at
        # run time too, for callers that mypy does not see.
        if isinstance(factor, bool) or not isinstance(factor, int):
            return NotImplemented
        return Money(self.minor * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return self.minor <= other.minor

    def __gt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return self.minor > other.minor

    def __ge__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return self.minor >= other.minor

    # -- splitting ---------------------------------------------------------

    def allocate(self, ratios: Sequence[int | Decimal | Fraction]) -> list[Money]:
        """Split the amount in proportion to ``ratios``; the parts sum exactly to it.

        Largest-remainder method: each part first gets the floor of its
        exact share of the magnitude; the minor units left over go one
        each to the parts with the largest fractional remainders, ties
        broken by position (earlier first). A negative amount is split as
        its magnitude and every part negated, so ``-£1.00`` in three is
        ``-34p, -33p, -33p``. Ratios are non-negative ints, Decimals or
        Fractions (not floats) with a positive total; a zero ratio gets
        nothing. Raises ``ValueError`` for invalid ratios.
        """
        if not ratios:
            raise ValueError("allocate needs at least one ratio")
        exact: list[Fraction] = []
        for ratio in ratios:
            if isinstance(ratio, bool) or not isinstance(ratio, int | Decimal | Fraction):
                kind = type(ratio).__name__
                raise TypeError(f"ratios must be int, Decimal or Fraction, not {kind}")
            if isinstance(ratio, Decimal) and not ratio.is_finite():
                raise ValueError(f"ratio must be finite, got {ratio}")
            value = Fraction(ratio)
            if value < 0:
                raise ValueError(f"ratios must not be negative, got {ratio}")
            exact.append(value)
        total_ratio = sum(exact, Fraction(0))
        if total_ratio == 0:
            raise ValueError("ratios must not all be zero")

        magnitude = abs(self.minor)
        shares = [magnitude * r / total_ratio for r in exact]
        parts = [int(share) for share in shares]  # floor: shares are non-negative
        leftover = magnitude - sum(parts)
        by_remainder = sorted(range(len(shares)), key=lambda i: (-(shares[i] - parts[i]), i))
        for index in by_remainder[:leftover]:
            parts[index] += 1
        sign = -1 if self.minor < 0 else 1
        return [Money(sign * part, self.currency) for part in parts]

    def split(self, n: int) -> list[Money]:
        """Split into ``n`` parts that differ by at most one minor unit, larger first."""
        _check_int(n, "number of parts")
        if n < 1:
            raise ValueError(f"cannot split into {n} parts")
        return self.allocate([1] * n)
