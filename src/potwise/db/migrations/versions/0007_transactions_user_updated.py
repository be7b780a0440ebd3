"""cash flow: an index over a user's transactions by last change

Cash flow keeps each user's commitment detection in memory until their
transactions change; (user_id, updated_at) lets it ask "how many, and when did
one last change" from the index alone.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 14:10:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_transactions_user_updated", ["user_id", "updated_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.drop_index("ix_transactions_user_updated")
