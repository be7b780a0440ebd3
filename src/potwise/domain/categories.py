"""Spending categories: the vocabulary, the provider's category in it, and user rules.

The vocabulary is Monzo's own (``groceries``, ``eating_out``, ``bills``...),
so a Monzo category is used as it comes. TrueLayer's classification
(``["Shopping", "Groceries"]``, stored as "Shopping / Groceries") and,
failing that, its transaction category (``DIRECT_DEBIT``, ``ATM``...) are
mapped onto it. Users may also name categories of their own (lower-case
words, digits, ``_`` and ``-``).

A transaction's category is chosen in this order (the first that applies):
the user's own choice for that transaction; the first matching user rule
(lowest priority number, then oldest); the provider's category; the
category the provider gives this merchant elsewhere (a refund from a shop
whose purchases are groceries is groceries); ``general``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

CATEGORIES: tuple[str, ...] = (
    "bills",
    "cash",
    "charity",
    "eating_out",
    "entertainment",
    "expenses",
    "family",
    "finances",
    "general",
    "gifts",
    "groceries",
    "holidays",
    "income",
    "personal_care",
    "savings",
    "shopping",
    "transfers",
    "transport",
)
FALLBACK = "general"

_CUSTOM = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")

SOURCE_PROVIDER = "provider"
SOURCE_RULE = "rule"
SOURCE_USER = "user"

# TrueLayer's top-level classification → ours; a sub-class can refine it.
_TRUELAYER_TOP: dict[str, str] = {
    "shopping": "shopping",
    "food & dining": "eating_out",
    "auto & transport": "transport",
    "travel": "holidays",
    "entertainment": "entertainment",
    "health & fitness": "personal_care",
    "personal care": "personal_care",
    "bills and utilities": "bills",
    "bills & utilities": "bills",
    "home": "shopping",
    "cash": "cash",
    "fees & charges": "finances",
    "taxes": "bills",
    "gifts & donations": "gifts",
    "income": "income",
    "transfer": "transfers",
    "transfers": "transfers",
    "investments": "savings",
    "kids": "family",
    "pets": "family",
    "education": "family",
    "business services": "expenses",
    "uncategorized": "general",
}
_TRUELAYER_SUB: dict[str, str] = {
    "groceries": "groceries",
    "mortgage & rent": "bills",
    "mortgage": "bills",
    "rent": "bills",
    "utilities": "bills",
    "home insurance": "bills",
    "charity": "charity",
    "atm": "cash",
}
# TrueLayer's transaction_category (and common provider codes) when no classification came.
_TRUELAYER_CATEGORY: dict[str, str] = {
    "atm": "cash",
    "cash": "cash",
    "bill_payment": "bills",
    "direct_debit": "bills",
    "dd": "bills",
    "standing_order": "transfers",
    "so": "transfers",
    "transfer": "transfers",
    "fee_charge": "finances",
    "interest": "finances",
    "dividend": "income",
}


def is_valid(category: str) -> bool:
    """A known category, or a user's own (lower-case, starts with a letter, ≤ 64 chars)."""
    return category in CATEGORIES or bool(_CUSTOM.fullmatch(category))


@lru_cache(maxsize=4096)
def from_provider(provider_category: str | None) -> str | None:
    """The provider's category in our vocabulary, or None when it says nothing useful."""
    if not provider_category:
        return None
    text = provider_category.strip()
    if text in CATEGORIES:
        return text
    lowered = text.lower()
    if lowered in CATEGORIES:
        return lowered
    if " / " in text:
        top, _, sub = lowered.partition(" / ")
        return _TRUELAYER_SUB.get(sub.strip()) or _TRUELAYER_TOP.get(top.strip())
    if lowered in _TRUELAYER_TOP:
        return _TRUELAYER_TOP[lowered]
    return _TRUELAYER_CATEGORY.get(lowered)


@dataclass(frozen=True)
class Rule:
    """A user's category rule: every condition that is set must hold.

    `merchant_key` equals the transaction's key; `description_contains` /
    `description_equals` compare case-insensitively with the description
    (or the merchant name); `min_amount` / `max_amount` bound the signed
    amount in minor units (inclusive); `account_id` names one account.
    """

    id: str
    category: str
    created_at: datetime
    priority: int = 100
    merchant_key: str | None = None
    description_contains: str | None = None
    description_equals: str | None = None
    min_amount: int | None = None
    max_amount: int | None = None
    account_id: str | None = None

    def has_condition(self) -> bool:
        return any(
            value is not None
            for value in (
                self.merchant_key,
                self.description_contains,
                self.description_equals,
                self.min_amount,
                self.max_amount,
                self.account_id,
            )
        )

    def matches(
        self,
        *,
        merchant_key: str | None,
        description: str,
        merchant: str | None,
        amount: int,
        account_id: str,
    ) -> bool:
        if not self.has_condition():
            return False
        return (
            (self.merchant_key is None or self.merchant_key == merchant_key)
            and (self.account_id is None or self.account_id == account_id)
            and (self.min_amount is None or amount >= self.min_amount)
            and (self.max_amount is None or amount <= self.max_amount)
            and self._text_matches(description, merchant)
        )

    def _text_matches(self, description: str, merchant: str | None) -> bool:
        """The description conditions, against the description or the merchant name."""
        if self.description_equals is None and self.description_contains is None:
            return True
        texts = [description.lower()] + ([merchant.lower()] if merchant else [])
        if self.description_equals is not None:
            wanted = self.description_equals.strip().lower()
            if not any(text.strip() == wanted for text in texts):
                return False
        if self.description_contains is not None:
            needle = self.description_contains.strip().lower()
            if not any(needle in text for text in texts):
                return False
        return True


def ordered(rules: Iterable[Rule]) -> list[Rule]:
    """Rules in the order they are tried: lowest priority number first, then oldest."""
    return sorted(rules, key=lambda r: (r.priority, r.created_at, r.id))


def first_match(
    rules: Sequence[Rule],
    *,
    merchant_key: str | None,
    description: str,
    merchant: str | None,
    amount: int,
    account_id: str,
) -> Rule | None:
    """The first of `rules` (already `ordered`) that matches, or None."""
    for rule in rules:
        if rule.matches(
            merchant_key=merchant_key,
            description=description,
            merchant=merchant,
            amount=amount,
            account_id=account_id,
        ):
            return rule
    return None


def merchant_category(provider_categories: Mapping[str, int]) -> str | None:
    """The category a merchant's transactions most often have (ties: alphabetical)."""
    if not provider_categories:
        return None
    return min(provider_categories.items(), key=lambda item: (-item[1], item[0]))[0]
