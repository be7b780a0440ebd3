"""What classification works with: the kinds, accounts, transactions, decisions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from potwise.domain import categories
from potwise.domain.classify.issuers import bank_label, issuer_names


class Classification(StrEnum):
    SPENDING = "spending"
    INCOME = "income"
    INTERNAL_TRANSFER = "internal_transfer"
    CARD_REPAYMENT = "card_repayment"
    POT_MOVE = "pot_move"


CLASSIFICATIONS: tuple[str, ...] = tuple(c.value for c in Classification)
#: Classifications that move money between the user's own pockets: never spending or income.
INTERNAL: frozenset[str] = frozenset(
    {Classification.INTERNAL_TRANSFER, Classification.CARD_REPAYMENT, Classification.POT_MOVE}
)

SOURCE_AUTO = "auto"
SOURCE_USER = "user"

TRANSFER_WINDOW = timedelta(days=4)
REPAYMENT_BEFORE = timedelta(days=1)
REPAYMENT_AFTER = timedelta(days=7)
#: How far around a changed transaction its partner may be (the widest window above).
PAIRING_WINDOW = REPAYMENT_AFTER + REPAYMENT_BEFORE

BANK_KINDS = frozenset({"current", "joint", "savings"})
CARD_KIND = "credit_card"


@dataclass(frozen=True)
class AccountInfo:
    """What classification needs to know about one of the user's accounts."""

    id: str
    kind: str  # current, joint, savings, credit_card
    name: str
    bank: str  # "monzo" or the TrueLayer provider id

    @property
    def label(self) -> str:
        return f"{self.name} ({bank_label(self.bank)})"

    def issuer_names(self) -> tuple[str, ...]:
        return issuer_names(self.bank)


@dataclass(slots=True)
class Txn:
    """A transaction as classification sees it, with what was decided before."""

    id: str
    account_id: str
    created_at: datetime
    amount: int
    currency: str
    status: str = "settled"
    description: str = ""
    merchant: str | None = None
    counterparty: str | None = None
    provider_category: str | None = None
    pot_external_id: str | None = None
    category: str | None = None
    category_source: str | None = None
    classification: str | None = None
    classification_source: str | None = None
    classification_reason: str | None = None
    linked_id: str | None = None

    @property
    def user_classified(self) -> bool:
        return self.classification_source == SOURCE_USER and self.classification is not None

    @property
    def user_categorised(self) -> bool:
        return self.category_source == categories.SOURCE_USER and self.category is not None


class Outcome(NamedTuple):
    """The decision for one transaction: every column classification owns.

    A tuple, so a decision compares with what is stored (the same columns, in this
    order) in one step.
    """

    merchant_key: str | None
    category: str
    category_source: str
    classification: str
    classification_source: str
    reason: str
    linked_id: str | None


@dataclass(frozen=True)
class Context:
    """The user's side of the picture: accounts, rules and what they said no to."""

    accounts: Mapping[str, AccountInfo]
    rules: Sequence[categories.Rule] = ()
    rejected_pairs: frozenset[tuple[str, str]] = frozenset()
    pot_names: Mapping[str, str] = field(default_factory=dict)
    # merchant key → the category the provider most often gives it (see categories).
    merchant_categories: Mapping[str, str] = field(default_factory=dict)


def pair_key(a: str, b: str) -> tuple[str, str]:
    """The order-free key of a pair of transaction ids."""
    return (a, b) if a <= b else (b, a)
