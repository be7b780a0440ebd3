"""automations, runs, transfers, notices, pause switches

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 11:27:19.421693
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import potwise.db.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "system_flags",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("updated_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_system_flags")),
    )
    op.create_table(
        "automations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("last_run_at", potwise.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('card_pot', 'sweep', 'autosort', 'topup', 'goal')",
            name=op.f("ck_automations_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_automations_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_automations")),
    )
    with op.batch_alter_table("automations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_automations_user_id"), ["user_id"], unique=False)

    op.create_table(
        "notices",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=48), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", potwise.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notices_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index("ix_notices_user_created", ["user_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_notices_user_id"), ["user_id"], unique=False)

    op.create_table(
        "automation_runs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("automation_id", sa.String(length=32), nullable=False),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("started_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", potwise.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("decision", sa.JSON(), nullable=False),
        sa.Column("data_as_of", potwise.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["automation_id"],
            ["automations.id"],
            name=op.f("fk_automation_runs_automation_id_automations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_automation_runs_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_automation_runs")),
    )
    with op.batch_alter_table("automation_runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_automation_runs_automation_started", ["automation_id", "started_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_automation_runs_user_id"), ["user_id"], unique=False)

    op.create_table(
        "transfers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("automation_id", sa.String(length=32), nullable=True),
        sa.Column("run_id", sa.String(length=32), nullable=True),
        sa.Column("pot_id", sa.String(length=32), nullable=True),
        sa.Column("pot_external_id", sa.String(length=128), nullable=False),
        sa.Column("account_external_id", sa.String(length=128), nullable=False),
        sa.Column("connection_id", sa.String(length=32), nullable=True),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("dedupe_id", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("state_after", sa.JSON(), nullable=True),
        sa.Column("created_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", potwise.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", potwise.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "direction IN ('deposit', 'withdraw')", name=op.f("ck_transfers_direction")
        ),
        sa.CheckConstraint(
            "status IN ('planned', 'sent', 'confirmed', 'failed', 'unknown')",
            name=op.f("ck_transfers_status"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_transfers_positive_amount")),
        sa.ForeignKeyConstraint(
            ["automation_id"],
            ["automations.id"],
            name=op.f("fk_transfers_automation_id_automations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_transfers_connection_id_connections"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["pot_id"], ["pots.id"], name=op.f("fk_transfers_pot_id_pots"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["automation_runs.id"],
            name=op.f("fk_transfers_run_id_automation_runs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_transfers_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfers")),
        sa.UniqueConstraint("dedupe_id", name=op.f("uq_transfers_dedupe_id")),
    )
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transfers_automation_id"), ["automation_id"], unique=False
        )
        batch_op.create_index("ix_transfers_status", ["status"], unique=False)
        batch_op.create_index("ix_transfers_user_created", ["user_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_transfers_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("automations_paused", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("automations_paused")

    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transfers_user_id"))
        batch_op.drop_index("ix_transfers_user_created")
        batch_op.drop_index("ix_transfers_status")
        batch_op.drop_index(batch_op.f("ix_transfers_automation_id"))

    op.drop_table("transfers")
    with op.batch_alter_table("automation_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_automation_runs_user_id"))
        batch_op.drop_index("ix_automation_runs_automation_started")

    op.drop_table("automation_runs")
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notices_user_id"))
        batch_op.drop_index("ix_notices_user_created")

    op.drop_table("notices")
    with op.batch_alter_table("automations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_automations_user_id"))

    op.drop_table("automations")
    op.drop_table("system_flags")
