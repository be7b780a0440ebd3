"""The one place Monzo's JSON becomes potwise's domain types.

Signs: Monzo's own convention already is the user's view (a transaction is
negative when money leaves the account, positive when it arrives; an owned
balance is positive, an overdrawn one negative), so amounts pass through
unchanged, and this module is where that is decided.

Every function here takes parsed JSON (`Any`), validates it against
`schemas`, and raises `BadResponse` when the shape is wrong. Messages name
the field that was wrong, never its value.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from potwise.banks.errors import BadResponse
from potwise.banks.monzo import schemas
from potwise.banks.monzo.errors import PROVIDER
from potwise.domain.mirror import (
    AccountBalance,
    AccountKind,
    BankAccount,
    BankPot,
    BankTransaction,
    TransactionStatus,
)
from potwise.domain.money import MAX_MINOR_UNITS

M = TypeVar("M", bound=BaseModel)

#: The account types potwise mirrors, and what they are to us. Monzo has more
#: (`uk_business`, `uk_prepaid`, `uk_loan`, `uk_monzo_flex`, ...): those are
#: not current accounts and are left out.
ACCOUNT_KINDS: dict[str, AccountKind] = {
    "uk_retail": AccountKind.CURRENT,
    "uk_retail_joint": AccountKind.JOINT,
}

WEBHOOK_TRANSACTION_CREATED = "transaction.created"
POT_SCHEME = "uk_retail_pot"
# The developer API only serves UK (GBP) accounts; `currency` is "always in
# practice" but undocumented on accounts, so its absence is read as GBP.
_DEFAULT_CURRENCY = "GBP"


def validate(model: type[M], data: Any, *, what: str) -> M:
    """`data` as a `model`, or BadResponse naming the fields that were wrong."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields = sorted(
            {".".join(str(part) for part in err["loc"]) or "body" for err in exc.errors()}
        )
        shown = ", ".join(fields[:5]) + (", ..." if len(fields) > 5 else "")
        raise BadResponse(
            f"Monzo sent {what} that does not match its documented shape ({shown})",
            provider=PROVIDER,
        ) from None


def _location(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "body"


# -- accounts ---------------------------------------------------------------------


def _account_name(kind: AccountKind, owners: list[schemas.Owner]) -> str:
    # `description` is `user_…` or "Joint account between user_A and user_B":
    # not something to show. Names come from the owners' preferred names.
    if kind is AccountKind.JOINT:
        names = [o.preferred_first_name or o.preferred_name for o in owners]
        shown = [n for n in names if n]
        return f"Joint account ({' & '.join(shown)})" if shown else "Joint account"
    return "Current account"


def account(item: schemas.Account, *, requested_type: str | None = None) -> BankAccount | None:
    """A mirrored account, or None for a type potwise does not mirror.

    `requested_type` is the `account_type` filter the list was fetched with:
    it stands in for a missing `type` (undocumented, "always in practice").
    """
    provider_type = item.type or requested_type
    kind = ACCOUNT_KINDS.get(provider_type or "")
    if kind is None:
        return None
    number = (item.account_number or "").strip()
    return BankAccount(
        external_id=item.id,
        kind=kind,
        name=_account_name(kind, item.owners),
        currency=item.currency or _DEFAULT_CURRENCY,
        closed=item.closed,
        provider_type=provider_type,
        display_suffix=number[-4:] if number else None,
    )


def accounts_from_json(data: Any, *, requested_type: str | None = None) -> list[BankAccount]:
    """`GET /accounts`: current and joint accounts, closed ones flagged (not dropped)."""
    parsed = validate(schemas.AccountList, data, what="an account list")
    mapped = (account(item, requested_type=requested_type) for item in parsed.accounts)
    return [a for a in mapped if a is not None]


# -- balance ------------------------------------------------------------------------


def balance_from_json(data: Any, *, account_id: str, at: datetime) -> AccountBalance:
    """`GET /balance`. `balance` is what the app shows: it excludes pots (they
    are mirrored on their own) and already includes pending card payments, so
    it is also what is available to spend."""
    parsed = validate(schemas.Balance, data, what="a balance")
    return AccountBalance(
        external_id=account_id,
        balance=parsed.balance,
        currency=parsed.currency,
        at=at,
        available=parsed.balance,
    )


# -- pots -----------------------------------------------------------------------------


def pot(item: schemas.Pot, *, account_id: str) -> BankPot:
    """A pot; `account_id` stands in when the answer omits `current_account_id`
    (the deposit/withdraw answers carry only the core fields)."""
    return BankPot(
        external_id=item.id,
        account_external_id=item.current_account_id or account_id,
        name=item.name,
        balance=item.balance,
        currency=item.currency,
        deleted=item.deleted,
        goal=item.goal_amount,
    )


def pots_from_json(data: Any, *, account_id: str) -> list[BankPot]:
    """`GET /pots`: deleted pots are still listed by Monzo; kept, flagged."""
    parsed = validate(schemas.PotList, data, what="a pot list")
    return [pot(item, account_id=account_id) for item in parsed.pots]


def pot_from_json(data: Any, *, account_id: str) -> BankPot:
    """The pot object a deposit or withdrawal answers with."""
    return pot(validate(schemas.Pot, data, what="a pot"), account_id=account_id)


# -- transactions -----------------------------------------------------------------------


def _status(item: schemas.Transaction) -> TransactionStatus:
    if item.decline_reason:
        return TransactionStatus.DECLINED
    if item.settled is not None:
        return TransactionStatus.SETTLED
    return TransactionStatus.PENDING


def _merchant_name(item: schemas.Transaction) -> str | None:
    # Without `expand[]=merchant` only an id arrives: that is not a name.
    if isinstance(item.merchant, schemas.Merchant) and item.merchant.name:
        return item.merchant.name
    return None


def _counterparty_name(item: schemas.Transaction) -> str | None:
    party = item.counterparty
    if party is None:
        return None
    return party.name or party.preferred_name or None


def _pot_id(item: schemas.Transaction) -> str | None:
    # A pot move carries `metadata.pot_id`; its description is the pot id and
    # its scheme `uk_retail_pot`, which stand in if the metadata is missing.
    from_metadata = item.metadata.get("pot_id")
    if isinstance(from_metadata, str) and from_metadata:
        return from_metadata
    if item.scheme == POT_SCHEME and item.description.startswith("pot_"):
        return item.description.strip()
    return None


def transaction(item: schemas.Transaction, *, account_id: str | None = None) -> BankTransaction:
    """A transaction in the user's sign convention (Monzo's own: negative = out).

    Status: declined when `decline_reason` is present, settled when `settled`
    holds a time, pending otherwise (`settled: ""`). `account_id` stands in
    when the object has no `account_id` (it is undocumented).
    """
    owner = item.account_id or account_id
    if not owner:
        raise BadResponse("Monzo sent a transaction without an account id", provider=PROVIDER)
    return BankTransaction(
        external_id=item.id,
        account_external_id=owner,
        created_at=item.created,
        amount=item.amount,
        currency=item.currency,
        status=_status(item),
        description=item.description,
        settled_at=item.settled,
        merchant=_merchant_name(item),
        # Monzo's category is the user's own (they can re-categorise in the
        # app): it is the starting category, and kept as the provider's too.
        category=item.category or None,
        provider_category=item.category or None,
        counterparty=_counterparty_name(item),
        pot_external_id=_pot_id(item),
        local_amount=item.local_amount,
        local_currency=item.local_currency or None,
        decline_reason=item.decline_reason or None,
    )


def transactions_from_json(data: Any, *, account_id: str) -> list[BankTransaction]:
    """`GET /transactions`, oldest first (by `created`; ties keep Monzo's order)."""
    parsed = validate(schemas.TransactionList, data, what="a transaction list")
    mapped = [transaction(item, account_id=account_id) for item in parsed.transactions]
    return sorted(mapped, key=lambda tx: tx.created_at)


def transaction_from_json(data: Any, *, account_id: str | None = None) -> BankTransaction:
    """`GET /transactions/{id}` (and the annotate answer, which has no `account_id`)."""
    parsed = validate(schemas.TransactionEnvelope, data, what="a transaction")
    return transaction(parsed.transaction, account_id=account_id)


# -- webhooks ----------------------------------------------------------------------------


def parse_webhook(payload: Any) -> BankTransaction:
    """A `transaction.created` delivery as a transaction (its account id included).

    Raises BadResponse for anything else: not an object, another event type,
    a transaction missing what we need (id, account id, created, amount,
    currency) or with money that is not an integer.
    """
    if not isinstance(payload, dict):
        raise BadResponse("a Monzo webhook body must be a JSON object", provider=PROVIDER)
    kind = payload.get("type")
    if kind != WEBHOOK_TRANSACTION_CREATED:
        raise BadResponse("a Monzo webhook must be a transaction.created event", provider=PROVIDER)
    event = validate(schemas.WebhookEvent, payload, what="a webhook")
    if not event.data.account_id:
        raise BadResponse("a Monzo webhook transaction has no account id", provider=PROVIDER)
    return _storable(transaction(event.data))


# The mirror's column sizes (db/models/mirror.py). Anyone who can reach the webhook URL
# can send anything, so a delivery that would not fit is refused whole at the edge.
_MAX_LENGTHS = {
    "external_id": 128,
    "account_external_id": 128,
    "currency": 3,
    "local_currency": 3,
    "merchant": 200,
    "counterparty": 200,
    "category": 64,
    "provider_category": 64,
    "pot_external_id": 128,
    "decline_reason": 64,
}


def _storable(tx: BankTransaction) -> BankTransaction:
    for field, limit in _MAX_LENGTHS.items():
        value = getattr(tx, field)
        if value is not None and len(value) > limit:
            raise BadResponse(
                f"a Monzo webhook's {field} is longer than {limit} characters", provider=PROVIDER
            )
    for field in ("amount", "local_amount"):
        value = getattr(tx, field)
        if value is not None and abs(value) > MAX_MINOR_UNITS:
            raise BadResponse(
                f"a Monzo webhook's {field} is beyond ±{MAX_MINOR_UNITS} minor units",
                provider=PROVIDER,
            )
    return tx
