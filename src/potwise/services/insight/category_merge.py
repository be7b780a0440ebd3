"""Merging one of the user's own categories into another category.

Every transaction, category rule and budget of the merged category moves to the
target (a built-in category or another of the user's own), and the merged
category goes, all in one database transaction: a failure part-way leaves
everything as it was. A transaction the user categorised by hand stays theirs,
in the target. When both categories have a budget, or the target cannot have
one (income, say), the merge is refused before anything changes: the user
decides which cap stays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.models import Budget, Category, CategoryRule, Transaction
from potwise.db.scoping import owned
from potwise.domain import category_names as naming
from potwise.logs import get_logger
from potwise.services.errors import Conflict, InvalidInput
from potwise.services.insight import own_categories
from potwise.services.insight.choices.effects import spending_moved

log = get_logger(__name__)


@dataclass(frozen=True)
class Merged:
    """Where the merged category went and how much moved with it."""

    key: str
    name: str
    transactions: int
    rules: int
    budgets: int


def _budget_of(db: Session, user_id: str, key: str) -> Budget | None:
    return db.scalars(owned(Budget, user_id).where(Budget.category == key)).first()


def _check_budgets(db: Session, user_id: str, source: Category, key: str, name: str) -> None:
    """Refuse a merge that would leave two budgets on one category, or a budget on a
    category no budget can cap."""
    if _budget_of(db, user_id, source.key) is None:
        return
    if _budget_of(db, user_id, key) is not None:
        raise Conflict(
            f"{source.name} and {name} both have a budget. Delete or change one of them "
            "first; nothing was merged."
        )
    if not naming.can_budget(key):
        raise Conflict(
            f"{source.name} has a budget, and {name} cannot have one (it is not spending). "
            "Delete that budget first; nothing was merged."
        )


def _move(db: Session, user_id: str, source: str, target: str) -> tuple[int, int, int]:
    """Point every row that carries `source` at `target`; counts of each kind moved."""
    now = clock.now()
    statements = (
        update(Transaction)
        .where(Transaction.user_id == user_id, Transaction.category == source)
        .values(category=target, updated_at=now),
        update(CategoryRule)
        .where(CategoryRule.user_id == user_id, CategoryRule.category == source)
        .values(category=target),
        update(Budget)
        .where(Budget.user_id == user_id, Budget.category == source)
        .values(category=target, updated_at=now),
    )
    counts = [
        _rowcount(db.execute(s.execution_options(synchronize_session=False))) for s in statements
    ]
    return counts[0], counts[1], counts[2]


def _rowcount(result: Any) -> int:
    return int(result.rowcount or 0)


def merge(
    db: Session, user_id: str, category_id: str, into: str, *, fallback_timezone: str
) -> Merged:
    """Merge the user's own category `category_id` into `into` (a built-in key or the id
    of another of their own), in one transaction, then check budgets again."""
    source = own_categories.get(db, user_id, category_id)
    key = own_categories.resolve(db, user_id, into)
    if key == source.key:
        raise InvalidInput("Choose another category to merge into.")
    name = own_categories.names(db, user_id)[key]
    _check_budgets(db, user_id, source, key, name)
    try:
        transactions, rules, budgets = _move(db, user_id, source.key, key)
        db.delete(source)
        db.commit()
    except IntegrityError:
        db.rollback()
        raise Conflict(f"{name} changed meanwhile; nothing was merged, try again.") from None
    except BaseException:
        db.rollback()
        raise
    db.expire_all()
    spending_moved(db, user_id, fallback_timezone)
    log.info(
        "category.merged",
        user_id=user_id,
        category_id=category_id,
        into=key,
        transactions=transactions,
        rules=rules,
        budgets=budgets,
    )
    return Merged(key, name, transactions, rules, budgets)
