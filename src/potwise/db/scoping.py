"""Queries for user data go through here, so they are scoped to one user by construction."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from potwise.db.models import USER_OWNED_MODELS, Base

M = TypeVar("M", bound=Base)
S = TypeVar("S", bound="Select[*tuple[Any, ...]]")


def _check_owned(model: type[Base]) -> None:
    if model not in USER_OWNED_MODELS:
        raise TypeError(f"{model.__name__} is not a user-owned model")


def for_user(statement: S, model: type[Base], user_id: str) -> S:
    """Add `model.user_id = :user_id` to any statement over a user-owned model."""
    _check_owned(model)
    column: Any = model.user_id  # type: ignore[attr-defined]
    return statement.where(column == user_id)


def owned(model: type[M], user_id: str) -> Select[M]:
    """`SELECT model WHERE user_id = :user_id`, to refine with more conditions."""
    return for_user(select(model), model, user_id)


def get_owned(db: Session, model: type[M], object_id: str, user_id: str) -> M | None:
    """The user's object with this id, or None when it is absent or someone else's."""
    column: Any = model.id  # type: ignore[attr-defined]
    return db.scalars(owned(model, user_id).where(column == object_id)).one_or_none()
