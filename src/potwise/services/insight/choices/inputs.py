"""What the user gives, checked: a transaction of theirs, a category, a classification."""

from __future__ import annotations

from sqlalchemy.orm import Session

from potwise.db.models import Transaction
from potwise.db.scoping import get_owned
from potwise.domain import categories
from potwise.domain import classify as domain
from potwise.services.errors import InvalidInput, NotFound


def owned_transaction(db: Session, user_id: str, transaction_id: str) -> Transaction:
    """The user's transaction, or NotFound."""
    found = get_owned(db, Transaction, transaction_id, user_id)
    if found is None:
        raise NotFound("No such transaction.")
    return found


def check_category(category: str) -> str:
    """A standard category or the user's own, stripped; InvalidInput otherwise."""
    value = category.strip()
    if not categories.is_valid(value):
        raise InvalidInput(
            "A category is one of the standard ones or your own: lower-case letters, digits, "
            "'_' or '-', starting with a letter, at most 64 characters."
        )
    return value


def check_classification(classification: str) -> str:
    """One of the classifications; InvalidInput otherwise."""
    if classification not in domain.CLASSIFICATIONS:
        raise InvalidInput(f"classification must be one of {', '.join(domain.CLASSIFICATIONS)}.")
    return classification
