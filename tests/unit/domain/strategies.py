"""Hypothesis strategies shared by the domain tests."""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from potwise.domain.money import Money

# Currencies with a symbol, with 0 and 3 decimal places, and arbitrary codes.
currencies = st.one_of(
    st.sampled_from(["GBP", "EUR", "USD", "JPY", "CHF", "BHD"]),
    st.from_regex(r"\A[A-Z]{3}\Z"),
)
minor_units = st.integers(min_value=-(10**15), max_value=10**15)


@st.composite
def moneys(draw: st.DrawFn, currency: str | None = None) -> Money:
    """A Money in ``currency`` (or a drawn one)."""
    code = currency if currency is not None else draw(currencies)
    return Money(draw(minor_units), code)


@st.composite
def same_currency_moneys(draw: st.DrawFn, n: int) -> list[Money]:
    """``n`` Money values sharing one drawn currency."""
    code = draw(currencies)
    return [draw(moneys(code)) for _ in range(n)]


# Wide enough to cover many Easters and substitute days, narrow enough to be fast.
dates = st.dates(min_value=date(1995, 1, 1), max_value=date(2095, 12, 31))
