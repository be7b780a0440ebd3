"""The user's word on classification: overrides, rejected pairs, rules and suggestions.

- Overriding a transaction's category or classification marks it as the
  user's own (``*_source = 'user'``): nothing automatic changes it again.
  Giving ``None`` hands it back to the classifier. Overriding one half of a
  pair unlinks both; the other half is classified again on its own.
- Rejecting a pair unlinks both halves, classifies them again, and
  remembers the pair so it is never proposed again.
- Category rules re-categorise every transaction the user has not
  categorised by hand, past and future. Suggestions (see
  `potwise.domain.classify.suggest`) are only offered: applying one creates
  the rule; dismissing one remembers it, so it is not offered again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from potwise.db.models import Account, CategoryRule, InsightDismissal, Transaction, table_of
from potwise.db.scoping import get_owned, owned
from potwise.domain import categories
from potwise.domain import classify as domain
from potwise.domain.calendar import DEFAULT_TIMEZONE
from potwise.domain.merchants import merchant_key as normalise_merchant
from potwise.logs import get_logger
from potwise.services.errors import InvalidInput, NotFound
from potwise.services.insight import budgets, spending
from potwise.services.insight import classify as service

log = get_logger(__name__)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
RULE_SOURCE_USER = "user"
RULE_SOURCE_SUGGESTION = "suggestion"
_LABELS = {
    "spending": "spending",
    "income": "income",
    "internal_transfer": "a transfer between your accounts",
    "card_repayment": "a card repayment",
    "pot_move": "a pot move",
}


def _transaction(db: Session, user_id: str, transaction_id: str) -> Transaction:
    found = get_owned(db, Transaction, transaction_id, user_id)
    if found is None:
        raise NotFound("No such transaction.")
    return found


def _check_category(category: str) -> str:
    value = category.strip()
    if not categories.is_valid(value):
        raise InvalidInput(
            "A category is one of the standard ones or your own: lower-case letters, digits, "
            "'_' or '-', starting with a letter, at most 64 characters."
        )
    return value


def _check_classification(classification: str) -> str:
    if classification not in domain.CLASSIFICATIONS:
        raise InvalidInput(f"classification must be one of {', '.join(domain.CLASSIFICATIONS)}.")
    return classification


def _spending_moved(db: Session, user_id: str, fallback_timezone: str) -> None:
    """After a committed change of categories or classifications: spending moved
    between budgets, so an 80 % or 100 % alert may be due now rather than at the next
    sync. A failure here is logged; the user's change stands."""
    # The change is this process's own: whatever clock stamped it, no breakdown kept
    # from before it may be served.
    spending.forget(user_id)
    try:
        budgets.check_after_recategorisation(db, user_id, fallback_timezone=fallback_timezone)
    except Exception:
        db.rollback()
        log.exception("budget.check_failed", user_id=user_id)


# --- overrides -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChoiceResult:
    transaction: Transaction
    suggestion: domain.Suggestion | None


UNSET: Any = object()


def set_choice(
    db: Session,
    user_id: str,
    transaction_id: str,
    *,
    category: str | None = UNSET,
    classification: str | None = UNSET,
    fallback_timezone: str = DEFAULT_TIMEZONE,
) -> ChoiceResult:
    """Set (or, with None, hand back) a transaction's category and/or classification.

    Returns the transaction and the suggestion the change makes possible for
    its merchant, if there is one.
    """
    t = _transaction(db, user_id, transaction_id)
    if category is UNSET and classification is UNSET:
        raise InvalidInput("Give a category, a classification, or both.")
    again: set[str] = set()
    if category is not UNSET:
        if category is None:
            t.category_source = None
            again.add(t.id)
        else:
            t.category = _check_category(category)
            t.category_source = categories.SOURCE_USER
    if classification is not UNSET:
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
            value = _check_classification(classification)
            t.classification = value
            t.classification_source = domain.SOURCE_USER
            t.classification_reason = f"You marked this as {_LABELS[value]}"
    db.flush()
    if again:
        service.classify_changed(db, user_id, transaction_ids=again)
    db.commit()
    _spending_moved(db, user_id, fallback_timezone)
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


# --- internal pairs --------------------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    kind: str
    out: Transaction
    into: Transaction


def list_pairs(
    db: Session, user_id: str, *, limit: int = 100, until: datetime | None = None
) -> list[Pair]:
    """Matched pairs (own transfers and card repayments), newest first, by their money-out side."""
    statement = (
        owned(Transaction, user_id)
        .where(
            Transaction.linked_transaction_id.is_not(None),
            Transaction.amount < 0,
            Transaction.classification.in_(
                (domain.Classification.INTERNAL_TRANSFER, domain.Classification.CARD_REPAYMENT)
            ),
        )
        .order_by(Transaction.created_at.desc(), Transaction.id)
        .limit(limit)
    )
    if until is not None:
        statement = statement.where(Transaction.created_at < until)
    outs = list(db.scalars(statement))
    partner_ids = [t.linked_transaction_id for t in outs if t.linked_transaction_id]
    found = db.scalars(owned(Transaction, user_id).where(Transaction.id.in_(partner_ids)))
    partners = {p.id: p for p in found}
    return [
        Pair(t.classification or "", t, partners[t.linked_transaction_id])
        for t in outs
        if t.linked_transaction_id in partners
    ]


def _remember(db: Session, user_id: str, kind: str, key: str) -> None:
    exists = db.scalar(
        select(InsightDismissal.id).where(
            InsightDismissal.user_id == user_id,
            InsightDismissal.kind == kind,
            InsightDismissal.key == key,
        )
    )
    if exists is None:
        db.add(InsightDismissal(user_id=user_id, kind=kind, key=key))


def reject_pair(
    db: Session, user_id: str, transaction_id: str, *, fallback_timezone: str = DEFAULT_TIMEZONE
) -> tuple[Transaction, Transaction]:
    """ "These two are not a pair": unlink both, decide both again, never pair them again."""
    t = _transaction(db, user_id, transaction_id)
    if t.linked_transaction_id is None:
        raise InvalidInput("This transaction is not matched with another one.")
    partner = _transaction(db, user_id, t.linked_transaction_id)
    a, b = domain.pair_key(t.id, partner.id)
    _remember(db, user_id, service.DISMISS_PAIR, f"{a}:{b}")
    for side in (t, partner):
        side.linked_transaction_id = None
        if side.classification_source != domain.SOURCE_USER:
            side.classification = None
    db.flush()
    service.classify_changed(db, user_id, transaction_ids={t.id, partner.id})
    db.commit()
    _spending_moved(db, user_id, fallback_timezone)
    db.refresh(t)
    db.refresh(partner)
    log.info("insight.pair_rejected", user_id=user_id, transaction_ids=[a, b])
    return t, partner


# --- categories and rules ---------------------------------------------------------------------


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


def create_rule(
    db: Session,
    user_id: str,
    data: RuleInput,
    *,
    source: str = RULE_SOURCE_USER,
    exact_key: bool = False,
    fallback_timezone: str = DEFAULT_TIMEZONE,
) -> tuple[CategoryRule, int]:
    """Add a rule and re-categorise past transactions; returns it and how many changed.

    A merchant given as people write it ("TESCO STORES 2214") is normalised to
    its key ("tesco"), unless `exact_key` says it already is one.
    """
    category = _check_category(data.category)
    merchant = _blank(data.merchant_key)
    if merchant is None:
        key = None
    else:
        key = merchant.lower() if exact_key else normalise_merchant(merchant)
    contains, equals = _blank(data.description_contains), _blank(data.description_equals)
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
        _spending_moved(db, user_id, fallback_timezone)
    log.info("insight.rule_created", user_id=user_id, rule_id=rule.id, changed=changed)
    return rule, changed


def delete_rule(
    db: Session, user_id: str, rule_id: str, *, fallback_timezone: str = DEFAULT_TIMEZONE
) -> int:
    rule = get_owned(db, CategoryRule, rule_id, user_id)
    if rule is None:
        raise NotFound("No such rule.")
    db.delete(rule)
    db.flush()
    changed = recategorise(db, user_id)
    db.commit()
    if changed:
        _spending_moved(db, user_id, fallback_timezone)
    log.info("insight.rule_deleted", user_id=user_id, rule_id=rule_id, changed=changed)
    return changed


_TXNS = table_of(Transaction)
_SET_CATEGORY = (
    update(_TXNS)
    .where(_TXNS.c.id == bindparam("b_id"))
    .values(category=bindparam("b_category"), category_source=bindparam("b_source"))
)


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
    context = domain.Context(accounts={}, merchant_categories=learned)
    rules = categories.ordered(service.user_rules(db, user_id))
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
    for start in range(0, len(changes), 1000):
        db.connection().execute(_SET_CATEGORY, changes[start : start + 1000])
    return len(changes)


def categories_in_use(db: Session, user_id: str) -> list[tuple[str, int, bool]]:
    """(category, transactions, standard?) for every category in use and every standard one."""
    counts: dict[str, int] = {c: 0 for c in categories.CATEGORIES}
    for category, count in db.execute(
        select(Transaction.category, func.count())
        .where(Transaction.user_id == user_id, Transaction.category.is_not(None))
        .group_by(Transaction.category)
    ):
        counts[str(category)] = int(count)
    return [(c, n, c in categories.CATEGORIES) for c, n in sorted(counts.items())]


# --- suggestions ----------------------------------------------------------------------------


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
    fallback_timezone: str = DEFAULT_TIMEZONE,
) -> tuple[CategoryRule, int]:
    """Accept "apply <category> to past and future <merchant>": the rule, and how many
    past transactions (not categorised by hand) changed."""
    key = _exact_key(merchant_key)
    value = _check_category(category)
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
            _spending_moved(db, user_id, fallback_timezone)
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
    value = _check_category(category)
    _remember(db, user_id, service.DISMISS_SUGGESTION, domain.suggestion_key(key, value))
    db.commit()
