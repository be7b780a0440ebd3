"""cash flow: commitment alerts sent, and how closely a payment must match

A row per alert already sent (a bill or income that did not arrive, a bill
that rose) so each goes out once; the matching window (working days) and
amount tolerance (percent) become cash-flow settings.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 09:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import potwise.db.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "commitment_alerts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("commitment_id", sa.String(length=32), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("occurrence", sa.String(length=64), nullable=False),
        sa.Column("created_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commitment_id"],
            ["commitments.id"],
            name=op.f("fk_commitment_alerts_commitment_id_commitments"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_commitment_alerts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitment_alerts")),
        sa.UniqueConstraint(
            "user_id",
            "subject",
            "kind",
            "occurrence",
            name=op.f("uq_commitment_alerts_user_id_subject_kind_occurrence"),
        ),
    )
    with op.batch_alter_table("commitment_alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commitment_alerts_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("cashflow_preferences", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("match_working_days", sa.Integer(), server_default="2", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "match_amount_percent", sa.String(length=16), server_default="7.5", nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("cashflow_preferences", schema=None) as batch_op:
        batch_op.drop_column("match_amount_percent")
        batch_op.drop_column("match_working_days")
    with op.batch_alter_table("commitment_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commitment_alerts_user_id"))
    op.drop_table("commitment_alerts")
