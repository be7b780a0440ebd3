"""Merchant normalisation: one key however the bank spells the shop."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from potwise.domain.merchants import MAX_KEY_LENGTH, merchant_key, merchant_key_for


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("TESCO STORES 2345 LONDON", "tesco"),
        ("Tesco", "tesco"),
        ("TESCO EXTRA", "tesco"),
        ("tesco express", "tesco"),
        ("CARD PAYMENT TO TESCO STORES 2214", "tesco"),
        ("TESCO STORES 2214      LEEDS         GBR", "tesco"),
        ("CONTACTLESS PAYMENT TESCO METRO", "tesco"),
        ("AMZN Mktp UK*AB12CD", "amazon"),
        ("AMAZON.CO.UK*1A2B3C", "amazon"),
        ("Amazon Prime", "amazon prime"),
        ("AMAZON PRIME*RT4ZX", "amazon prime"),
        ("Sainsbury's", "sainsburys"),
        ("SAINSBURYS S/MKTS", "sainsburys"),
        ("Waitrose & Partners", "waitrose"),
        ("WAITROSE 212", "waitrose"),
        ("CO-OP GROUP 070573", "co-op"),
        ("NETFLIX.COM", "netflix"),
        ("SPOTIFY P1A2B3C4", "spotify"),
        ("UBER *TRIP", "uber"),
        ("Uber Eats", "uber eats"),
        ("JUST EAT.CO.UK LTD", "just eat"),
        ("Transport for London", "tfl"),
        ("TFL TRAVEL CH", "tfl"),
        ("DISHOOM MANCHESTER", "dishoom"),
        ("IKEA LTD LEEDS", "ikea"),
        ("ALDI 71 762", "aldi"),
        ("COSTA COFFEE 43010", "costa"),
        ("PIZZA EXPRESS 1123", "pizza express"),
        ("PizzaExpress", "pizza express"),
        ("ESSO TESCO ALLERTON", "esso"),
        ("Disney+", "disney plus"),
        ("SQ *THE COFFEE HOUSE", "the coffee house"),
        ("PAYPAL *EBAY", "ebay"),
        ("www.ebay.co.uk", "ebay"),
        ("OCTOPUS ENERGY", "octopus energy"),
        ("GREGGS PLC", "greggs"),
        ("WHSMITH LEEDS STN", "whsmith"),
    ],
)
def test_spellings_of_one_merchant_share_a_key(text: str, key: str) -> None:
    assert merchant_key(text) == key


def test_pizza_express_is_not_mistaken_for_a_tesco_express() -> None:
    assert merchant_key("PIZZA EXPRESS 1123") != merchant_key("TESCO EXPRESS")


def test_empty_text_has_no_key() -> None:
    assert merchant_key(None) is None
    assert merchant_key("   ") is None


def test_a_store_number_first_is_kept_rather_than_emptied() -> None:
    assert merchant_key("7-ELEVEN 123") == "7 eleven"
    assert merchant_key("1234") == "1234"


def test_transaction_key_prefers_merchant_then_counterparty_then_description() -> None:
    assert merchant_key_for("Tesco", "X", "TESCO STORES 1") == "tesco"
    assert merchant_key_for(None, "OCTOPUS ENERGY", "OE12345") == "octopus energy"
    assert merchant_key_for(None, None, "NETFLIX.COM") == "netflix"
    assert merchant_key_for(None, None, "") is None


@given(st.text(max_size=300))
def test_any_text_gives_a_short_non_empty_key_or_none(text: str) -> None:
    key = merchant_key(text)
    if text.strip():
        assert key is not None and 0 < len(key) <= MAX_KEY_LENGTH
        assert key == merchant_key(text)
    else:
        assert key is None
