"""A card's last statement and payment due, from TrueLayer's card balance to our terms."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

from potwise.banks.truelayer import mapping, schemas

from . import fixtures

SEEN = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)


def only(text: str) -> schemas.CardBalance:
    [raw] = json.loads(text, parse_float=Decimal)["results"]
    return schemas.CardBalance.model_validate(raw)


def test_statement_balance_is_debt_and_the_payment_due_a_positive_amount() -> None:
    balance = mapping.map_card_balance(
        "c", only(fixtures.CARD_BALANCE), provider_id="uk-ob-barclaycard", observed_at=SEEN
    )
    assert balance.statement_balance == -61108
    assert balance.statement_date == date(2025, 2, 19)
    assert balance.payment_due == 2500
    assert balance.payment_due_date == date(2025, 3, 16)
    assert balance.has_statement


def test_amex_reports_its_statement_but_no_payment_due() -> None:
    balance = mapping.map_card_balance(
        "c", only(fixtures.AMEX_CARD_BALANCE), provider_id="ob-amex", observed_at=SEEN
    )
    assert (balance.statement_balance, balance.statement_date) == (-61108, date(2025, 2, 19))
    assert balance.payment_due is None and balance.payment_due_date is None
    assert balance.has_statement


def test_a_card_without_statement_details_has_none() -> None:
    raw = schemas.CardBalance.model_validate({"currency": "GBP", "current": Decimal("10.00")})
    balance = mapping.map_card_balance("c", raw, observed_at=SEEN)
    assert balance.statement_balance is None and balance.payment_due is None
    assert not balance.has_statement


def test_a_bank_signed_card_keeps_its_statement_sign() -> None:
    raw = schemas.CardBalance.model_validate(
        {
            "currency": "GBP",
            "current": Decimal("-250.00"),
            "available": Decimal("-250.00"),
            "last_statement_balance": Decimal("-120.50"),
            "last_statement_date": "2025-02-28",
            "payment_due": Decimal("-40.00"),
            "payment_due_date": "2025-03-20",
        }
    )
    balance = mapping.map_card_balance("c", raw, observed_at=SEEN)
    assert (balance.statement_balance, balance.payment_due) == (-12050, 4000)


def test_a_card_in_credit_at_its_statement_owed_nothing_then() -> None:
    raw = schemas.CardBalance.model_validate(
        {
            "currency": "GBP",
            "current": Decimal("0"),
            "available": Decimal("1000"),
            "last_statement_balance": Decimal("-5.00"),
            "last_statement_date": "2025-02-28",
        }
    )
    assert mapping.map_card_balance("c", raw, observed_at=SEEN).statement_balance == 500
