"""`/api/v1/categories`: the built-in categories and the user's own; create, rename,
merge. Category rules and suggestions are in insight.py."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from potwise.db.models import Category
from potwise.services.insight import category_merge, own_categories
from potwise.web.security import AppSettings, CurrentCaller, Db

router = APIRouter(tags=["insight"])


class CategoryOut(BaseModel):
    id: str = Field(description="A built-in category's key, or the id of one of your own")
    key: str = Field(description="What transactions, rules and budgets carry")
    name: str
    category: str = Field(description="The key again (kept for older clients)")
    standard: bool = Field(description="Built in")
    own: bool = Field(description="One of your own: it can be renamed and merged")
    budgetable: bool = Field(description="A budget can cap it (not income, transfers, savings)")
    count: int = Field(description="Your transactions in it")


class CategoryList(BaseModel):
    items: list[CategoryOut]


class CategoryIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class CategoryChanges(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)


class MergeIn(BaseModel):
    into: str = Field(
        min_length=1, max_length=64, description="A built-in key or the id of one of your own"
    )


class MergedOut(BaseModel):
    key: str = Field(description="The category everything moved to")
    name: str
    transactions: int
    rules: int
    budgets: int


def _out(view: own_categories.CategoryView) -> CategoryOut:
    return CategoryOut(
        id=view.id,
        key=view.key,
        name=view.name,
        category=view.key,
        standard=view.built_in,
        own=view.own,
        budgetable=view.budgetable,
        count=view.count,
    )


def _own_out(db: Db, user_id: str, category: Category) -> CategoryOut:
    found = next(v for v in own_categories.listing(db, user_id) if v.key == category.key)
    return _out(found)


@router.get("/categories", response_model=CategoryList)
def list_categories(caller: CurrentCaller, db: Db) -> CategoryList:
    """Every built-in category and every one of your own (and any other in use), by
    name, with how many transactions have it."""
    return CategoryList(items=[_out(v) for v in own_categories.listing(db, caller.user.id)])


@router.post("/categories", response_model=CategoryOut, status_code=status.HTTP_201_CREATED)
def create_category(body: CategoryIn, caller: CurrentCaller, db: Db) -> CategoryOut:
    """A category of your own: a name of up to 40 characters, unlike any
    other of yours or a built-in one whatever the case; its key is made from it."""
    created = own_categories.create(db, caller.user.id, body.name)
    return _own_out(db, caller.user.id, created)


@router.patch("/categories/{category_id}", response_model=CategoryOut)
def rename_category(
    category_id: str, body: CategoryChanges, caller: CurrentCaller, db: Db
) -> CategoryOut:
    """Rename one of your own categories; its key, and all that carries it, stay.
    Built-in categories keep their names."""
    if body.name is None:
        return _own_out(db, caller.user.id, own_categories.get(db, caller.user.id, category_id))
    renamed = own_categories.rename(db, caller.user.id, category_id, body.name)
    return _own_out(db, caller.user.id, renamed)


@router.post("/categories/{category_id}/merge", response_model=MergedOut)
def merge_category(
    category_id: str, body: MergeIn, caller: CurrentCaller, db: Db, settings: AppSettings
) -> MergedOut:
    """Move every transaction, rule and budget of one of your own categories to another
    category (built in or yours), and remove it: all at once or not at all. Refused
    when both have a budget."""
    merged = category_merge.merge(
        db, caller.user.id, category_id, body.into, fallback_timezone=settings.timezone
    )
    return MergedOut(
        key=merged.key,
        name=merged.name,
        transactions=merged.transactions,
        rules=merged.rules,
        budgets=merged.budgets,
    )
