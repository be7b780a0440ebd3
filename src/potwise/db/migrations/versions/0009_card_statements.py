"""cash flow: a card's last statement and payment due, as its provider reports them

TrueLayer card balances carry the last statement's balance and date and the
payment due and its date (American Express: no payment due); card repayment
models prefer them to dates inferred from history.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 10:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("statement_balance", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("statement_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("payment_due", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("payment_due_date", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("payment_due_date")
        batch_op.drop_column("payment_due")
        batch_op.drop_column("statement_date")
        batch_op.drop_column("statement_balance")
