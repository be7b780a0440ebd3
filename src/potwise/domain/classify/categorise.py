"""A transaction's category, in the order of `potwise.domain.categories`.

The user's own choice; else the first matching rule; else the provider's
category; else the category the provider gives this merchant elsewhere;
else one that follows from the classification ("transfers" for a pot move,
"finances" for a card repayment...).
"""

from __future__ import annotations

from collections.abc import Sequence

from potwise.domain import categories
from potwise.domain.classify.model import Classification, Context, Txn
from potwise.domain.merchants import merchant_key_for

_CLASS_FALLBACK: dict[str, str] = {
    Classification.SPENDING: categories.FALLBACK,
    Classification.INCOME: "income",
    Classification.INTERNAL_TRANSFER: "transfers",
    Classification.POT_MOVE: "transfers",
    Classification.CARD_REPAYMENT: "finances",
}


def choose_category(
    t: Txn, key: str | None, classification: str, context: Context, rules: Sequence[categories.Rule]
) -> tuple[str, str]:
    """(category, source) for a transaction; the user's own choice always wins."""
    if t.category_source == categories.SOURCE_USER and t.category is not None:
        return t.category, categories.SOURCE_USER
    rule = (
        categories.first_match(
            rules,
            merchant_key=key,
            description=t.description,
            merchant=t.merchant,
            amount=t.amount,
            account_id=t.account_id,
        )
        if rules
        else None
    )
    if rule is not None:
        return rule.category, categories.SOURCE_RULE
    provided = categories.from_provider(t.provider_category)
    if provided is not None:
        return provided, categories.SOURCE_PROVIDER
    if key is not None and key in context.merchant_categories:
        return context.merchant_categories[key], categories.SOURCE_PROVIDER
    return _CLASS_FALLBACK.get(classification, categories.FALLBACK), categories.SOURCE_PROVIDER


def transaction_key(t: Txn) -> str | None:
    """The merchant key of a transaction (None for pot moves: they have no merchant)."""
    if t.pot_external_id is not None:
        return None
    return merchant_key_for(t.merchant, t.counterparty, t.description)
