"""connections: oauth clients and states, sync runs, leases, standing orders

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 10:56:25.196848
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import potwise.db.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("expires_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_leases")),
    )
    op.create_table(
        "oauth_clients",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("client_id", sa.String(length=200), nullable=False),
        sa.Column("client_secret_enc", sa.Text(), nullable=True),
        sa.Column("created_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_oauth_clients_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_clients")),
        sa.UniqueConstraint("user_id", "provider", name=op.f("uq_oauth_clients_user_id_provider")),
    )
    with op.batch_alter_table("oauth_clients", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oauth_clients_user_id"), ["user_id"], unique=False)

    op.create_table(
        "oauth_states",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=True),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("connection_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", potwise.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_oauth_states_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_states")),
        sa.UniqueConstraint("state_hash", name=op.f("uq_oauth_states_state_hash")),
    )
    with op.batch_alter_table("oauth_states", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oauth_states_user_id"), ["user_id"], unique=False)

    op.create_table(
        "sync_runs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("connection_id", sa.String(length=32), nullable=False),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column("started_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", potwise.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("api_calls", sa.Integer(), nullable=False),
        sa.Column("retries", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_sync_runs_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sync_runs_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_runs")),
    )
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sync_runs_connection_started", ["connection_id", "started_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sync_runs_user_id"), ["user_id"], unique=False)

    op.create_table(
        "unattended_calls",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("connection_id", sa.String(length=32), nullable=False),
        sa.Column("at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("endpoint", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_unattended_calls_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unattended_calls")),
    )
    with op.batch_alter_table("unattended_calls", schema=None) as batch_op:
        batch_op.create_index(
            "ix_unattended_calls_connection_at", ["connection_id", "at"], unique=False
        )

    op.create_table(
        "direct_debits",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("connection_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("payee", sa.String(length=200), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("last_amount", sa.BigInteger(), nullable=True),
        sa.Column("last_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("updated_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_direct_debits_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_direct_debits_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_direct_debits_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_direct_debits")),
        sa.UniqueConstraint(
            "connection_id", "external_id", name=op.f("uq_direct_debits_connection_id_external_id")
        ),
    )
    with op.batch_alter_table("direct_debits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_direct_debits_connection_id"), ["connection_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_direct_debits_user_id"), ["user_id"], unique=False)

    op.create_table(
        "standing_orders",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("connection_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("payee", sa.String(length=200), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("frequency", sa.String(length=64), nullable=False),
        sa.Column("next_date", sa.Date(), nullable=True),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("updated_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_standing_orders_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_standing_orders_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_standing_orders_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standing_orders")),
        sa.UniqueConstraint(
            "connection_id",
            "external_id",
            name=op.f("uq_standing_orders_connection_id_external_id"),
        ),
    )
    with op.batch_alter_table("standing_orders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_standing_orders_connection_id"), ["connection_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_standing_orders_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("credit_limit", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("provider_type", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("display_suffix", sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column("synced_until", potwise.db.types.UTCDateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "full_history_until", potwise.db.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("webhook_secret_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("webhook_external_id", sa.String(length=128), nullable=True))
        batch_op.add_column(
            sa.Column(
                "unattended_paused_until",
                potwise.db.types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_connections_webhook_secret_hash"), ["webhook_secret_hash"]
        )

    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decline_reason", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.drop_column("decline_reason")

    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_connections_webhook_secret_hash"), type_="unique")
        batch_op.drop_column("unattended_paused_until")
        batch_op.drop_column("webhook_external_id")
        batch_op.drop_column("webhook_secret_hash")
        batch_op.drop_column("full_history_until")

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("synced_until")
        batch_op.drop_column("display_suffix")
        batch_op.drop_column("provider_type")
        batch_op.drop_column("credit_limit")

    with op.batch_alter_table("standing_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_standing_orders_user_id"))
        batch_op.drop_index(batch_op.f("ix_standing_orders_connection_id"))

    op.drop_table("standing_orders")
    with op.batch_alter_table("direct_debits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_direct_debits_user_id"))
        batch_op.drop_index(batch_op.f("ix_direct_debits_connection_id"))

    op.drop_table("direct_debits")
    with op.batch_alter_table("unattended_calls", schema=None) as batch_op:
        batch_op.drop_index("ix_unattended_calls_connection_at")

    op.drop_table("unattended_calls")
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_runs_user_id"))
        batch_op.drop_index("ix_sync_runs_connection_started")

    op.drop_table("sync_runs")
    with op.batch_alter_table("oauth_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oauth_states_user_id"))

    op.drop_table("oauth_states")
    with op.batch_alter_table("oauth_clients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oauth_clients_user_id"))

    op.drop_table("oauth_clients")
    op.drop_table("leases")
