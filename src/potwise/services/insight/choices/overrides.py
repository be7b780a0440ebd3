"""The user's own category or classification for one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from potwise.db.models import Transaction
from potwise.db.scoping import get_owned
from potwise.domain import categories
from potwise.domain import classify as domain
from potwise.logs import get_logger
from potwise.services.errors import InvalidInput
from potwise.services.insight import classify as service
from potwise.services.insight import own_categories
from potwise.services.insight.choices.effects import spending_moved
from potwise.services.insight.choices.inputs import (
    check_category,
    check_classification,
    owned_transaction,
)
from potwise.services.insight.choices.suggestions import suggestions

log = get_logger(__name__)

_LABELS = {
    "spending": "spending",
    "income": "income",
    "internal_transfer": "a transfer between your accounts",
    "card_repayment": "a card repayment",
    "pot_move": "a pot move",
}


@dataclass(frozen=True)
class ChoiceResult:
    transaction: Transaction
    suggestion: domain.Suggestion | None


UNSET: Any = object()


def _set_category(db: Session, user_id: str, t: Transaction, category: str | None) -> set[str]:
    """The user's category (None: handed back), one of their own made of a new key;
    returns what to decide again."""
    if category is None:
        t.category_source = None
        return {t.id}
    t.category = check_category(category)
    own_categories.ensure(db, user_id, t.category)
    t.category_source = categories.SOURCE_USER
    return set()


def _set_classification(
    db: Session, user_id: str, t: Transaction, classification: str | None
) -> set[str]:
    """The user's classification (None: handed back), the pair it was in undone;
    returns what to decide again."""
    again: set[str] = set()
    partner_id = t.linked_transaction_id
    if partner_id is not None:
        partner = get_owned(db, Transaction, partner_id, user_id)
        if partner is not None and partner.linked_transaction_id == t.id:
            partner.linked_transaction_id = None
            partner.classification = None  # decided again, on its own
            again.add(partner.id)
        t.linked_transaction_id = None
    if classification is None:
        t.classification = None
        t.classification_source = None
        again.add(t.id)
    else:
        value = check_classification(classification)
        t.classification = value
        t.classification_source = domain.SOURCE_USER
        t.classification_reason = f"You marked this as {_LABELS[value]}"
    return again


def set_choice(
    db: Session,
    user_id: str,
    transaction_id: str,
    *,
    category: str | None = UNSET,
    classification: str | None = UNSET,
    fallback_timezone: str,
) -> ChoiceResult:
    """Set (or, with None, hand back) a transaction's category and/or classification.

    Returns the transaction and the suggestion the change makes possible for
    its merchant, if there is one.
    """
    t = owned_transaction(db, user_id, transaction_id)
    if category is UNSET and classification is UNSET:
        raise InvalidInput("Give a category, a classification, or both.")
    again: set[str] = set()
    if category is not UNSET:
        again |= _set_category(db, user_id, t, category)
    if classification is not UNSET:
        again |= _set_classification(db, user_id, t, classification)
    db.flush()
    if again:
        service.classify_changed(db, user_id, transaction_ids=again)
    db.commit()
    spending_moved(db, user_id, fallback_timezone)
    db.refresh(t)
    log.info(
        "insight.override",
        user_id=user_id,
        transaction_id=t.id,
        category=category is not UNSET,
        classification=classification is not UNSET,
    )
    suggestion = None
    if t.merchant_key is not None and t.category_source == categories.SOURCE_USER:
        suggestion = next((s for s in suggestions(db, user_id, merchant_key=t.merchant_key)), None)
    return ChoiceResult(t, suggestion)
