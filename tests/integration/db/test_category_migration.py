"""Migration 0012 on SQLite and PostgreSQL: every own category already in use, on a
transaction, a rule or a budget, becomes a row named after its key."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from potwise.db import migrate
from potwise.db.models import Budget, Category, CategoryRule, User
from tests.integration.insight.builders import Household


def test_own_categories_in_use_get_a_named_row(engine: Engine, db: Session) -> None:
    # The rows are written at head (the models are head's), then the schema goes back to
    # before 0012, dropping what 0012 made, and comes forward again.
    try:
        alice = User(email="alice@example.com", password_hash="x")
        bob = User(email="bob@example.com", password_hash="x")
        db.add_all([alice, bob])
        db.commit()
        at = datetime(2026, 4, 1, tzinfo=UTC)
        Household.of(db, alice.id).add(at, -500, category="pet_food")
        Household.of(db, alice.id).add(at, -500, category="groceries")  # built in: no row
        Household.of(db, bob.id).add(at, -500, category="pet_food")
        db.add_all(
            [
                Budget(user_id=alice.id, category="pets", amount=100),
                Budget(user_id=alice.id, category="Free Text", amount=100),  # never a key
                CategoryRule(user_id=alice.id, category="pet_food", description_contains="vet"),
                CategoryRule(user_id=bob.id, category="gym", description_contains="gym"),
            ]
        )
        db.commit()
        db.execute(delete(Category))
        db.commit()
        db.close()
        command.downgrade(migrate.alembic_config(engine), "0011")
    finally:
        migrate.upgrade(engine)
    rows = db.execute(
        select(Category.user_id, Category.key, Category.name, Category.name_folded)
    ).all()
    assert sorted(rows) == sorted(
        [
            (alice.id, "pet_food", "Pet food", "pet food"),
            (alice.id, "pets", "Pets", "pets"),
            (bob.id, "gym", "Gym", "gym"),
            (bob.id, "pet_food", "Pet food", "pet food"),
        ]
    )
    assert all(c.created_at.tzinfo is not None for c in db.scalars(select(Category)))
