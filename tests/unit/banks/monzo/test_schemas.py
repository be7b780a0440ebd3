"""Monzo's JSON quirks as the schemas read them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from potwise.banks.monzo import schemas
from tests.unit.banks.monzo import payloads


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015-08-22T12:20:18Z", datetime(2015, 8, 22, 12, 20, 18, tzinfo=UTC)),
        ("2022-08-31T08:42:02.15Z", datetime(2022, 8, 31, 8, 42, 2, 150000, tzinfo=UTC)),
        ("2017-11-09T12:30:53.695Z", datetime(2017, 11, 9, 12, 30, 53, 695000, tzinfo=UTC)),
        ("2017-11-09T12:30:53.6Z", datetime(2017, 11, 9, 12, 30, 53, 600000, tzinfo=UTC)),
        ("2017-11-09T12:30:53.123456Z", datetime(2017, 11, 9, 12, 30, 53, 123456, tzinfo=UTC)),
        # 9 digits: truncated to microseconds, never rounded into the next second.
        ("2017-11-09T12:30:59.999999999Z", datetime(2017, 11, 9, 12, 30, 59, 999999, tzinfo=UTC)),
        # No zone at all: Monzo's times are UTC.
        ("2017-11-09T12:30:53", datetime(2017, 11, 9, 12, 30, 53, tzinfo=UTC)),
        ("2017-11-09T12:30:53.5", datetime(2017, 11, 9, 12, 30, 53, 500000, tzinfo=UTC)),
        # An explicit offset is honoured and converted.
        ("2017-11-09T13:30:53+01:00", datetime(2017, 11, 9, 12, 30, 53, tzinfo=UTC)),
        ("2017-11-09T12:30:53.1-0130", datetime(2017, 11, 9, 14, 0, 53, 100000, tzinfo=UTC)),
    ],
)
def test_timestamps_of_any_precision_and_zone_become_aware_utc(
    text: str, expected: datetime
) -> None:
    parsed = schemas.parse_timestamp(text)
    assert parsed == expected
    assert parsed.tzinfo is UTC


@given(
    # Naive: the zone is written into the text below.
    moment=st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31)),  # noqa: DTZ001
    digits=st.integers(min_value=0, max_value=9),
    separator=st.sampled_from(["T", "t", " "]),
    zone=st.sampled_from(["Z", "z", "+00:00", "-0130", ""]),
)
def test_the_quick_reading_agrees_with_the_general_one(
    moment: datetime, digits: int, separator: str, zone: str
) -> None:
    fraction = f"{moment.microsecond:06d}{moment.microsecond % 1000:03d}"[:digits]
    text = moment.strftime(f"%Y-%m-%d{separator}%H:%M:%S") + (f".{fraction}" if digits else "")
    text += zone
    try:
        general = schemas._parse_general(text)
    except (ValueError, OverflowError):
        return  # out of range once the offset is applied; both refuse
    parsed = schemas.parse_timestamp(text)
    assert parsed == general
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "text", ["", "yesterday", "2017-11-09", "2017-11-09T12:30:53.1234567890Z", "12:30:53Z"]
)
def test_garbage_timestamps_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        schemas.parse_timestamp(text)


def test_empty_settled_means_not_settled() -> None:
    tx = schemas.Transaction.model_validate(payloads.card_payment(settled=""))
    assert tx.settled is None


def test_null_or_absent_settled_is_read_like_empty() -> None:
    assert schemas.Transaction.model_validate(payloads.card_payment(settled=None)).settled is None
    body = payloads.card_payment()
    del body["settled"]
    assert schemas.Transaction.model_validate(body).settled is None


def test_unknown_fields_are_ignored_everywhere() -> None:
    tx = schemas.Transaction.model_validate(
        payloads.card_payment(brand_new_field={"x": 1}, virtual_card={"id": "vc_1"})
    )
    assert tx.id == "tx_0000D7fGhJ2kL4mN6pQ8rS"
    pot = schemas.Pot.model_validate(payloads.card_pot(charity_id="charity_1", shiny=True))
    assert pot.balance == 42617


def test_a_transaction_needs_only_the_documented_core() -> None:
    tx = schemas.Transaction.model_validate(
        {"id": "tx_1", "created": "2026-01-01T00:00:00Z", "amount": -1, "currency": "GBP"}
    )
    assert (tx.merchant, tx.counterparty, tx.category, tx.decline_reason) == (
        None,
        None,
        None,
        None,
    )
    assert tx.metadata == {}


def test_merchant_is_an_id_an_object_or_null() -> None:
    as_id = schemas.Transaction.model_validate(payloads.trimmed_list_item(1))
    assert as_id.merchant == "merch_0000000000000000000001"
    expanded = schemas.Transaction.model_validate(payloads.card_payment())
    assert isinstance(expanded.merchant, schemas.Merchant)
    assert expanded.merchant.address is not None
    assert expanded.merchant.address.country == "GBR"
    assert schemas.Transaction.model_validate(payloads.salary()).merchant is None


@pytest.mark.parametrize("amount", [-4.65, "-465", None])
def test_money_must_be_an_integer_of_pence(amount: object) -> None:
    with pytest.raises(ValidationError):
        schemas.Transaction.model_validate(payloads.card_payment(amount=amount))


def test_goal_amount_is_optional_on_pots() -> None:
    assert schemas.Pot.model_validate(payloads.card_pot()).goal_amount is None
    assert schemas.Pot.model_validate(payloads.deleted_pot()).goal_amount == 150000


def test_error_bodies_parse_in_both_shapes() -> None:
    api = schemas.ErrorBody.model_validate(payloads.error("forbidden.insufficient_permissions"))
    assert api.code == "forbidden.insufficient_permissions"
    oauth = schemas.ErrorBody.model_validate(
        {"error": "invalid_token", "error_description": "expired"}
    )
    assert oauth.error == "invalid_token"
