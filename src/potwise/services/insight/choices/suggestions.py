"""Suggestions from the user's own re-categorisations: offered, applied, dismissed."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from potwise.db.models import CategoryRule, InsightDismissal, Transaction
from potwise.db.scoping import owned
from potwise.domain import categories
from potwise.domain import classify as domain
from potwise.services.errors import InvalidInput
from potwise.services.insight import classify as service
from potwise.services.insight.choices.effects import remember, spending_moved
from potwise.services.insight.choices.inputs import check_category
from potwise.services.insight.choices.rules import (
    RULE_SOURCE_SUGGESTION,
    RuleInput,
    create_rule,
    recategorise,
)


def _dismissed(db: Session, user_id: str) -> frozenset[str]:
    return frozenset(
        db.scalars(
            select(InsightDismissal.key).where(
                InsightDismissal.user_id == user_id,
                InsightDismissal.kind == service.DISMISS_SUGGESTION,
            )
        )
    )


def suggestions(
    db: Session, user_id: str, *, merchant_key: str | None = None
) -> list[domain.Suggestion]:
    """What the user's own re-categorisations suggest (see `domain.classify.suggest`)."""
    keys_query = (
        select(Transaction.merchant_key)
        .where(
            Transaction.user_id == user_id,
            Transaction.category_source == categories.SOURCE_USER,
            Transaction.merchant_key.is_not(None),
        )
        .distinct()
    )
    if merchant_key is not None:
        keys_query = keys_query.where(Transaction.merchant_key == merchant_key)
    keys = [k for k in db.scalars(keys_query) if k is not None]
    if not keys:
        return []
    history: dict[str, list[domain.MerchantTxn]] = defaultdict(list)
    for start in range(0, len(keys), 500):
        for r in db.execute(
            select(
                Transaction.id,
                Transaction.created_at,
                Transaction.category,
                Transaction.category_source,
                Transaction.merchant,
                Transaction.description,
                Transaction.merchant_key,
            ).where(
                Transaction.user_id == user_id,
                Transaction.merchant_key.in_(keys[start : start + 500]),
            )
        ):
            history[r.merchant_key].append(
                domain.MerchantTxn(
                    r.id, r.created_at, r.category, r.category_source, r.merchant or r.description
                )
            )
    return domain.suggest(history, service.user_rules(db, user_id), _dismissed(db, user_id))


def _exact_key(merchant_key: str) -> str:
    # Suggestions name keys exactly as stored; they are not normalised again.
    key = merchant_key.strip().lower()
    if not key:
        raise InvalidInput("merchant_key must not be empty.")
    return key


def apply_suggestion(
    db: Session,
    user_id: str,
    merchant_key: str,
    category: str,
    *,
    fallback_timezone: str,
) -> tuple[CategoryRule, int]:
    """Accept "apply <category> to past and future <merchant>": the rule, and how many
    past transactions (not categorised by hand) changed."""
    key = _exact_key(merchant_key)
    value = check_category(category)
    existing = db.scalars(
        owned(CategoryRule, user_id).where(
            CategoryRule.merchant_key == key,
            CategoryRule.category == value,
            CategoryRule.description_contains.is_(None),
            CategoryRule.description_equals.is_(None),
            CategoryRule.min_amount.is_(None),
            CategoryRule.max_amount.is_(None),
            CategoryRule.account_id.is_(None),
        )
    ).first()
    if existing is not None:
        changed = recategorise(db, user_id)
        db.commit()
        if changed:
            spending_moved(db, user_id, fallback_timezone)
        return existing, changed
    return create_rule(
        db,
        user_id,
        RuleInput(category=value, merchant_key=key),
        source=RULE_SOURCE_SUGGESTION,
        exact_key=True,
        fallback_timezone=fallback_timezone,
    )


def dismiss_suggestion(db: Session, user_id: str, merchant_key: str, category: str) -> None:
    """Never offer this suggestion again."""
    key = _exact_key(merchant_key)
    value = check_category(category)
    remember(db, user_id, service.DISMISS_SUGGESTION, domain.suggestion_key(key, value))
    db.commit()
