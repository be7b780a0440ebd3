"""What a bank tells us, in our own terms: the types every provider's mapping produces.

All amounts are integer minor units in the user's sign convention
(see `potwise.domain.signs`): balances owned are positive, debt (a credit
card's balance, an overdraft) is negative; transactions are negative when
money leaves and positive when it arrives. Times are aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum


class AccountKind(StrEnum):
    CURRENT = "current"
    JOINT = "joint"
    SAVINGS = "savings"
    CREDIT_CARD = "credit_card"


class TransactionStatus(StrEnum):
    PENDING = "pending"
    SETTLED = "settled"
    DECLINED = "declined"


@dataclass(frozen=True)
class BankAccount:
    """An account or a card as the provider lists it."""

    external_id: str
    kind: AccountKind
    name: str
    currency: str
    closed: bool = False
    # e.g. "uk_retail", "uk_retail_joint", "ob-amex": the provider's own label.
    provider_type: str | None = None
    # Last digits of a card or an account number, when the provider gives them.
    display_suffix: str | None = None


@dataclass(frozen=True)
class AccountBalance:
    """A balance observed at `at`. `available` is None when the provider does not
    report one (American Express). `pending` is the provider's own pending total
    where it reports one separately (None when it does not)."""

    external_id: str
    balance: int
    currency: str
    at: datetime
    available: int | None = None
    pending: int | None = None
    credit_limit: int | None = None
    # A card's last statement as its provider reports it: the balance then (our
    # signs: negative when owed) and its date; the payment due (positive pence to
    # pay, the minimum) and its date. None where the provider gives none (every
    # bank account; American Express reports no payment due).
    statement_balance: int | None = None
    statement_date: date | None = None
    payment_due: int | None = None
    payment_due_date: date | None = None

    @property
    def has_statement(self) -> bool:
        """True when the provider reported any statement detail."""
        return (
            self.statement_date is not None
            or self.statement_balance is not None
            or self.payment_due_date is not None
        )


@dataclass(frozen=True)
class BankPot:
    """A Monzo pot. `balance` is always >= 0; `goal` None when unset."""

    external_id: str
    account_external_id: str
    name: str
    balance: int
    currency: str
    deleted: bool = False
    goal: int | None = None


@dataclass(frozen=True)
class BankTransaction:
    """One transaction, pending or settled, in the user's sign convention."""

    external_id: str
    account_external_id: str
    created_at: datetime
    amount: int
    currency: str
    status: TransactionStatus
    description: str
    settled_at: datetime | None = None
    merchant: str | None = None
    category: str | None = None
    provider_category: str | None = None
    counterparty: str | None = None
    # Monzo pot moves: the pot's id, so they can be classified as internal.
    pot_external_id: str | None = None
    local_amount: int | None = None
    local_currency: str | None = None
    decline_reason: str | None = None
    # A date without a time (TrueLayer's midnight timestamps): shown by its date alone.
    date_only: bool = False


@dataclass(frozen=True)
class StandingOrder:
    external_id: str
    account_external_id: str
    payee: str
    amount: int  # negative: money leaves
    currency: str
    frequency: str
    next_date: date | None = None
    reference: str | None = None


@dataclass(frozen=True)
class DirectDebit:
    external_id: str
    account_external_id: str
    payee: str
    currency: str
    last_amount: int | None = None  # negative: money left
    last_date: date | None = None
    status: str | None = None


def is_date_only(moment: datetime) -> bool:
    """Whether a bank's transaction time is a date without a time: TrueLayer dates many
    transactions at midnight (`2025-03-02T00:00:00Z`, "a date more than a moment"), so
    exactly midnight UTC is read as the date alone."""
    utc = moment.astimezone(UTC)
    return (utc.hour, utc.minute, utc.second, utc.microsecond) == (0, 0, 0, 0)
