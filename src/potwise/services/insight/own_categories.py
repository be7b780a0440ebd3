"""The user's categories: the built-in ones and their own, listed, created and renamed.

One list serves every place a category is chosen (budgets, re-categorising a
transaction, the transactions filter, spending): :func:`listing` with counts,
:func:`options` as (key, name) pairs, :func:`names` to show a key. A built-in
category is identified by its key ("groceries"); one of the user's own by its
row's id. Built-in categories keep their names; the user's own are renamed
freely (the key they carry stays) and merged (see ``category_merge``).

A category the user gives as a key where one is expected (re-categorising a
transaction or writing a rule through the API, ``"pets"``) becomes one of their
own if it is new (:func:`ensure`), so it is listed like the rest.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.models import Category, Transaction
from potwise.db.scoping import get_owned, owned
from potwise.domain import category_names as naming
from potwise.domain.categories import CATEGORIES
from potwise.domain.errors import DomainError
from potwise.domain.spending import Breakdown
from potwise.logs import get_logger
from potwise.services.errors import Conflict, InvalidInput, NotFound

log = get_logger(__name__)


@dataclass(frozen=True)
class CategoryView:
    """A category as listed: `id` is the key for a built-in one, the row's id for one of
    the user's own; `count` is how many of the user's transactions carry it."""

    id: str
    key: str
    name: str
    built_in: bool
    own: bool
    budgetable: bool
    count: int


def with_names(db: Session, user_id: str, breakdown: Breakdown) -> Breakdown:
    """A spending breakdown by category whose groups carry the categories' names, the
    user's own by the names they gave them (a copy: the one given may be shared)."""
    shown = names(db, user_id)
    groups = [dataclasses.replace(g, label=shown.get(g.key, g.label)) for g in breakdown.groups]
    return dataclasses.replace(breakdown, groups=groups)


def own(db: Session, user_id: str) -> list[Category]:
    """The user's own categories, by name."""
    return list(db.scalars(owned(Category, user_id).order_by(Category.name_folded)))


def names(db: Session, user_id: str) -> dict[str, str]:
    """Every category's key → its name: the built-in ones and the user's own."""
    shown = {key: naming.default_name(key) for key in CATEGORIES}
    shown.update({c.key: c.name for c in own(db, user_id)})
    return shown


def options(db: Session, user_id: str, *, for_budget: bool = False) -> list[tuple[str, str]]:
    """(key, name) of every category to choose from, by name; `for_budget` leaves out
    those no budget can cap (income, transfers, savings)."""
    pairs = names(db, user_id).items()
    return sorted(
        ((k, n) for k, n in pairs if not for_budget or naming.can_budget(k)),
        key=lambda pair: (pair[1].casefold(), pair[0]),
    )


def listing(db: Session, user_id: str) -> list[CategoryView]:
    """Every built-in category, every own one and any other in use, by name, each with
    how many of the user's transactions carry it."""
    counts: dict[str, int] = {
        str(category): int(count)
        for category, count in db.execute(
            select(Transaction.category, func.count())
            .where(Transaction.user_id == user_id, Transaction.category.is_not(None))
            .group_by(Transaction.category)
        )
    }
    rows = {c.key: c for c in own(db, user_id)}
    views = [
        CategoryView(
            id=rows[key].id if key in rows else key,
            key=key,
            name=rows[key].name if key in rows else naming.default_name(key),
            built_in=key in CATEGORIES,
            own=key in rows,
            budgetable=naming.can_budget(key),
            count=counts.get(key, 0),
        )
        for key in set(CATEGORIES) | set(rows) | set(counts)
    ]
    return sorted(views, key=lambda v: (v.name.casefold(), v.key))


def _clean(name: str) -> str:
    try:
        return naming.clean_name(name)
    except DomainError as exc:
        raise InvalidInput(exc.message) from None


def _name_free(db: Session, user_id: str, name: str, *, besides: str | None = None) -> None:
    """Refuse a name another category of the user's has, in any case."""
    wanted = name.casefold()
    if wanted in naming.built_in_names():
        raise Conflict(f"{name} is a built-in category already; choose it, or another name.")
    statement = owned(Category, user_id).where(Category.name_folded == wanted)
    if besides is not None:
        statement = statement.where(Category.id != besides)
    if db.scalars(statement).first() is not None:
        raise Conflict(f"You already have a category called {name}.")


def _commit(db: Session, name: str) -> None:
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        raise Conflict(f"You already have a category called {name}.") from None


def create(db: Session, user_id: str, name: str) -> Category:
    """A new category of the user's own, its key made from its name."""
    cleaned = _clean(name)
    _name_free(db, user_id, cleaned)
    taken = set(db.scalars(select(Category.key).where(Category.user_id == user_id)))
    now = clock.now()
    category = Category(
        user_id=user_id,
        key=naming.key_for(cleaned, taken),
        name=cleaned,
        name_folded=cleaned.casefold(),
        created_at=now,
        updated_at=now,
    )
    db.add(category)
    _commit(db, cleaned)
    log.info("category.created", user_id=user_id, category_id=category.id, key=category.key)
    return category


def get(db: Session, user_id: str, category_id: str) -> Category:
    """One of the user's own categories; a built-in key is refused in words, anything
    else (someone else's category included) is `NotFound`."""
    found = get_owned(db, Category, category_id, user_id)
    if found is not None:
        return found
    if category_id in CATEGORIES:
        raise InvalidInput(
            f"{naming.default_name(category_id)} is built in: it keeps its name and cannot "
            "be merged away. Create a category of your own instead, or merge one into it."
        )
    raise NotFound("No such category.")


def rename(db: Session, user_id: str, category_id: str, name: str) -> Category:
    """Give one of the user's own categories a new name; what carries it is unchanged."""
    category = get(db, user_id, category_id)
    cleaned = _clean(name)
    _name_free(db, user_id, cleaned, besides=category.id)
    old = category.name
    category.name = cleaned
    category.name_folded = cleaned.casefold()
    category.updated_at = clock.now()
    _commit(db, cleaned)
    log.info("category.renamed", user_id=user_id, category_id=category.id, was=old)
    return category


def resolve(db: Session, user_id: str, category_id: str) -> str:
    """The key of a category named by its id: a built-in key, or the id of one of the
    user's own; `NotFound` otherwise."""
    if category_id in CATEGORIES:
        return category_id
    found = get_owned(db, Category, category_id, user_id)
    if found is None:
        raise NotFound("No such category.")
    return found.key


def ensure(db: Session, user_id: str, key: str) -> None:
    """Make `key` (already checked as a key) one of the user's own categories if it is
    neither built in nor theirs yet, named after it; flushed, not committed."""
    if key in CATEGORIES:
        return
    if db.scalars(owned(Category, user_id).where(Category.key == key)).first() is not None:
        return
    name = naming.default_name(key)[: naming.MAX_NAME]
    taken = {n.casefold() for n in names(db, user_id).values()}
    if name.casefold() in taken:
        name = key[: naming.MAX_NAME]
    number = 1
    while name.casefold() in taken:
        number += 1
        name = f"{key[: naming.MAX_NAME - 4]} {number}"
    db.add(Category(user_id=user_id, key=key, name=name, name_folded=name.casefold()))
    db.flush()
    log.info("category.created", user_id=user_id, key=key, implicit=True)


def check_budgetable(db: Session, user_id: str, key: str) -> None:
    """A budget's category must be one of the user's (built in or their own) and hold
    spending; `InvalidInput` says why not."""
    shown = names(db, user_id)
    if key not in shown:
        raise InvalidInput(
            f"category: there is no category {key!r}; choose one of yours "
            "(GET /api/v1/categories) or create it first."
        )
    if not naming.can_budget(key):
        raise InvalidInput(f"category: {naming.not_budgetable_message(shown[key])}")
