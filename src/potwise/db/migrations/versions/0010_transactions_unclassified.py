"""insight: a partial index over a user's never-classified transactions

After every sync the classifier asks for the user's rows never classified; a
partial index on user_id WHERE classification IS NULL answers from the few new
rows alone instead of visiting every row of the user. Classified rows leave it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNCLASSIFIED = sa.text("classification IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_transactions_user_unclassified",
            ["user_id"],
            unique=False,
            sqlite_where=UNCLASSIFIED,
            postgresql_where=UNCLASSIFIED,
        )


def downgrade() -> None:
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.drop_index("ix_transactions_user_unclassified")
