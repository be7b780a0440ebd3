"""The user's side of the picture: accounts, rules, rejected pairs, pots, and the
category the providers most often give each merchant."""

from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from potwise.db.models import Account, CategoryRule, InsightDismissal, Pot, Transaction, table_of
from potwise.db.scoping import owned
from potwise.domain import categories
from potwise.domain import classify as domain
from potwise.services.insight.classify.reading import CHUNK, Row

#: The kinds of what the user said no to (`InsightDismissal.kind`).
DISMISS_PAIR = "transfer_pair"
DISMISS_SUGGESTION = "category_suggestion"

_ACCOUNTS = table_of(Account)
_POTS = table_of(Pot)
_DISMISSALS = table_of(InsightDismissal)
_USER_ACCOUNTS = select(
    _ACCOUNTS.c.id, _ACCOUNTS.c.kind, _ACCOUNTS.c.name, _ACCOUNTS.c.provider
).where(_ACCOUNTS.c.user_id == bindparam("user_id"))
_USER_POTS = select(_POTS.c.external_id, _POTS.c.name).where(
    _POTS.c.user_id == bindparam("user_id")
)
_REJECTED_PAIRS = select(_DISMISSALS.c.key).where(
    _DISMISSALS.c.user_id == bindparam("user_id"), _DISMISSALS.c.kind == DISMISS_PAIR
)


def _rule(r: CategoryRule) -> categories.Rule:
    return categories.Rule(
        id=r.id,
        category=r.category,
        created_at=r.created_at,
        priority=r.priority,
        merchant_key=r.merchant_key,
        description_contains=r.description_contains,
        description_equals=r.description_equals,
        min_amount=r.min_amount,
        max_amount=r.max_amount,
        account_id=r.account_id,
    )


def user_rules(db: Session, user_id: str) -> list[categories.Rule]:
    """The user's category rules, as the domain reads them."""
    return [_rule(r) for r in db.scalars(owned(CategoryRule, user_id))]


def rejected_pairs(db: Session, user_id: str) -> frozenset[tuple[str, str]]:
    """The pairs the user said are not pairs (`domain.pair_key` of their ids)."""
    keys = db.scalars(_REJECTED_PAIRS, {"user_id": user_id})
    pairs: set[tuple[str, str]] = set()
    for key in keys:
        a, _, b = key.partition(":")
        if a and b:
            pairs.add(domain.pair_key(a, b))
    return frozenset(pairs)


def accounts_of(db: Session, user_id: str) -> dict[str, domain.AccountInfo]:
    """The user's accounts by id, as classification needs them."""
    rows = db.execute(_USER_ACCOUNTS, {"user_id": user_id})
    return {r[0]: domain.AccountInfo(r[0], r[1], r[2], r[3]) for r in rows}


def context_of(db: Session, user_id: str, merchant_categories: dict[str, str]) -> domain.Context:
    """The user's side for a run: accounts, rules, rejected pairs, pot names."""
    pots = {
        str(external_id): str(name)
        for external_id, name in db.execute(_USER_POTS, {"user_id": user_id})
    }
    return domain.Context(
        accounts=accounts_of(db, user_id),
        rules=user_rules(db, user_id),
        rejected_pairs=rejected_pairs(db, user_id),
        pot_names=pots,
        merchant_categories=merchant_categories,
    )


def merchant_categories_of(
    db: Session, user_id: str, rows: dict[str, Row], *, everything_loaded: bool
) -> dict[str, str]:
    """Merchant key → the category providers most often give it, for rows that have
    none of their own (a card refund with no classification)."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    needed: set[str] = set()
    for row in rows.values():
        key = domain.transaction_key(row.txn)
        if key is None:
            continue
        provided = categories.from_provider(row.txn.provider_category)
        if provided is not None:
            counts[key][provided] += 1
        elif not row.txn.user_categorised:
            needed.add(key)
    if not everything_loaded:
        missing = sorted(needed)
        for start in range(0, len(missing), CHUNK):
            found = db.execute(
                select(Transaction.merchant_key, Transaction.provider_category, func.count())
                .where(
                    Transaction.user_id == user_id,
                    Transaction.merchant_key.in_(missing[start : start + CHUNK]),
                    Transaction.provider_category.is_not(None),
                )
                .group_by(Transaction.merchant_key, Transaction.provider_category)
            )
            for key, provider, count in found:
                provided = categories.from_provider(provider)
                if key is not None and provided is not None:
                    counts[key][provided] += int(count)
    chosen: dict[str, str] = {}
    for key in needed:
        best = categories.merchant_category(counts.get(key, Counter()))
        if best is not None:
            chosen[key] = best
    return chosen
