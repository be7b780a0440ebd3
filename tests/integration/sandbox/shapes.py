"""Pydantic models of the documented response shapes, written from the reference documents.

They belong to these tests only (the product's clients keep their own). Fields the
reference marks "always" are required; "optional"/"usually" fields are optional.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator

MONZO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$")


def monzo_timestamp(value: str) -> str:
    assert MONZO_TIME.match(value), value
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class Owner(Strict):
    user_id: str
    preferred_name: str
    preferred_first_name: str


class MonzoAccount(Strict):
    id: str
    description: str
    created: str
    closed: bool
    type: str
    currency: str
    country_code: str
    owners: list[Owner]
    account_number: str | None = None
    sort_code: str | None = None
    payment_details: dict[str, dict[str, str]] | None = None

    _t = field_validator("created")(monzo_timestamp)


class MonzoBalance(Strict):
    balance: int
    total_balance: int
    currency: str
    spend_today: int
    balance_including_flexible_savings: int | None = None
    local_currency: str | None = None
    local_exchange_rate: int | float | None = None
    local_spend: list[dict[str, Any]] | None = None


class MonzoPot(Strict):
    id: str
    name: str
    style: str
    balance: int
    currency: str
    created: str
    updated: str
    deleted: bool
    type: str
    current_account_id: str
    goal_amount: int | None = None

    _t = field_validator("created", "updated")(monzo_timestamp)


class MerchantAddress(Strict):
    address: str
    city: str
    region: str
    country: str
    postcode: str
    latitude: float
    longitude: float


class Merchant(Strict):
    id: str
    group_id: str
    name: str
    logo: str
    emoji: str
    category: str
    address: MerchantAddress


class MonzoTransaction(Strict):
    id: str
    created: str
    description: str
    amount: int
    currency: str
    merchant: str | Merchant | None
    notes: str
    metadata: dict[str, str]
    is_load: bool
    settled: str
    category: str
    decline_reason: str | None = None
    account_id: str
    counterparty: dict[str, Any]
    scheme: str
    dedupe_id: str
    include_in_spending: bool

    _t = field_validator("created")(monzo_timestamp)

    @field_validator("settled")
    @classmethod
    def settled_is_time_or_empty(cls, value: str) -> str:
        return value if value == "" else monzo_timestamp(value)


class TLProvider(Strict):
    provider_id: str
    display_name: str | None = None
    logo_uri: str | None = None


class TLMe(Strict):
    client_id: str
    credentials_id: str
    consent_status: str
    consent_created_at: datetime
    consent_expires_at: datetime
    provider: TLProvider
    scopes: list[str]


class TLAccountNumber(Strict):
    number: str | None = None
    sort_code: str | None = None
    iban: str | None = None
    swift_bic: str | None = None


class TLAccount(Strict):
    account_id: str
    account_type: str
    display_name: str
    currency: str
    account_number: TLAccountNumber
    provider: TLProvider
    update_timestamp: datetime


class TLAccountBalance(Strict):
    currency: str
    current: Decimal
    available: Decimal | None = None
    overdraft: Decimal | None = None
    update_timestamp: datetime | None = None


class TLCard(Strict):
    account_id: str
    card_network: str
    card_type: str
    currency: str
    display_name: str
    partial_card_number: str
    name_on_card: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None
    update_timestamp: datetime
    provider: TLProvider


class TLCardBalance(Strict):
    current: Decimal
    currency: str
    available: Decimal | None = None
    credit_limit: Decimal | None = None
    last_statement_balance: Decimal | None = None
    last_statement_date: str | None = None
    payment_due: Decimal | None = None
    payment_due_date: str | None = None
    update_timestamp: datetime | None = None


class TLRunningBalance(Strict):
    amount: Decimal
    currency: str


class TLTransaction(Strict):
    transaction_id: str
    normalised_provider_transaction_id: str | None = None
    provider_transaction_id: str | None = None
    timestamp: datetime
    description: str
    amount: Decimal
    currency: str
    transaction_type: Literal["DEBIT", "CREDIT"]
    transaction_category: str
    transaction_classification: list[str]
    merchant_name: str | None = None
    running_balance: TLRunningBalance | None = None
    meta: dict[str, str] | None = None


class TLStandingOrder(Strict):
    frequency: str
    status: str
    timestamp: datetime
    currency: str
    next_payment_date: datetime | None = None
    next_payment_amount: Decimal | None = None
    payee: str | None = None
    reference: str | None = None


class TLDirectDebit(Strict):
    direct_debit_id: str
    timestamp: datetime
    name: str
    status: str
    currency: str
    previous_payment_timestamp: datetime | None = None
    previous_payment_amount: Decimal | None = None


class TLError(Strict):
    error: str
    error_description: str | None = None
    error_details: dict[str, Any] | None = None


class MonzoErrorBody(Strict):
    code: str
    message: str


def results(body: dict[str, Any], model: type[BaseModel]) -> list[Any]:
    assert body["status"] == "Succeeded"
    assert isinstance(body["results"], list)
    return [model.model_validate(item, strict=False) for item in body["results"]]
