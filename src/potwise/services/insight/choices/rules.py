"""Category rules: the user's own, and re-categorising everything when they change."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from potwise.db.models import Account, CategoryRule, Transaction, table_of
from potwise.db.scoping import get_owned, owned
from potwise.domain import categories
from potwise.domain import classify as domain
from potwise.domain.merchants import merchant_key as normalise_merchant
from potwise.logs import get_logger
from potwise.services.errors import InvalidInput, NotFound
from potwise.services.insight import classify as service
from potwise.services.insight import own_categories
from potwise.services.insight.choices.effects import spending_moved
from potwise.services.insight.choices.inputs import check_category

log = get_logger(__name__)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
RULE_SOURCE_USER = "user"
RULE_SOURCE_SUGGESTION = "suggestion"


@dataclass(frozen=True)
class RuleInput:
    category: str
    merchant_key: str | None = None
    description_contains: str | None = None
    description_equals: str | None = None
    min_amount: int | None = None
    max_amount: int | None = None
    account_id: str | None = None
    priority: int = 100


def list_rules(db: Session, user_id: str) -> list[CategoryRule]:
    return list(
        db.scalars(
            owned(CategoryRule, user_id).order_by(
                CategoryRule.priority, CategoryRule.created_at, CategoryRule.id
            )
        )
    )


def _blank(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


def _merchant_key(merchant: str | None, *, exact_key: bool) -> str | None:
    """The rule's merchant key: normalised, unless `exact_key` says it already is one."""
    given = _blank(merchant)
    if given is None:
        return None
    return given.lower() if exact_key else normalise_merchant(given)


def _check_conditions(
    db: Session,
    user_id: str,
    data: RuleInput,
    key: str | None,
    contains: str | None,
    equals: str | None,
) -> None:
    """At least one condition, amounts in order, and an account of the user's."""
    if not any(
        v is not None
        for v in (key, contains, equals, data.min_amount, data.max_amount, data.account_id)
    ):
        raise InvalidInput("A rule needs at least one condition.")
    if (
        data.min_amount is not None
        and data.max_amount is not None
        and data.min_amount > data.max_amount
    ):
        raise InvalidInput("min_amount must not be above max_amount.")
    if data.account_id is not None and get_owned(db, Account, data.account_id, user_id) is None:
        raise NotFound("No such account.")


def create_rule(
    db: Session,
    user_id: str,
    data: RuleInput,
    *,
    source: str = RULE_SOURCE_USER,
    exact_key: bool = False,
    fallback_timezone: str,
) -> tuple[CategoryRule, int]:
    """Add a rule and re-categorise past transactions; returns it and how many changed.

    A merchant given as people write it ("TESCO STORES 2214") is normalised to
    its key ("tesco"), unless `exact_key` says it already is one.
    """
    category = check_category(data.category)
    key = _merchant_key(data.merchant_key, exact_key=exact_key)
    contains, equals = _blank(data.description_contains), _blank(data.description_equals)
    _check_conditions(db, user_id, data, key, contains, equals)
    own_categories.ensure(db, user_id, category)
    rule = CategoryRule(
        user_id=user_id,
        category=category,
        merchant_key=key,
        description_contains=contains,
        description_equals=equals,
        min_amount=data.min_amount,
        max_amount=data.max_amount,
        account_id=data.account_id,
        priority=data.priority,
        source=source,
    )
    db.add(rule)
    db.flush()
    changed = recategorise(db, user_id)
    db.commit()
    if changed:
        spending_moved(db, user_id, fallback_timezone)
    log.info("insight.rule_created", user_id=user_id, rule_id=rule.id, changed=changed)
    return rule, changed


def delete_rule(db: Session, user_id: str, rule_id: str, *, fallback_timezone: str) -> int:
    rule = get_owned(db, CategoryRule, rule_id, user_id)
    if rule is None:
        raise NotFound("No such rule.")
    db.delete(rule)
    db.flush()
    changed = recategorise(db, user_id)
    db.commit()
    if changed:
        spending_moved(db, user_id, fallback_timezone)
    log.info("insight.rule_deleted", user_id=user_id, rule_id=rule_id, changed=changed)
    return changed


_TXNS = table_of(Transaction)
_SET_CATEGORY = (
    update(_TXNS)
    .where(_TXNS.c.id == bindparam("b_id"))
    .values(category=bindparam("b_category"), category_source=bindparam("b_source"))
)


def _learned(rows: Sequence[Any]) -> dict[str, str]:
    """Merchant key → the category the providers most often give it."""
    merchant_counts: dict[str, dict[str, int]] = defaultdict(dict)
    for r in rows:
        provided = categories.from_provider(r.provider_category)
        if r.merchant_key is not None and provided is not None:
            counts = merchant_counts[r.merchant_key]
            counts[provided] = counts.get(provided, 0) + 1
    learned: dict[str, str] = {}
    for key, counts in merchant_counts.items():
        best = categories.merchant_category(counts)
        if best is not None:
            learned[key] = best
    return learned


def _changed(
    rows: Sequence[Any], context: domain.Context, rules: Sequence[categories.Rule]
) -> list[dict[str, Any]]:
    """The rows whose category comes out differently now, as `_SET_CATEGORY` parameters."""
    changes: list[dict[str, Any]] = []
    for r in rows:
        t = domain.Txn(
            id=r.id,
            account_id=r.account_id,
            created_at=_EPOCH,
            amount=r.amount,
            currency="",
            description=r.description or "",
            merchant=r.merchant,
            provider_category=r.provider_category,
        )
        category, source = domain.choose_category(
            t, r.merchant_key, r.classification or "spending", context, rules
        )
        if (category, source) != (r.category, r.category_source):
            changes.append({"b_id": r.id, "b_category": category, "b_source": source})
    return changes


def recategorise(db: Session, user_id: str) -> int:
    """Choose every category again (rules changed); the user's own choices are kept.

    Classifications and pairs are left alone. Returns how many rows changed.
    """
    rows = db.execute(
        select(
            Transaction.id,
            Transaction.account_id,
            Transaction.amount,
            Transaction.description,
            Transaction.merchant,
            Transaction.provider_category,
            Transaction.merchant_key,
            Transaction.classification,
            Transaction.category,
            Transaction.category_source,
        ).where(
            Transaction.user_id == user_id,
            Transaction.category_source.is_distinct_from(categories.SOURCE_USER),
        )
    ).all()
    context = domain.Context(accounts={}, merchant_categories=_learned(rows))
    rules = categories.ordered(service.user_rules(db, user_id))
    changes = _changed(rows, context, rules)
    for start in range(0, len(changes), 1000):
        db.connection().execute(_SET_CATEGORY, changes[start : start + 1000])
    return len(changes)
