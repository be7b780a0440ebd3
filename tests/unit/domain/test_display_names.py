"""One name per merchant, per bill and per provider, whichever way a bank spelled it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from potwise.domain.merchants import (
    bill_name,
    display_name,
    merchant_key,
    merchant_name,
    pot_move_name,
)
from potwise.domain.mirror import is_date_only
from potwise.domain.providers import provider_name


@pytest.mark.parametrize(
    ("spellings", "name"),
    [
        (("SPOTIFY P1A2B3C4 LONDON", "Spotify", "spotify"), "Spotify"),
        (
            ("NATIONWIDE BUILDING SOCIETY", "nationwide building society"),
            "Nationwide Building Society",
        ),
        (("TFL TRAVEL CH LONDON GBR", "Transport for London"), "Transport for London"),
        (("AMAZON PRIME*RT4ZX LONDON", "Amazon Prime"), "Amazon Prime"),
        (("LIDL GB LEEDS LEEDS GBR", "Lidl"), "Lidl"),
        (("SAINSBURY'S S/MKTS", "Sainsburys"), "Sainsbury's"),
        (("WHSMITH LEEDS STN LEEDS", "WHSmith"), "WHSmith"),
        (("BRIGHTWATER NHS TRUST", "brightwater nhs trust"), "Brightwater NHS Trust"),
    ],
)
def test_every_spelling_of_a_merchant_gets_one_name(spellings: tuple[str, ...], name: str) -> None:
    assert {display_name(None, None, text) for text in spellings} == {name}
    assert {display_name(text, None, "CARD PAYMENT") for text in spellings} == {name}


def test_a_name_never_mixes_case_styles() -> None:
    for key in ("nationwide building society", "leeds city council", "puregym", "m&s"):
        name = merchant_name(key)
        assert name != key.lower() or not any(ch.isalpha() for ch in key)
        assert name[0].isupper()
    assert merchant_name("bank of england") == "Bank of England"
    assert merchant_name(None) == "Unknown merchant"


def test_a_bill_is_called_by_its_payee_unless_the_user_named_it() -> None:
    assert bill_name("spotify", "SPOTIFY P1A2B3C4 LONDON") == "Spotify"
    assert bill_name("daniel evans", "TOP UP MONZO") == "Daniel Evans"
    assert bill_name("spotify", "Family music") == "Family music"  # a rename is kept
    assert bill_name("Council tax", "Council tax", typed=True) == "Council tax"
    assert bill_name("RENT", "RENT", typed=True) == "RENT"


def test_a_pot_move_names_its_pot_or_says_a_pot() -> None:
    assert pot_move_name("Bills", -12000) == "Into your Bills pot"
    assert pot_move_name("Bills", 12000) == "Out of your Bills pot"
    assert pot_move_name(None, -500) == "Into a pot"
    assert pot_move_name(None, 500) == "Out of a pot"


@pytest.mark.parametrize(
    ("provider", "provider_id", "own", "name"),
    [
        ("monzo", None, "Monzo", "Monzo"),
        ("truelayer", "ob-amex", "AMEX", "American Express"),
        ("truelayer", "uk-ob-barclaycard", "BARCLAYCARD", "Barclaycard"),
        ("truelayer", None, "AMEX", "American Express"),
        ("truelayer", None, "BARCLAYCARD", "Barclaycard"),
        ("truelayer", "ob-unknown", "Starling Bank", "Starling Bank"),
        ("truelayer", "ob-unknown", "", "Open Banking"),
        ("ob-amex", "ob-amex", None, "American Express"),
    ],
)
def test_a_provider_has_one_name(
    provider: str, provider_id: str | None, own: str | None, name: str
) -> None:
    assert provider_name(provider, provider_id, own) == name


def test_a_midnight_timestamp_is_a_date_without_a_time() -> None:
    assert is_date_only(datetime(2026, 11, 27, tzinfo=UTC))
    assert not is_date_only(datetime(2026, 11, 27, 0, 0, 1, tzinfo=UTC))
    assert not is_date_only(datetime(2026, 11, 27, 14, 5, tzinfo=UTC))
    # Midnight somewhere else is a moment in UTC, not a date.
    assert not is_date_only(datetime(2026, 7, 1, tzinfo=timezone(timedelta(hours=1))))


def test_merchant_keys_of_names_are_stable() -> None:
    for text in ("Spotify", "Transport for London", "Amazon Prime", "Sainsbury's"):
        assert merchant_name(merchant_key(display_name(None, None, text))) == display_name(
            None, None, text
        )
