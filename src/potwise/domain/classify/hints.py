"""What a single transaction looks like: the hints pairing and deciding read.

A transfer between the user's own accounts reads like one (the provider
calls it a transfer or standing order, or the text says "savings", "top
up", "joint"...); a payment received on a card reads like a payment
("PAYMENT RECEIVED - THANK YOU"); a debit paying a card names its issuer.
Statement texts repeat a great deal, so every reading is cached.
"""

from __future__ import annotations

import re
from functools import lru_cache

from potwise.domain import categories
from potwise.domain.classify.issuers import ISSUER_TEXT
from potwise.domain.classify.model import Txn

_TRANSFER_WORDS = re.compile(
    r"\b(transfer|trf|savings?|top ?up|joint|own account|to self|from self|moving money|isa|"
    r"standing order)\b",
    re.IGNORECASE,
)
_PAYMENT_WORDS = re.compile(
    r"\b(payment|paid|thank you|direct debit|repayment|received)\b", re.IGNORECASE
)
_TRANSFER_CODES = frozenset(
    {"TRANSFER", "STANDING_ORDER", "SO", "FPI", "FPO", "TFR", "BGC", "transfers", "savings"}
)
_INCOME_CATEGORIES = frozenset({"income"})


@lru_cache(maxsize=65536)
def _text_facts(
    description: str, counterparty: str | None, merchant: str | None
) -> tuple[str, bool, bool, str | None]:
    """(lower-cased text, reads like a transfer, reads like a payment, card issuer named).

    Cached: statement texts repeat a great deal.
    """
    text = " ".join(x for x in (description, counterparty or "", merchant or "") if x).lower()
    issuer = ISSUER_TEXT.search(text)
    return (
        text,
        bool(_TRANSFER_WORDS.search(text)),
        bool(_PAYMENT_WORDS.search(text)),
        issuer.group(1) if issuer else None,
    )


def facts(t: Txn) -> tuple[str, bool, bool, str | None]:
    """(lower-cased text, reads like a transfer, reads like a payment, card issuer named)."""
    return _text_facts(t.description, t.counterparty, t.merchant)


@lru_cache(maxsize=256)
def _names_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b")


@lru_cache(maxsize=65536)
def _mentions(text: str, names: tuple[str, ...]) -> bool:
    return _names_pattern(names).search(text) is not None


@lru_cache(maxsize=4096)
def _transfer_code(provider_category: str | None) -> bool:
    pc = (provider_category or "").strip()
    return pc in _TRANSFER_CODES or pc.upper() in _TRANSFER_CODES or pc.lower() == "transfer"


def provider_says_transfer(t: Txn) -> bool:
    """The provider's own category calls it a transfer or a standing order."""
    return _transfer_code(t.provider_category)


def is_income_like(t: Txn) -> bool:
    """The provider files it as income (salary, say): never half of a transfer."""
    return categories.from_provider(t.provider_category) in _INCOME_CATEGORIES


def looks_like_transfer(t: Txn) -> bool:
    """The provider or the text says transfer, savings, top up, joint..."""
    return provider_says_transfer(t) or facts(t)[1]


def names_issuer(t: Txn, names: tuple[str, ...]) -> bool:
    """The text names the card issuer by one of `names`."""
    return _mentions(facts(t)[0], names)


def looks_like_card_payment(t: Txn) -> bool:
    """No merchant, and the text reads like a payment ("PAYMENT RECEIVED - THANK YOU")."""
    return t.merchant is None and facts(t)[2]
