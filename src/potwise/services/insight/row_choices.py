"""The choice made on one row of the transactions page: a category and a classification,
each the user's own or automatic, and what the page shows once it is made."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from potwise.db.models import Transaction
from potwise.db.scoping import get_owned
from potwise.domain.classify import Suggestion
from potwise.services.insight import choices

#: The form's value for "let the categoriser decide".
AUTOMATIC = "auto"


def choose(
    db: Session,
    user_id: str,
    transaction_id: str,
    *,
    category: str,
    classification: str,
    fallback_timezone: str,
) -> None:
    """Keep what the row's form says. Only what differs from the user's own choice is
    changed (an unchanged field stays as it is, automatic or not); anyone else's
    transaction, or none, is `NotFound`."""
    current = get_owned(db, Transaction, transaction_id, user_id)
    changes: dict[str, Any] = {}
    if current is not None:
        wanted_category = None if category in ("", AUTOMATIC) else category
        if wanted_category != (current.category if current.category_source == "user" else None):
            changes["category"] = wanted_category
        wanted_class = None if classification in ("", AUTOMATIC) else classification
        own_class = current.classification if current.classification_source == "user" else None
        if wanted_class != own_class:
            changes["classification"] = wanted_class
    if changes or current is None:
        choices.set_choice(
            db, user_id, transaction_id, fallback_timezone=fallback_timezone, **changes
        )


@dataclass(frozen=True)
class Changed:
    """The transaction just re-categorised, and the rule it suggests, if any."""

    transaction: Transaction
    suggestion: Suggestion | None


def just_changed(db: Session, user_id: str, transaction_id: str) -> Changed | None:
    """The user's transaction named by the page's address after a change, with the
    first rule its merchant's re-categorisations suggest."""
    if not transaction_id:
        return None
    found = get_owned(db, Transaction, transaction_id, user_id)
    if found is None or found.merchant_key is None:
        return None
    offered = choices.suggestions(db, user_id, merchant_key=found.merchant_key)
    return Changed(found, offered[0] if offered else None)
