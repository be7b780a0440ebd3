"""Examples for Money: construction, arithmetic, conversion, formatting, parsing."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from potwise.domain.errors import CurrencyMismatch, DomainError, InvalidAmount, InvalidCurrency
from potwise.domain.money import Money


def gbp(minor: int) -> Money:
    return Money(minor, "GBP")


# -- construction ------------------------------------------------------------


def test_money_holds_minor_units_and_currency() -> None:
    m = Money(123456, "GBP")
    assert m.minor == 123456
    assert m.currency == "GBP"


@pytest.mark.parametrize("bad", [1.5, 1.0, True, False, Decimal(1), "100", None])
def test_minor_units_must_be_an_int_not_float_bool_or_decimal(bad: object) -> None:
    with pytest.raises(TypeError):
        Money(bad, "GBP")  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["gbp", "GB", "GBPX", "G1P", "", "ÄBC", "£££"])
def test_currency_must_be_three_upper_case_letters(bad: str) -> None:
    with pytest.raises(InvalidCurrency) as excinfo:
        Money(1, bad)
    assert excinfo.value.code == "invalid_currency"


def test_currency_must_be_a_string() -> None:
    with pytest.raises(TypeError):
        Money(1, 826)  # type: ignore[arg-type]


def test_money_is_immutable() -> None:
    m = gbp(1)
    with pytest.raises(AttributeError):
        m.minor = 2  # type: ignore[misc]


def test_equal_minor_units_in_different_currencies_are_not_equal() -> None:
    assert gbp(100) != Money(100, "EUR")
    assert gbp(100) == gbp(100)
    assert hash(gbp(100)) == hash(gbp(100))


def test_zero_is_zero_of_that_currency() -> None:
    assert Money.zero("EUR") == Money(0, "EUR")
    assert Money.zero("EUR").is_zero()


def test_predicates_follow_the_sign() -> None:
    assert gbp(-1).is_negative() and not gbp(-1).is_positive() and not gbp(-1).is_zero()
    assert gbp(1).is_positive() and not gbp(1).is_negative()
    assert not gbp(0).is_positive() and not gbp(0).is_negative()


def test_zero_money_is_falsy_like_zero() -> None:
    assert not gbp(0)
    assert gbp(-1)


# -- arithmetic ----------------------------------------------------------------


def test_adds_and_subtracts_within_a_currency() -> None:
    assert gbp(150) + gbp(25) == gbp(175)
    assert gbp(150) - gbp(200) == gbp(-50)


def test_negation_and_abs() -> None:
    assert -gbp(320) == gbp(-320)
    assert abs(gbp(-320)) == gbp(320)
    assert +gbp(5) == gbp(5)


def test_multiplies_by_an_int_on_either_side() -> None:
    assert gbp(250) * 3 == gbp(750)
    assert 3 * gbp(250) == gbp(750)
    assert gbp(250) * -1 == gbp(-250)


@pytest.mark.parametrize("factor", [1.5, Decimal("1.5"), True, gbp(2)])
def test_refuses_to_multiply_by_anything_but_an_int(factor: object) -> None:
    with pytest.raises(TypeError):
        gbp(100) * factor  # type: ignore[operator]


def test_adding_different_currencies_raises_currency_mismatch_with_stable_code() -> None:
    with pytest.raises(CurrencyMismatch) as excinfo:
        gbp(1) + Money(1, "EUR")
    assert excinfo.value.code == "currency_mismatch"
    assert isinstance(excinfo.value, DomainError)
    assert "GBP" in excinfo.value.message and "EUR" in excinfo.value.message


def test_subtracting_different_currencies_raises_currency_mismatch() -> None:
    with pytest.raises(CurrencyMismatch):
        gbp(1) - Money(1, "USD")


def test_adding_a_plain_number_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        gbp(1) + 1  # type: ignore[operator]


def test_orders_amounts_of_the_same_currency() -> None:
    assert gbp(1) < gbp(2) <= gbp(2) < gbp(3)
    assert gbp(3) > gbp(2) >= gbp(2)
    assert max(gbp(5), gbp(-5), gbp(0)) == gbp(5)


def test_ordering_different_currencies_raises_currency_mismatch() -> None:
    with pytest.raises(CurrencyMismatch):
        _ = gbp(1) < Money(2, "EUR")
    with pytest.raises(CurrencyMismatch):
        _ = gbp(1) >= Money(2, "EUR")


def test_sum_of_nothing_is_zero_in_the_given_currency() -> None:
    assert Money.sum([], "GBP") == gbp(0)


def test_sum_adds_items_of_the_given_currency() -> None:
    assert Money.sum((gbp(i) for i in range(5)), "GBP") == gbp(10)


def test_sum_refuses_an_item_in_another_currency() -> None:
    with pytest.raises(CurrencyMismatch):
        Money.sum([gbp(1), Money(1, "EUR")], "GBP")


# -- allocation ------------------------------------------------------------------


def test_splitting_a_pound_three_ways_gives_the_extra_penny_to_the_first_part() -> None:
    assert gbp(100).split(3) == [gbp(34), gbp(33), gbp(33)]


def test_splitting_a_negative_amount_mirrors_the_positive_split() -> None:
    assert gbp(-100).split(3) == [gbp(-34), gbp(-33), gbp(-33)]


def test_allocate_gives_leftover_pennies_to_the_largest_remainders() -> None:
    # 70/30 of £0.05 is 3.5p and 1.5p: both remainders are .5, first wins the tie.
    assert gbp(5).allocate([70, 30]) == [gbp(4), gbp(1)]
    # 1:2 of 10p is 3.33p and 6.67p: the larger remainder gets the penny.
    assert gbp(10).allocate([1, 2]) == [gbp(3), gbp(7)]


def test_allocate_accepts_decimal_and_fraction_ratios() -> None:
    assert gbp(1000).allocate([Decimal("0.25"), Decimal("0.75")]) == [gbp(250), gbp(750)]
    assert gbp(100).allocate([Fraction(1, 3), Fraction(2, 3)]) == [gbp(33), gbp(67)]


def test_allocate_gives_nothing_to_a_zero_ratio() -> None:
    assert gbp(101).allocate([0, 1, 1]) == [gbp(0), gbp(51), gbp(50)]


@pytest.mark.parametrize("ratios", [[], [0, 0], [1, -1], [Decimal("NaN")]])
def test_allocate_rejects_invalid_ratios(ratios: list[int | Decimal]) -> None:
    with pytest.raises(ValueError):
        gbp(100).allocate(ratios)


def test_allocate_rejects_float_ratios() -> None:
    with pytest.raises(TypeError):
        gbp(100).allocate([0.5, 0.5])  # type: ignore[list-item]


@pytest.mark.parametrize("n", [0, -1])
def test_split_needs_at_least_one_part(n: int) -> None:
    with pytest.raises(ValueError):
        gbp(100).split(n)


# -- decimals ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "currency", "minor"),
    [
        ("12.34", "GBP", 1234),
        (Decimal("-3.2"), "GBP", -320),
        (7, "GBP", 700),
        ("0.005", "GBP", 0),  # half to even: 0.5p -> 0p
        ("0.015", "GBP", 2),  # 1.5p -> 2p
        ("0.025", "GBP", 2),  # 2.5p -> 2p
        ("-0.015", "GBP", -2),
        ("0.0051", "GBP", 1),
        ("1234.5", "JPY", 1234),  # yen have no minor unit
        ("1235.5", "JPY", 1236),
        ("1.2345", "BHD", 1234),  # three decimal places
        ("1.23", "XYZ", 123),  # unknown currencies have two
        ("1E+3", "GBP", 100000),
        ("1E-30", "GBP", 0),
        (" 12.00 ", "GBP", 1200),
    ],
)
def test_from_decimal_rounds_half_even_once_at_the_currency_exponent(
    value: Decimal | str | int, currency: str, minor: int
) -> None:
    assert Money.from_decimal(value, currency) == Money(minor, currency)


def test_from_decimal_refuses_floats() -> None:
    with pytest.raises(TypeError):
        Money.from_decimal(0.1, "GBP")  # type: ignore[arg-type]


def test_from_decimal_refuses_bools() -> None:
    with pytest.raises(TypeError):
        Money.from_decimal(True, "GBP")


@pytest.mark.parametrize("value", ["abc", "", "NaN", "Infinity", "-inf", "1,000", "1E+40"])
def test_from_decimal_rejects_garbage_and_non_finite_values(value: str) -> None:
    with pytest.raises(InvalidAmount) as excinfo:
        Money.from_decimal(value, "GBP")
    assert excinfo.value.code == "invalid_amount"


def test_to_decimal_is_exact_in_major_units() -> None:
    assert gbp(-320).to_decimal() == Decimal("-3.20")
    assert str(gbp(-320).to_decimal()) == "-3.20"
    assert str(gbp(0).to_decimal()) == "0.00"
    assert str(Money(1234, "JPY").to_decimal()) == "1234"
    assert str(Money(10**25 + 1, "GBP").to_decimal()) == "100000000000000000000000.01"


# -- formatting ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("money", "text"),
    [
        (Money(123456, "GBP"), "£1,234.56"),
        (Money(-320, "GBP"), "-£3.20"),
        (Money(0, "GBP"), "£0.00"),
        (Money(5, "GBP"), "£0.05"),
        (Money(-5, "GBP"), "-£0.05"),
        (Money(100000000, "GBP"), "£1,000,000.00"),
        (Money(50, "EUR"), "€0.50"),
        (Money(199, "USD"), "$1.99"),
        (Money(123456, "JPY"), "¥123,456"),
        (Money(123456, "CHF"), "1,234.56 CHF"),
        (Money(-123456, "CHF"), "-1,234.56 CHF"),
        (Money(1234, "BHD"), "1.234 BHD"),
    ],
)
def test_formats_with_symbol_or_code_thousands_separators_and_sign_first(
    money: Money, text: str
) -> None:
    assert money.format() == text
    assert str(money) == text


# -- parsing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("1,234.56", 123456),
        ("£12", 1200),
        ("-3.2", -320),
        ("-£3.20", -320),
        ("£-3.20", -320),
        ("\u22123.20", -320),  # a typographic minus sign
        ("+5", 500),
        (" 12.5 ", 1250),
        (".5", 50),
        ("0", 0),
        ("1234567.89", 123456789),
        ("12.00 GBP", 1200),
        ("GBP 12.00", 1200),
    ],
)
def test_parses_amounts_people_type(text: str, minor: int) -> None:
    assert Money.parse(text) == Money(minor, "GBP")


def test_parses_in_the_given_currency() -> None:
    assert Money.parse("1,234.56 CHF", "CHF") == Money(123456, "CHF")
    assert Money.parse("¥1,234", "JPY") == Money(1234, "JPY")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "abc",
        "£",
        "-",
        "1.",
        "12.345",  # more decimal places than pence
        "1,23",
        "12,34.56",
        "1234,567",
        "--3",
        "-£-3",
        "1e3",
        "1 000",
        "٣",  # non-ASCII digits
        "NaN",
        "12 gbp",
        "GBP 1 GBP",
        "9" * 40,
    ],
)
def test_parse_rejects_garbage_with_invalid_amount(text: str) -> None:
    with pytest.raises(InvalidAmount):
        Money.parse(text)


def test_parse_rejects_decimals_for_a_currency_without_minor_units() -> None:
    with pytest.raises(InvalidAmount):
        Money.parse("12.5", "JPY")


@pytest.mark.parametrize("text", ["€5", "5 EUR", "$5"])
def test_parse_refuses_an_amount_naming_another_currency(text: str) -> None:
    with pytest.raises(CurrencyMismatch):
        Money.parse(text, "GBP")
