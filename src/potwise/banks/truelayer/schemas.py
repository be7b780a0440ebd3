"""Pydantic models of TrueLayer's Data API v1 and auth-server JSON, as documented.

These are wire shapes, not domain types: amounts are `Decimal` in major units
and keep the provider's own signs (cards in the issuer's view). `mapping.py`
turns them into domain types. Every model ignores unknown fields and treats
everything the reference calls optional as optional.

Parsing rules taken from the reference:

- Numbers arrive as JSON numbers in major units, sometimes without a decimal
  point, and a few documented fields are typed as strings in the OpenAPI
  (card `available`, standing-order amounts): all are accepted and converted
  exactly (`Decimal(str(x))` for a float; callers should decode JSON with
  `parse_float=Decimal` so no float is ever made).
- Timestamps come in many ISO 8601 shapes (3, 6 or 7 fractional digits, `Z`,
  `+01:00`, no offset at all, date only). A timestamp without an offset is
  taken as UTC, as the reference says; everything is converted to aware UTC.
- An unparsable *optional* timestamp (`update_timestamp` and friends; the
  documentation's own examples contain broken ones) becomes None rather than
  failing the whole response. A transaction's `timestamp` is required: a
  broken one fails validation.
- Calendar dates (`last_statement_date`, `payment_due_date`, standing-order
  dates) are kept as the date written, never shifted by a time-zone
  conversion.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

__all__ = [
    "Account",
    "AccountBalance",
    "AccountNumber",
    "Card",
    "CardBalance",
    "CardTransaction",
    "DirectDebit",
    "Envelope",
    "ErrorBody",
    "Info",
    "Me",
    "Provider",
    "RunningBalance",
    "StandingOrder",
    "TokenResponse",
    "Transaction",
    "TransactionMeta",
    "parse_timestamp",
]


# -- scalar parsers -----------------------------------------------------------


def _to_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("an amount cannot be a boolean")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        # Never Decimal(float): that would carry the binary expansion.
        result = Decimal(str(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError("not a decimal amount") from None
    else:
        raise ValueError(f"an amount cannot be a {type(value).__name__}")
    if not result.is_finite():
        raise ValueError("an amount must be finite")
    return result


def _to_decimal_or_none(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return _to_decimal(value)
    except ValueError:
        # An optional figure we cannot read is treated as not given.
        return None


_SPACES = re.compile(r"\s+")


def parse_timestamp(value: Any) -> datetime:
    """Parse one of TrueLayer's timestamp shapes into an aware UTC datetime.

    Raises ValueError when it cannot. No offset means UTC (reference §3.4).
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day, tzinfo=UTC)
    elif isinstance(value, str):
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            # The docs' examples even contain "2017-02 - 07T17: 29:24Z".
            parsed = datetime.fromisoformat(_SPACES.sub("", text))
    else:
        raise ValueError(f"a timestamp cannot be a {type(value).__name__}")
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _timestamp_or_none(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        return parse_timestamp(value)
    except (ValueError, OverflowError):
        return None


def _date_or_none(value: Any) -> date | None:
    """The calendar date as written: `2025-03-16`, or the date part of a timestamp."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            return None
    return None


def _currency(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _list_or_empty(value: Any) -> Any:
    return [] if value is None else value


def _dict_or_empty(value: Any) -> Any:
    return {} if value is None else value


def _text_or_empty(value: Any) -> Any:
    return "" if value is None else value


Amount = Annotated[Decimal, BeforeValidator(_to_decimal)]
OptionalAmount = Annotated[Decimal | None, BeforeValidator(_to_decimal_or_none)]
Timestamp = Annotated[datetime, BeforeValidator(parse_timestamp)]
OptionalTimestamp = Annotated[datetime | None, BeforeValidator(_timestamp_or_none)]
OptionalDate = Annotated[date | None, BeforeValidator(_date_or_none)]
Currency = Annotated[str, BeforeValidator(_currency)]
StrList = Annotated[list[str], BeforeValidator(_list_or_empty)]
Text = Annotated[str, BeforeValidator(_text_or_empty)]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


# -- envelope and errors ------------------------------------------------------


class Envelope(_Wire):
    """`{"results": [...], "status": "Succeeded"}`. `status` is often absent."""

    results: Annotated[list[Any], BeforeValidator(_list_or_empty)] = Field(default_factory=list)
    status: str | None = None


class ErrorBody(_Wire):
    """`{"error", "error_description", "error_details"}`; only `error` is usual."""

    error: str | None = None
    error_description: str | None = None
    error_details: Any = None


# -- connection metadata ------------------------------------------------------


class Provider(_Wire):
    provider_id: str | None = None
    display_name: str | None = None
    logo_uri: str | None = None


class Me(_Wire):
    """`GET /me`. Older responses carry only client_id, credentials_id, provider."""

    client_id: str | None = None
    credentials_id: str | None = None
    consent_status: str | None = None
    consent_status_updated_at: OptionalTimestamp = None
    consent_created_at: OptionalTimestamp = None
    consent_expires_at: OptionalTimestamp = None
    provider: Provider | None = None
    scopes: StrList = Field(default_factory=list)
    privacy_policy: str | None = None


class Info(_Wire):
    """`GET /info`: the account holder's identity."""

    full_name: str | None = None
    update_timestamp: OptionalTimestamp = None
    emails: StrList = Field(default_factory=list)
    phones: StrList = Field(default_factory=list)


# -- accounts -----------------------------------------------------------------


class AccountNumber(_Wire):
    number: str | None = None
    sort_code: str | None = None
    iban: str | None = None
    swift_bic: str | None = None
    routing_number: str | None = None
    bsb: str | None = None


class Account(_Wire):
    account_id: str
    account_type: str | None = None
    display_name: str | None = None
    currency: Currency
    account_number: AccountNumber | None = None
    provider: Provider | None = None
    update_timestamp: OptionalTimestamp = None
    description: str | None = None


class AccountBalance(_Wire):
    """Bank-account balance: positive = funds, negative `current` = overdrawn."""

    currency: Currency
    current: Amount
    available: OptionalAmount = None
    overdraft: OptionalAmount = None
    update_timestamp: OptionalTimestamp = None


# -- transactions -------------------------------------------------------------


class RunningBalance(_Wire):
    amount: OptionalAmount = None
    currency: Currency | None = None


class TransactionMeta(BaseModel):
    """Provider extras. Unknown keys are kept (reachable via `model_extra`)."""

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)

    provider_transaction_category: str | None = None
    provider_reference: str | None = None
    provider_merchant_name: str | None = None
    provider_category: str | None = None
    counter_party_preferred_name: str | None = None
    # Amex puts DEBIT/CREDIT here too.
    transaction_type: str | None = None
    card_number: str | None = Field(default=None, alias="cardNumber")
    supplementary_card_id: str | None = None


class Transaction(_Wire):
    """A settled or pending transaction. Signs are the provider's (see mapping)."""

    transaction_id: str
    normalised_provider_transaction_id: str | None = None
    provider_transaction_id: str | None = None
    timestamp: Timestamp
    description: Text = ""
    amount: Amount
    currency: Currency
    transaction_type: str | None = None
    transaction_category: str | None = None
    transaction_classification: StrList = Field(default_factory=list)
    merchant_name: str | None = None
    running_balance: RunningBalance | None = None
    meta: Annotated[TransactionMeta, BeforeValidator(_dict_or_empty)] = Field(
        default_factory=TransactionMeta
    )


class CardTransaction(Transaction):
    """Card transactions share the account shape; their signs are the issuer's."""


# -- standing orders and direct debits ---------------------------------------


class StandingOrderMeta(_Wire):
    provider_account_id: str | None = None


class StandingOrder(_Wire):
    """No id is documented; `mapping` derives a stable one. Amounts are positive."""

    frequency: str | None = None
    status: str | None = None
    timestamp: OptionalTimestamp = None
    currency: Currency = "GBP"
    meta: Annotated[StandingOrderMeta, BeforeValidator(_dict_or_empty)] = Field(
        default_factory=StandingOrderMeta
    )
    next_payment_date: OptionalDate = None
    next_payment_amount: OptionalAmount = None
    first_payment_date: OptionalDate = None
    first_payment_amount: OptionalAmount = None
    # Open-ended orders show 9999-12-31: kept as a date, never added to.
    final_payment_date: OptionalDate = None
    final_payment_amount: OptionalAmount = None
    previous_payment_timestamp: OptionalTimestamp = None
    previous_payment_amount: OptionalAmount = None
    payee: str | None = None
    reference: str | None = None


class DirectDebitMeta(_Wire):
    provider_mandate_identification: str | None = None
    provider_account_id: str | None = None
    provider_direct_debit_id: str | None = None


class DirectDebit(_Wire):
    """`direct_debit_id` may change between requests (reference §4.7)."""

    direct_debit_id: str | None = None
    timestamp: OptionalTimestamp = None
    name: str | None = None
    status: str | None = None
    previous_payment_timestamp: OptionalTimestamp = None
    previous_payment_amount: OptionalAmount = None
    currency: Currency = "GBP"
    meta: Annotated[DirectDebitMeta, BeforeValidator(_dict_or_empty)] = Field(
        default_factory=DirectDebitMeta
    )


# -- cards --------------------------------------------------------------------


class Card(_Wire):
    account_id: str
    card_network: str | None = None
    card_type: str | None = None
    currency: Currency
    display_name: str | None = None
    partial_card_number: str | None = None
    name_on_card: str | None = None
    # `YYYY-MM`: kept as text.
    valid_from: str | None = None
    valid_to: str | None = None
    update_timestamp: OptionalTimestamp = None
    provider: Provider | None = None


class CardBalance(_Wire):
    """Issuer's view: `current` positive = the user owes. Amex sends no `available`."""

    current: Amount
    currency: Currency
    available: OptionalAmount = None
    credit_limit: OptionalAmount = None
    last_statement_balance: OptionalAmount = None
    last_statement_date: OptionalDate = None
    payment_due: OptionalAmount = None
    payment_due_date: OptionalDate = None
    update_timestamp: OptionalTimestamp = None


# -- auth server --------------------------------------------------------------


class TokenResponse(_Wire):
    """`POST /connect/token`. `refresh_token` only with `offline_access`, and a
    refresh may omit it (keep the old one then)."""

    access_token: str
    expires_in: int
    token_type: str = "Bearer"  # noqa: S105 - a scheme name, not a secret
    refresh_token: str | None = None
    scope: str | None = None
