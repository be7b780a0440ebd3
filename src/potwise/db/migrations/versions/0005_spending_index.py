"""spending breakdowns: a covering index over a user's transactions by time

Replaces ix_transactions_user_created (user_id, created_at) with an index that
starts with the same two columns and also holds every column the spending
breakdowns read, so SQLite and PostgreSQL answer them from the index alone.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 13:05:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = [
    "user_id",
    "created_at",
    "status",
    "classification",
    "pot_external_id",
    "currency",
    "amount",
    "account_id",
    "category",
    "merchant_key",
    "merchant",
]


def upgrade() -> None:
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.create_index("ix_transactions_user_created_spending", COLUMNS, unique=False)
        batch_op.drop_index("ix_transactions_user_created")


def downgrade() -> None:
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_transactions_user_created", ["user_id", "created_at"], unique=False
        )
        batch_op.drop_index("ix_transactions_user_created_spending")
