"""cash flow: commitments, planned items, card models, preferences

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 13:41:10.484943

The user's decisions on detected commitments (and manual ones), planned expenses
and instalment plans, credit-card repayment models, and cash-flow preferences
(payday override, pots counted as cash, set-asides).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import potwise.db.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cashflow_preferences",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("payday_day", sa.Integer(), nullable=True),
        sa.Column("payday_last_working_day", sa.Boolean(), nullable=False),
        sa.Column("included_pot_ids", sa.JSON(), nullable=False),
        sa.Column("set_asides", sa.JSON(), nullable=False),
        sa.Column("updated_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_cashflow_preferences_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cashflow_preferences")),
        sa.UniqueConstraint("user_id", name=op.f("uq_cashflow_preferences_user_id")),
    )
    op.create_table(
        "card_models",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("fixed_amount", sa.BigInteger(), nullable=True),
        sa.Column("annual_rate", sa.String(length=16), nullable=False),
        sa.Column("due_day", sa.Integer(), nullable=True),
        sa.Column("pay_from_account_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "mode IN ('pay_in_full', 'fixed', 'minimum')", name=op.f("ck_card_models_mode")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_card_models_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pay_from_account_id"],
            ["accounts.id"],
            name=op.f("fk_card_models_pay_from_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_card_models_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_models")),
        sa.UniqueConstraint("account_id", name=op.f("uq_card_models_account_id")),
    )
    with op.batch_alter_table("card_models", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_card_models_user_id"), ["user_id"], unique=False)

    op.create_table(
        "commitments",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("manual", sa.Boolean(), nullable=False),
        sa.Column("payee", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("cadence", sa.String(length=32), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=True),
        sa.Column("day_of_month", sa.Integer(), nullable=True),
        sa.Column("anchor", sa.Date(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("created_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("direction IN ('in', 'out')", name=op.f("ck_commitments_direction")),
        sa.CheckConstraint(
            "status IN ('detected', 'confirmed', 'dismissed')", name=op.f("ck_commitments_status")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_commitments_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_commitments_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitments")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_commitments_user_id_key")),
    )
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commitments_user_id"), ["user_id"], unique=False)

    op.create_table(
        "planned_items",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=True),
        sa.Column("annual_rate", sa.String(length=16), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_planned_items_amount_nonzero")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_planned_items_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_planned_items_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_planned_items")),
    )
    with op.batch_alter_table("planned_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_planned_items_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("planned_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_planned_items_user_id"))

    op.drop_table("planned_items")
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commitments_user_id"))

    op.drop_table("commitments")
    with op.batch_alter_table("card_models", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_card_models_user_id"))

    op.drop_table("card_models")
    op.drop_table("cashflow_preferences")
