"""Properties of Money arithmetic, allocation, conversion and formatting."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from potwise.domain.money import Money, minor_exponent

from .strategies import currencies, minor_units, moneys, same_currency_moneys


@given(same_currency_moneys(3))
def test_addition_is_associative_within_a_currency(ms: list[Money]) -> None:
    a, b, c = ms
    assert (a + b) + c == a + (b + c)


@given(same_currency_moneys(2))
def test_addition_is_commutative_within_a_currency(ms: list[Money]) -> None:
    a, b = ms
    assert a + b == b + a


@given(moneys())
def test_an_amount_plus_its_negation_is_zero(a: Money) -> None:
    assert a + (-a) == Money.zero(a.currency)
    assert (a + (-a)).is_zero()


@given(same_currency_moneys(2))
def test_subtraction_is_adding_the_negation(ms: list[Money]) -> None:
    a, b = ms
    assert a - b == a + (-b)


@given(moneys(), st.integers(min_value=-1000, max_value=1000))
def test_multiplying_by_n_is_adding_n_times(a: Money, n: int) -> None:
    repeated = Money.sum([abs(a)] * abs(n), a.currency)
    expected = repeated if (n >= 0) == (a.minor >= 0) else -repeated
    assert a * n == expected


@given(same_currency_moneys(2))
def test_ordering_agrees_with_subtraction(ms: list[Money]) -> None:
    a, b = ms
    assert (a < b) == (b - a).is_positive()
    assert (a == b) == (a - b).is_zero()


@given(moneys(), st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=12))
def test_allocate_parts_sum_exactly_to_the_whole(a: Money, ratios: list[int]) -> None:
    if sum(ratios) == 0:
        ratios = [*ratios, 1]
    parts = a.allocate(ratios)
    assert len(parts) == len(ratios)
    assert Money.sum(parts, a.currency) == a
    for part, ratio in zip(parts, ratios, strict=True):
        assert part.currency == a.currency
        # Each part is within one minor unit of its exact share.
        exact = Decimal(a.minor) * ratio / sum(ratios)
        assert abs(Decimal(part.minor) - exact) < 1
        if ratio == 0:
            assert part.is_zero()


@given(moneys(), st.integers(min_value=1, max_value=50))
def test_split_parts_sum_to_the_whole_and_differ_by_at_most_one_minor_unit(
    a: Money, n: int
) -> None:
    parts = a.split(n)
    assert Money.sum(parts, a.currency) == a
    sizes = [p.minor for p in parts]
    assert max(sizes) - min(sizes) <= 1
    # Larger magnitudes come first, so the split is deterministic and stable.
    assert [abs(s) for s in sizes] == sorted((abs(s) for s in sizes), reverse=True)


@given(moneys())
def test_to_decimal_then_from_decimal_round_trips(a: Money) -> None:
    assert Money.from_decimal(a.to_decimal(), a.currency) == a
    assert Money.from_decimal(str(a.to_decimal()), a.currency) == a


@given(
    st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**12), max_value=10**12),
    currencies,
)
def test_from_decimal_is_within_half_a_minor_unit_of_the_input(value: Decimal, code: str) -> None:
    m = Money.from_decimal(value, code)
    error = abs(m.to_decimal() - value) * Decimal(10) ** minor_exponent(code)
    assert error <= Decimal("0.5")


@given(minor_units, currencies)
def test_from_decimal_of_an_exact_major_amount_does_not_round(minor: int, code: str) -> None:
    major = Decimal(minor).scaleb(-minor_exponent(code))
    assert Money.from_decimal(major, code).minor == minor


@given(moneys())
def test_formatting_never_shows_a_float_and_parses_back(a: Money) -> None:
    text = a.format()
    assert "e" not in text.lower().replace(a.currency.lower(), "")
    assert "inf" not in text.lower().replace(a.currency.lower(), "")
    exponent = minor_exponent(a.currency)
    digits_after_point = text.rsplit(".", 1)[1].split(" ")[0] if exponent else ""
    assert len(digits_after_point) == exponent
    assert Money.parse(text, a.currency) == a


@given(moneys())
def test_str_is_format(a: Money) -> None:
    assert str(a) == a.format()
