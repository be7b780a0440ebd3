"""insight: the user's own categories, with a name of their choosing

A category of the user's own gets a row: its `key` (what transactions, rules and
budgets carry, never changed) and its `name` (shown, renamed freely, unique per
user whatever its case). Every own category already in use, on a transaction, a
rule or a budget, gets its row here, named after its key ("pet_food" → "Pet food").

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 05:40:00.000000
"""

import os
import re
import time
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import potwise.db.types
from potwise import clock

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The vocabulary as it stood at this revision: these need no row.
_BUILT_IN = frozenset(
    [
        "bills",
        "cash",
        "charity",
        "eating_out",
        "entertainment",
        "expenses",
        "family",
        "finances",
        "general",
        "gifts",
        "groceries",
        "holidays",
        "income",
        "personal_care",
        "savings",
        "shopping",
        "transfers",
        "transport",
    ]
)
_OWN = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")


def _new_id() -> str:
    return f"{time.time_ns() // 1_000_000:012x}{os.urandom(10).hex()}"


def _create_table() -> None:
    op.create_table(
        "categories",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("name_folded", sa.String(length=64), nullable=False),
        sa.Column("created_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_categories_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_categories_user_id_key")),
        sa.UniqueConstraint(
            "user_id", "name_folded", name=op.f("uq_categories_user_id_name_folded")
        ),
    )
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_categories_user_id"), ["user_id"], unique=False)


def _in_use(connection: sa.Connection) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for name in ("transactions", "category_rules", "budgets"):
        table = sa.table(name, sa.column("user_id", sa.String), sa.column("category", sa.String))
        rows = connection.execute(
            sa.select(table.c.user_id, table.c.category)
            .where(table.c.category.is_not(None))
            .distinct()
        )
        for user_id, category in rows:
            if category not in _BUILT_IN and _OWN.fullmatch(category):
                found.add((str(user_id), str(category)))
    return found


def upgrade() -> None:
    _create_table()
    connection = op.get_bind()
    table = sa.table(
        "categories",
        sa.column("id", sa.String),
        sa.column("user_id", sa.String),
        sa.column("key", sa.String),
        sa.column("name", sa.String),
        sa.column("name_folded", sa.String),
        sa.column("created_at", potwise.db.types.UTCDateTime(timezone=True)),
        sa.column("updated_at", potwise.db.types.UTCDateTime(timezone=True)),
    )
    now = clock.now()
    for user_id, key in sorted(_in_use(connection)):
        name = key.replace("_", " ").capitalize()
        connection.execute(
            table.insert().values(
                id=_new_id(),
                user_id=user_id,
                key=key,
                name=name,
                name_folded=name.casefold(),
                created_at=now,
                updated_at=now,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_categories_user_id"))
    op.drop_table("categories")
