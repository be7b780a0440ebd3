"""The sign convention: amounts are seen from the user's point of view."""

from __future__ import annotations

import pytest
from hypothesis import given

from potwise.domain.money import Money
from potwise.domain.signs import (
    Direction,
    direction_of,
    from_issuer_view,
    owed_from_balance,
    signed,
)

from .strategies import minor_units, moneys


def test_money_leaving_is_out_and_money_arriving_is_in() -> None:
    assert direction_of(-320) is Direction.OUT  # a £3.20 coffee
    assert direction_of(250000) is Direction.IN  # salary
    assert direction_of(Money(-1, "GBP")) is Direction.OUT


def test_a_zero_value_transaction_has_no_direction() -> None:
    assert direction_of(0) is None
    assert direction_of(Money.zero("GBP")) is None


def test_direction_refuses_floats_and_bools() -> None:
    with pytest.raises(TypeError):
        direction_of(-3.2)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        direction_of(True)


def test_an_unsigned_debit_becomes_negative_and_a_credit_stays_positive() -> None:
    assert signed(320, Direction.OUT) == -320
    assert signed(320, Direction.IN) == 320
    assert signed(Money(320, "GBP"), Direction.OUT) == Money(-320, "GBP")


def test_signed_refuses_a_negative_magnitude_rather_than_guess() -> None:
    with pytest.raises(ValueError):
        signed(-320, Direction.OUT)


def test_card_debt_reported_positive_by_the_issuer_is_negative_for_the_user() -> None:
    assert from_issuer_view(12000) == -12000
    assert from_issuer_view(Money(12000, "GBP")) == Money(-12000, "GBP")


def test_a_card_in_credit_reported_negative_by_the_issuer_is_positive_for_the_user() -> None:
    assert from_issuer_view(-500) == 500


def test_owed_on_a_card_is_the_debt_as_a_non_negative_amount() -> None:
    assert owed_from_balance(-12000) == 12000
    assert owed_from_balance(Money(-12000, "GBP")) == Money(12000, "GBP")


def test_nothing_is_owed_on_a_card_that_is_clear_or_in_credit() -> None:
    assert owed_from_balance(0) == 0
    assert owed_from_balance(500) == 0
    assert owed_from_balance(Money(500, "EUR")) == Money(0, "EUR")


@given(minor_units)
def test_issuer_view_conversion_is_its_own_inverse(amount: int) -> None:
    assert from_issuer_view(from_issuer_view(amount)) == amount


@given(moneys())
def test_owed_is_never_negative_and_is_the_issuer_view_when_in_debt(balance: Money) -> None:
    owed = owed_from_balance(balance)
    assert not owed.is_negative()
    if balance.is_negative():
        assert owed == from_issuer_view(balance)
    else:
        assert owed.is_zero()


@given(minor_units)
def test_signed_of_magnitude_and_direction_reconstructs_the_amount(amount: int) -> None:
    direction = direction_of(amount)
    if direction is None:
        assert amount == 0
    else:
        assert signed(abs(amount), direction) == amount
