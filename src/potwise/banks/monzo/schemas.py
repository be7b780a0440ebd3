"""Pydantic models of Monzo's JSON, as the offline reference documents it.

Wire shapes only: `mapping.py` turns them into domain types. The models are
tolerant on purpose (the reference's "never require undocumented fields"):

- unknown fields are ignored, so new fields Monzo adds never break a sync;
- only what potwise cannot work without is required (ids, amounts,
  currencies, `created`); everything "always in practice" but undocumented
  is optional;
- enums (account types, categories, schemes, decline reasons, pot types)
  are plain strings, because Monzo adds values without notice;
- money is a *strict* int: a float or a string where pence should be means
  we misunderstood the payload, and guessing would corrupt money;
- timestamps accept 0-9 fractional digits, `Z`, an offset or no zone at all
  (naive is read as UTC, which is what Monzo means); see `parse_timestamp`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt

_TIMESTAMP = re.compile(
    r"""
    \A(?P<date>\d{4}-\d{2}-\d{2})[Tt ]
    (?P<time>\d{2}:\d{2}:\d{2})
    (?:[.,](?P<frac>\d{1,9}))?
    (?P<zone>[Zz]|[+-]\d{2}:?\d{2})?\Z
    """,
    re.VERBOSE | re.ASCII,
)


def parse_timestamp(value: object) -> datetime:
    """An aware UTC datetime from one of Monzo's RFC 3339 strings.

    Fractions beyond microseconds (up to 9 digits) are truncated, never
    rounded, so a time never moves into the next second. A string without a
    zone is taken as UTC (the reference: Monzo's times are UTC).
    """
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if not isinstance(value, str):
        raise ValueError("a timestamp must be a string")  # pydantic wants ValueError
    if _plain_utc(value):
        # Monzo's usual shape ("2026-11-23T09:30:00.123Z"): read directly; the
        # general reading below gives the same datetime (a test holds them to it).
        return datetime.fromisoformat(value)
    return _parse_general(value)


def _plain_utc(value: str) -> bool:
    """``YYYY-MM-DDTHH:MM:SS``, then up to six fraction digits after a dot, then ``Z``."""
    size = len(value)
    return (
        (size == 20 or 22 <= size <= 27)
        and value[-1] == "Z"
        and value[10] == "T"
        and value.isascii()
        and value[4] == value[7] == "-"
        and value[13] == value[16] == ":"
        and (size == 20 or (value[19] == "." and value[20:-1].isdigit()))
        and (
            value[:4] + value[5:7] + value[8:10] + value[11:13] + value[14:16] + value[17:19]
        ).isdigit()
    )


def _parse_general(value: str) -> datetime:
    match = _TIMESTAMP.match(value.strip())
    if match is None:
        raise ValueError("not an RFC 3339 timestamp")
    micros = (match["frac"] or "0")[:6].ljust(6, "0")
    naive = datetime.fromisoformat(f"{match['date']}T{match['time']}.{micros}")
    zone = match["zone"]
    if zone is None or zone in "Zz":
        return naive.replace(tzinfo=UTC)
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return (naive - sign * offset).replace(tzinfo=UTC)


def _optional_timestamp(value: object) -> datetime | None:
    # `settled` is "" (not null, not absent) while a transaction is only
    # authorised; null and absent are accepted too and mean the same.
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_timestamp(value)


def _none_as_empty(value: object) -> object:
    return {} if value is None else value


Timestamp = Annotated[datetime, BeforeValidator(parse_timestamp)]
OptionalTimestamp = Annotated[datetime | None, BeforeValidator(_optional_timestamp)]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


# -- errors -------------------------------------------------------------------


class ErrorBody(_Wire):
    """An error answer: `code`/`message` from the API, `error`/`error_description`
    from OAuth endpoints (both shapes are parsed, either may be missing)."""

    code: str | None = None
    message: str | None = None
    error: str | None = None
    error_description: str | None = None


# -- OAuth ----------------------------------------------------------------------


class TokenResponse(_Wire):
    access_token: str = Field(min_length=1)
    # Always present per the docs; tolerated when missing (see oauth.py).
    expires_in: StrictInt | None = None
    # Confidential clients only.
    refresh_token: str | None = None
    token_type: str = "Bearer"  # noqa: S105 - a scheme name
    client_id: str | None = None
    user_id: str | None = None


class WhoAmI(_Wire):
    authenticated: bool
    client_id: str | None = None
    user_id: str | None = None


# -- accounts and balance -------------------------------------------------------


class Owner(_Wire):
    user_id: str | None = None
    preferred_name: str | None = None
    preferred_first_name: str | None = None


class Account(_Wire):
    id: str = Field(min_length=1)
    closed: bool = False
    created: OptionalTimestamp = None
    # Free text, not a display name ("user_…", "Joint account between …").
    description: str = ""
    type: str | None = None
    currency: str | None = None
    country_code: str | None = None
    owners: list[Owner] = Field(default_factory=list)
    account_number: str | None = None
    sort_code: str | None = None


class AccountList(_Wire):
    accounts: list[Account]


class Balance(_Wire):
    balance: StrictInt
    currency: str = Field(min_length=1)
    total_balance: StrictInt | None = None
    balance_including_flexible_savings: StrictInt | None = None
    # Documented as "amount spent"; real values are <= 0.
    spend_today: StrictInt | None = None
    local_currency: str | None = None


# -- pots -----------------------------------------------------------------------


class Pot(_Wire):
    id: str = Field(min_length=1)
    name: str = ""
    style: str | None = None
    balance: StrictInt
    currency: str = Field(min_length=1)
    created: OptionalTimestamp = None
    updated: OptionalTimestamp = None
    deleted: bool = False
    type: str | None = None
    # Absent from the deposit/withdraw answers (8 core fields only).
    current_account_id: str | None = None
    goal_amount: StrictInt | None = None
    locked: bool | None = None
    locked_until: OptionalTimestamp = None


class PotList(_Wire):
    pots: list[Pot]


# -- transactions ---------------------------------------------------------------


class MerchantAddress(_Wire):
    address: str | None = None
    city: str | None = None
    region: str | None = None
    # 3 letters in real data (GBR, GLO), 2 in the docs: kept as given.
    country: str | None = None
    postcode: str | None = None


class Merchant(_Wire):
    id: str | None = None
    group_id: str | None = None
    name: str | None = None
    logo: str | None = None
    emoji: str | None = None
    category: str | None = None
    online: bool | None = None
    atm: bool | None = None
    address: MerchantAddress | None = None
    created: OptionalTimestamp = None
    updated: OptionalTimestamp = None


class Counterparty(_Wire):
    # `{}` for card payments and pot moves: every field optional.
    name: str | None = None
    preferred_name: str | None = None
    account_number: str | None = None
    sort_code: str | None = None
    account_id: str | None = None
    user_id: str | None = None


class Transaction(_Wire):
    id: str = Field(min_length=1)
    created: Timestamp
    amount: StrictInt
    currency: str = Field(min_length=1)
    description: str = ""
    # An id without `expand[]=merchant`, an object with it, null for
    # transfers, pot moves, top-ups and interest.
    merchant: Merchant | str | None = None
    notes: str | None = None
    # Documented as string -> string; values kept as given, null read as {}.
    metadata: Annotated[dict[str, Any], BeforeValidator(_none_as_empty)] = Field(
        default_factory=dict
    )
    is_load: bool | None = None
    settled: OptionalTimestamp = None
    category: str | None = None
    # Present only on declined transactions.
    decline_reason: str | None = None
    account_id: str | None = None
    updated: OptionalTimestamp = None
    local_amount: StrictInt | None = None
    local_currency: str | None = None
    counterparty: Counterparty | None = None
    scheme: str | None = None
    dedupe_id: str | None = None
    include_in_spending: bool | None = None
    amount_is_pending: bool | None = None


class TransactionList(_Wire):
    transactions: list[Transaction]


class TransactionEnvelope(_Wire):
    transaction: Transaction


# -- webhooks -------------------------------------------------------------------


class Webhook(_Wire):
    id: str = Field(min_length=1)
    account_id: str
    url: str


class WebhookEnvelope(_Wire):
    webhook: Webhook


class WebhookList(_Wire):
    webhooks: list[Webhook]


class WebhookEvent(_Wire):
    """A delivery: `{"type": "transaction.created", "data": Transaction}`."""

    type: str
    data: Transaction
