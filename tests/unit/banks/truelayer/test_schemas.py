"""Wire models: tolerant of the documented quirks, exact with money."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from potwise.banks.truelayer import schemas

from . import fixtures


def decode(text: str) -> dict:  # type: ignore[type-arg]
    return json.loads(text, parse_float=Decimal)  # type: ignore[no-any-return]


def transaction(**overrides: object) -> schemas.Transaction:
    row: dict[str, object] = {
        "transaction_id": "t1",
        "timestamp": "2025-03-02T00:00:00Z",
        "description": "X",
        "amount": Decimal("-1.00"),
        "currency": "GBP",
        "transaction_type": "DEBIT",
        "transaction_category": "PURCHASE",
        "transaction_classification": [],
    }
    row.update(overrides)
    return schemas.Transaction.model_validate(row)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2017-02-07T17:29:24.740802Z", datetime(2017, 2, 7, 17, 29, 24, 740802, tzinfo=UTC)),
        ("2017-10-12T06:47:22.4606763Z", datetime(2017, 10, 12, 6, 47, 22, 460676, tzinfo=UTC)),
        ("2018-03-06T00:00:00", datetime(2018, 3, 6, tzinfo=UTC)),  # no offset: UTC
        ("2018-01-16T00:00:00+00:00", datetime(2018, 1, 16, tzinfo=UTC)),
        ("2019-07-19T17:28:37.798+01:00", datetime(2019, 7, 19, 16, 28, 37, 798000, tzinfo=UTC)),
        ("2017-01-28", datetime(2017, 1, 28, tzinfo=UTC)),
        ("2017-02 - 07T17: 29:24Z", datetime(2017, 2, 7, 17, 29, 24, tzinfo=UTC)),
    ],
)
def test_timestamps_in_every_documented_shape_become_aware_utc(
    text: str, expected: datetime
) -> None:
    parsed = transaction(timestamp=text).timestamp
    assert parsed == expected
    assert parsed.utcoffset() is not None
    assert parsed.tzinfo is UTC


def test_a_broken_optional_timestamp_becomes_none_instead_of_failing() -> None:
    account = schemas.Account.model_validate(
        {"account_id": "a", "currency": "GBP", "update_timestamp": "2017-02-247T17:29:24Z"}
    )
    assert account.update_timestamp is None


def test_a_broken_transaction_timestamp_is_refused() -> None:
    with pytest.raises(ValidationError):
        transaction(timestamp="2017-02-247T17:29:24Z")


def test_calendar_dates_keep_the_date_written_whatever_the_offset() -> None:
    order = schemas.StandingOrder.model_validate(
        {
            "next_payment_date": "2025-03-28T00:00:00+01:00",
            "final_payment_date": "9999-12-31T00:00:00+00:00",
        }
    )
    assert order.next_payment_date == date(2025, 3, 28)
    assert order.final_payment_date == date(9999, 12, 31)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (Decimal("-23.47"), Decimal("-23.47")),
        (-6, Decimal(-6)),
        ("3279", Decimal(3279)),
        (0.1, Decimal("0.1")),  # a float, if one ever arrives, goes through str()
    ],
)
def test_amounts_are_exact_decimals_from_numbers_ints_strings_and_floats(
    raw: object, expected: Decimal
) -> None:
    assert transaction(amount=raw).amount == expected


@pytest.mark.parametrize("raw", [True, "abc", "NaN", None])
def test_required_amount_that_is_not_a_number_is_refused(raw: object) -> None:
    with pytest.raises(ValidationError):
        transaction(amount=raw)


def test_card_available_typed_as_string_in_the_openapi_is_accepted() -> None:
    card = schemas.CardBalance.model_validate(
        {"current": 20, "available": "3279.00", "credit_limit": 3300, "currency": "gbp"}
    )
    assert card.available == Decimal("3279.00")
    assert card.currency == "GBP"


def test_amex_balance_without_available_or_payment_due_is_valid() -> None:
    [raw] = decode(fixtures.AMEX_CARD_BALANCE)["results"]
    card = schemas.CardBalance.model_validate(raw)
    assert card.available is None
    assert card.payment_due is None
    assert card.payment_due_date is None
    assert card.last_statement_date == date(2025, 2, 19)


def test_unknown_fields_and_null_collections_are_tolerated() -> None:
    row = transaction(
        transaction_classification=None,
        meta=None,
        brand_new_field={"nested": True},
    )
    assert row.transaction_classification == []
    assert row.meta.transaction_type is None


def test_missing_or_null_description_is_empty_text() -> None:
    assert transaction(description=None).description == ""


def test_meta_keeps_known_and_unknown_provider_extras() -> None:
    row = transaction(
        meta={"cardNumber": "1234********5678", "transaction_type": "DEBIT", "location": "LONDON"}
    )
    assert row.meta.card_number == "1234********5678"
    assert row.meta.transaction_type == "DEBIT"
    assert row.meta.model_extra == {"location": "LONDON"}


def test_pending_rows_without_ids_or_running_balance_are_valid() -> None:
    [raw] = decode(fixtures.ACCOUNT_PENDING)["results"]
    row = schemas.Transaction.model_validate(raw)
    assert row.normalised_provider_transaction_id is None
    assert row.running_balance is None


def test_older_me_with_only_client_credentials_and_provider_is_valid() -> None:
    me = schemas.Me.model_validate(
        {"client_id": "c", "credentials_id": "x=", "provider": {"provider_id": "mock"}}
    )
    assert me.consent_expires_at is None
    assert me.scopes == []


def test_card_validity_is_kept_as_year_month_text() -> None:
    card = schemas.Card.model_validate(
        {"account_id": "c", "currency": "GBP", "valid_from": "2017-01", "valid_to": "2027-01"}
    )
    assert (card.valid_from, card.valid_to) == ("2017-01", "2027-01")


def test_token_response_may_lack_refresh_token_and_scope() -> None:
    token = schemas.TokenResponse.model_validate({"access_token": "a", "expires_in": 3600})
    assert token.refresh_token is None
    assert token.scope is None
    assert token.token_type == "Bearer"


def test_error_body_may_be_just_the_code() -> None:
    body = schemas.ErrorBody.model_validate({"error": "invalid_grant"})
    assert (body.error, body.error_description, body.error_details) == ("invalid_grant", None, None)
