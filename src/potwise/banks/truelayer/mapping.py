"""The one place where TrueLayer's JSON becomes domain types, in our sign convention.

Our convention (`potwise.domain.signs`): balances the user owns are positive,
debt is negative; a transaction is negative when money leaves the user.

TrueLayer's conventions (reference §5):

- Bank accounts already match ours: `amount < 0` is money out, balances are
  positive when in funds and negative when overdrawn. Amounts are taken as
  they come (the reference's recommendation for potwise); a `transaction_type`
  that disagrees with the sign is a known Mock-bank oddity and is ignored.
- Cards use the issuer's view: a purchase is a positive `DEBIT`, a payment
  or refund a negative `CREDIT`, and balance `current` is positive when the
  user owes. For card transactions we take the direction from
  `transaction_type` (`DEBIT` = money spent, `CREDIT` = money back) and the
  magnitude from `abs(amount)`, the reference's "most robust rule": it gives
  the right sign for issuers that follow the card convention *and* for the
  known exceptions that send bank-style negative `DEBIT`s (Monzo Flex, the
  sandbox Mock). Only when the type is missing or unknown do we fall back to
  negating the issuer's amount.
- Card balance `current` is negated (owed becomes negative), except for the
  Monzo-Flex style case the reference describes (a card whose balance is
  reported bank-style): we treat a card as bank-style only when `available`
  is negative *and* `current` is not positive. An issuer-view card over its
  limit (positive `current`, negative `available`) is therefore still
  flipped, so debt is never shown as credit.

Money is converted exactly, once, here: `Decimal` → pence, half-even.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from potwise.banks.truelayer import schemas
from potwise.domain.mirror import (
    AccountBalance,
    AccountKind,
    BankAccount,
    BankTransaction,
    DirectDebit,
    StandingOrder,
    TransactionStatus,
    is_date_only,
)
from potwise.domain.money import Money
from potwise.domain.signs import Direction, from_issuer_view, signed

__all__ = [
    "AMEX_BRANDS",
    "ConnectionDetails",
    "card_balance_is_bank_style",
    "card_transaction_amount",
    "map_account",
    "map_account_balance",
    "map_account_transaction",
    "map_card",
    "map_card_balance",
    "map_card_transaction",
    "map_direct_debit",
    "map_me",
    "map_standing_order",
    "map_standing_orders",
    "pence",
    "provider_brand",
    "transaction_external_id",
]


@dataclass(frozen=True)
class ConnectionDetails:
    """What `/me` says about a connection (consent), in our terms."""

    provider_id: str | None
    provider_name: str | None
    credentials_id: str | None
    consent_status: str | None
    consent_created_at: datetime | None
    consent_expires_at: datetime | None
    scopes: tuple[str, ...] = field(default_factory=tuple)


def pence(amount: Decimal, currency: str) -> int:
    """Major-unit decimal → minor units, rounded half-even exactly once."""
    return Money.from_decimal(amount, currency).minor


def map_me(raw: schemas.Me) -> ConnectionDetails:
    provider = raw.provider or schemas.Provider()
    return ConnectionDetails(
        provider_id=provider.provider_id,
        provider_name=provider.display_name,
        credentials_id=raw.credentials_id,
        consent_status=raw.consent_status,
        consent_created_at=raw.consent_created_at,
        consent_expires_at=raw.consent_expires_at,
        scopes=tuple(raw.scopes),
    )


# -- bank accounts --------------------------------------------------------------

_SAVINGS_TYPES = frozenset({"SAVINGS", "SAVING", "BUSINESS_SAVINGS"})
_JOINT_NAME = re.compile(r"\bjoint\b", re.IGNORECASE)


def _account_kind(raw: schemas.Account) -> AccountKind:
    account_type = (raw.account_type or "").upper()
    if account_type in _SAVINGS_TYPES:
        return AccountKind.SAVINGS
    # TrueLayer has no joint-account flag. The only indication is the bank's
    # own name for the account ("Joint Account"); nothing else is guessed.
    if raw.display_name and _JOINT_NAME.search(raw.display_name):
        return AccountKind.JOINT
    # TRANSACTION, BUSINESS_TRANSACTION and any unknown type: a current account.
    return AccountKind.CURRENT


def map_account(raw: schemas.Account) -> BankAccount:
    number = raw.account_number.number if raw.account_number else None
    provider_id = raw.provider.provider_id if raw.provider else None
    return BankAccount(
        external_id=raw.account_id,
        kind=_account_kind(raw),
        name=raw.display_name or raw.account_type or "Account",
        currency=raw.currency,
        provider_type=provider_id,
        display_suffix=number[-4:] if number else None,
    )


def map_account_balance(
    account_id: str, raw: schemas.AccountBalance, *, observed_at: datetime
) -> AccountBalance:
    """Bank-account balances already use our signs. `credit_limit` carries the
    arranged overdraft (a positive limit) when the bank reports one."""
    currency = raw.currency
    return AccountBalance(
        external_id=account_id,
        balance=pence(raw.current, currency),
        currency=currency,
        at=raw.update_timestamp or observed_at,
        available=None if raw.available is None else pence(raw.available, currency),
        credit_limit=None if raw.overdraft is None else abs(pence(raw.overdraft, currency)),
    )


# -- transactions ---------------------------------------------------------------

# Some providers append ", Transaction Date: YYYY-MM-DD" to descriptions
# (reference §8.5); it would make every payment to one merchant look unique.
_DATE_SUFFIX = re.compile(r",\s*Transaction Date:\s*\d{4}-\d{2}-\d{2}\s*$", re.IGNORECASE)


def transaction_external_id(raw: schemas.Transaction) -> str:
    """The most stable id TrueLayer gives (reference §9): the normalised id, else
    the bank's own id, else TrueLayer's `transaction_id` (which may change)."""
    return (
        raw.normalised_provider_transaction_id or raw.provider_transaction_id or raw.transaction_id
    )


def _provider_category(raw: schemas.Transaction) -> str | None:
    # TrueLayer's classification (["Shopping", "Groceries"]) is the richer
    # label; many providers send none, and then the transaction category
    # (PURCHASE, DIRECT_DEBIT, STANDING_ORDER…) still says something.
    parts = [part.strip() for part in raw.transaction_classification if part and part.strip()]
    if parts:
        return " / ".join(parts)
    return raw.transaction_category or raw.meta.provider_category or None


def _build_transaction(
    external_account_id: str,
    raw: schemas.Transaction,
    *,
    amount: int,
    status: TransactionStatus,
) -> BankTransaction:
    description = _DATE_SUFFIX.sub("", raw.description).strip()
    return BankTransaction(
        external_id=transaction_external_id(raw),
        account_external_id=external_account_id,
        created_at=raw.timestamp,
        amount=amount,
        currency=raw.currency,
        status=status,
        description=description,
        settled_at=raw.timestamp if status is TransactionStatus.SETTLED else None,
        merchant=raw.merchant_name or raw.meta.provider_merchant_name or None,
        provider_category=_provider_category(raw),
        counterparty=raw.meta.counter_party_preferred_name or None,
        date_only=is_date_only(raw.timestamp),
    )


def map_account_transaction(
    account_id: str, raw: schemas.Transaction, *, status: TransactionStatus
) -> BankTransaction:
    """A bank-account transaction: the amount's sign is already ours."""
    return _build_transaction(
        account_id, raw, amount=pence(raw.amount, raw.currency), status=status
    )


def _card_direction(raw: schemas.Transaction) -> Direction | None:
    kind = (raw.transaction_type or raw.meta.transaction_type or "").strip().upper()
    if kind == "DEBIT":
        return Direction.OUT
    if kind == "CREDIT":
        return Direction.IN
    return None


def card_transaction_amount(raw: schemas.Transaction) -> int:
    """A card transaction's amount in our view: purchase negative, refund/payment positive."""
    issuer_pence = pence(raw.amount, raw.currency)
    direction = _card_direction(raw)
    if direction is None:
        return from_issuer_view(issuer_pence)
    return signed(abs(issuer_pence), direction)


def map_card_transaction(
    card_id: str, raw: schemas.Transaction, *, status: TransactionStatus
) -> BankTransaction:
    return _build_transaction(card_id, raw, amount=card_transaction_amount(raw), status=status)


# -- cards ----------------------------------------------------------------------


def map_card(raw: schemas.Card) -> BankAccount:
    # Every card TrueLayer lists is mirrored as a credit card (CREDIT and Amex
    # CHARGE cards; the rare DEBIT card listed here has no better kind).
    provider_id = raw.provider.provider_id if raw.provider else None
    return BankAccount(
        external_id=raw.account_id,
        kind=AccountKind.CREDIT_CARD,
        name=raw.display_name or raw.card_network or "Card",
        currency=raw.currency,
        provider_type=provider_id,
        display_suffix=raw.partial_card_number or None,
    )


def card_balance_is_bank_style(raw: schemas.CardBalance) -> bool:
    """True for a card that reports its balance with bank-account signs (Monzo Flex).

    The reference's rule is "available < 0 ⇒ bank-style"; we also require a
    `current` that is not positive, so an issuer-view card over its limit is
    never mistaken for one in credit.
    """
    return raw.available is not None and raw.available < 0 and raw.current <= 0


def map_card_balance(
    card_id: str,
    raw: schemas.CardBalance,
    *,
    provider_id: str | None = None,
    observed_at: datetime,
) -> AccountBalance:
    """Card balance in our view: negative when the user owes.

    `available` is the credit still available (positive, spendable) and
    stays as reported. The last statement's balance takes the same signs as
    the balance; `payment_due` (the minimum to pay) is positive pence, and
    with its date absent for American Express. `credit_limit` is dropped for American Express, whose
    value TrueLayer describes as "the remaining available limit": the
    reference says not to rely on it (§8.1, §13).
    """
    currency = raw.currency
    current = pence(raw.current, currency)
    balance = current if card_balance_is_bank_style(raw) else from_issuer_view(current)
    credit_limit = None if raw.credit_limit is None else pence(raw.credit_limit, currency)
    if provider_id is not None and _is_amex(provider_id):
        credit_limit = None
    statement: int | None = None
    if raw.last_statement_balance is not None:
        statement = pence(raw.last_statement_balance, currency)
        if not card_balance_is_bank_style(raw):
            statement = from_issuer_view(statement)
    return AccountBalance(
        external_id=card_id,
        balance=balance,
        currency=currency,
        at=raw.update_timestamp or observed_at,
        available=None if raw.available is None else pence(raw.available, currency),
        credit_limit=credit_limit,
        statement_balance=statement,
        statement_date=raw.last_statement_date,
        # A payment to make, whatever the issuer's sign: positive pence.
        payment_due=None if raw.payment_due is None else abs(pence(raw.payment_due, currency)),
        payment_due_date=raw.payment_due_date,
    )


def provider_brand(provider: str) -> str:
    """`ob-amex`, `uk-ob-amex`, `oauth-amex`, `AMEX` → `amex` (ids and display names)."""
    brand = provider.strip().lower()
    for prefix in ("uk-", "ob-", "oauth-", "cs-"):
        brand = brand.removeprefix(prefix)
    return brand


#: `provider_brand` values of American Express.
AMEX_BRANDS = frozenset({"amex", "american-express", "americanexpress"})


def _is_amex(provider: str) -> bool:
    return provider_brand(provider) in AMEX_BRANDS


# -- standing orders and direct debits -------------------------------------------


def _stable_id(prefix: str, *parts: object) -> str:
    text = "\x1f".join("" if part is None else str(part) for part in parts)
    return f"{prefix}-{hashlib.sha256(text.encode()).hexdigest()[:32]}"


def map_standing_order(account_id: str, raw: schemas.StandingOrder) -> StandingOrder:
    """A standing order; amounts are positive on the wire, money leaving here.

    TrueLayer gives standing orders no id, so one is derived from the fields
    that do not change between payments (payee, reference, frequency, first
    payment): the same order keeps the same id from sync to sync.
    """
    currency = raw.currency
    amount = raw.next_payment_amount
    if amount is None:
        amount = raw.first_payment_amount
    magnitude = abs(pence(amount, currency)) if amount is not None else 0
    return StandingOrder(
        external_id=_stable_id(
            "so",
            account_id,
            raw.payee,
            raw.reference,
            raw.frequency,
            raw.first_payment_date,
            raw.first_payment_amount,
        ),
        account_external_id=account_id,
        payee=raw.payee or "",
        amount=signed(magnitude, Direction.OUT),
        currency=currency,
        frequency=raw.frequency or "",
        next_date=raw.next_payment_date,
        reference=raw.reference or None,
    )


def map_standing_orders(
    account_id: str, raws: Iterable[schemas.StandingOrder]
) -> list[StandingOrder]:
    """Active standing orders only: the domain type has no status, and an
    inactive order must not show up as a future payment."""
    return [
        map_standing_order(account_id, raw)
        for raw in raws
        if (raw.status or "Active").strip().lower() != "inactive"
    ]


def map_direct_debit(account_id: str, raw: schemas.DirectDebit) -> DirectDebit:
    """A direct-debit mandate. `direct_debit_id` "may change between requests",
    so the bank's own ids are preferred when present."""
    currency = raw.currency
    external_id = (
        raw.meta.provider_direct_debit_id
        or raw.meta.provider_mandate_identification
        or raw.direct_debit_id
        or _stable_id("dd", account_id, raw.name)
    )
    last_amount = raw.previous_payment_amount
    return DirectDebit(
        external_id=external_id,
        account_external_id=account_id,
        payee=raw.name or "",
        currency=currency,
        last_amount=(
            None
            if last_amount is None
            else signed(abs(pence(last_amount, currency)), Direction.OUT)
        ),
        last_date=(
            raw.previous_payment_timestamp.date()
            if raw.previous_payment_timestamp is not None
            else None
        ),
        status=raw.status,
    )
