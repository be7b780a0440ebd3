"""mirror and rules: a transaction the bank dated without a time; what woke a rule's run

`transactions.date_only`: TrueLayer gives many card and bank transactions a date
with a midnight time (`2025-03-02T00:00:00Z`: "a date more than a moment"); such a
row is shown by its date alone. Rows mirrored before this revision are marked when
they came from an Open Banking account (not Monzo, whose times are real) at exactly
midnight UTC, as the sync now marks them.

`automation_runs.cause`: what set off a run woken by a Monzo transaction (a pot
move, money in, a card purchase), so its history says it in words; older runs have
none and read by their trigger alone.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 05:40:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from potwise.db.types import UTCDateTime

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("date_only", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("automation_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cause", sa.String(length=32), nullable=True))
    transactions = sa.table(
        "transactions",
        sa.column("id", sa.String),
        sa.column("account_id", sa.String),
        sa.column("created_at", UTCDateTime(timezone=True)),
        sa.column("date_only", sa.Boolean),
    )
    accounts = sa.table("accounts", sa.column("id", sa.String), sa.column("provider", sa.String))
    open_banking = sa.select(accounts.c.id).where(accounts.c.provider != "monzo")
    rows = op.get_bind().execute(
        sa.select(transactions.c.id, transactions.c.created_at).where(
            transactions.c.account_id.in_(open_banking)
        )
    )
    midnight = [row.id for row in rows if _at_midnight(row.created_at)]
    for start in range(0, len(midnight), 500):
        op.execute(
            transactions.update()
            .where(transactions.c.id.in_(midnight[start : start + 500]))
            .values(date_only=True)
        )


def _at_midnight(moment: datetime | None) -> bool:
    if moment is None:
        return False
    utc = moment.astimezone(UTC)
    return (utc.hour, utc.minute, utc.second, utc.microsecond) == (0, 0, 0, 0)


def downgrade() -> None:
    with op.batch_alter_table("automation_runs", schema=None) as batch_op:
        batch_op.drop_column("cause")
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.drop_column("date_only")
