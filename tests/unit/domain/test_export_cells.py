"""Cells of exported files: amounts in major units, and no formula a spreadsheet would run."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from potwise.domain.export_cells import major_decimal, major_units, safe_cell


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+2", "'=1+2"),
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+44 7700 900123", "'+44 7700 900123"),
        ("-ADJUSTMENT", "'-ADJUSTMENT"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("-12.34", "-12.34"),
        ("+5", "+5"),
        ("-0.05", "-0.05"),
        ("-1e5", "'-1e5"),
        ("-12.", "'-12."),
        ("Tesco", "Tesco"),
        ("", ""),
        ("a=b", "a=b"),
        ("'already", "'already"),
    ],
)
def test_formula_cells_get_an_apostrophe_and_numbers_stay_numbers(value: str, written: str) -> None:
    assert safe_cell(value) == written


@given(st.text())
def test_no_cell_written_starts_a_formula_unless_it_is_a_plain_number(value: str) -> None:
    written = safe_cell(value)
    assert written in (value, "'" + value)
    if written.startswith(("=", "+", "-", "@", "\t", "\r")):
        Decimal(written)  # only a plain number is left as it is


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [
        (-1234, "GBP", "-12.34"),
        (1234, "GBP", "12.34"),
        (5, "GBP", "0.05"),
        (-5, "GBP", "-0.05"),
        (0, "GBP", "0.00"),
        (250000, "GBP", "2500.00"),
        (-1500, "JPY", "-1500"),
        (123456789012, "GBP", "1234567890.12"),
    ],
)
def test_amounts_in_major_units_keep_their_sign(minor: int, currency: str, text: str) -> None:
    assert major_units(minor, currency) == text
    assert major_decimal(minor, currency) == Decimal(text)


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_major_units_are_exactly_the_pence(minor: int) -> None:
    assert major_decimal(minor, "GBP") * 100 == minor
