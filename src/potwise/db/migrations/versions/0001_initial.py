"""users, sessions, api tokens and the bank mirror

Revision ID: 0001
Revises:
Create Date: 2026-11-23 10:36:48.326541
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import potwise.db.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index(
            "ix_login_failures_scope_key_at", ["scope", "key_hash", "at"], unique=False
        )

    op.create_table(
        "users",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("created_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "password_changed_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", potwise.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "connections",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("provider_id", sa.String(length=64), nullable=True),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("external_user_id", sa.String(length=128), nullable=True),
        sa.Column("access_token_enc", sa.Text(), nullable=True),
        sa.Column("refresh_token_enc", sa.Text(), nullable=True),
        sa.Column("token_expires_at", potwise.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("consent_expires_at", potwise.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("scopes", sa.Text(), nullable=True),
        sa.Column("created_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_synced_at", potwise.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "provider IN ('monzo', 'truelayer')", name=op.f("ck_connections_provider")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_connections_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connections")),
    )
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_connections_user_id"), ["user_id"], unique=False)

    op.create_table(
        "sessions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", potwise.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("user_agent", sa.String(length=255), nullable=True),
        sa.Column("ip_address", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_sessions_token_hash")),
    )
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "accounts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("connection_id", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=True),
        sa.Column("available", sa.BigInteger(), nullable=True),
        sa.Column("balance_at", potwise.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("created_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('current', 'joint', 'savings', 'credit_card')", name=op.f("ck_accounts_kind")
        ),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_accounts_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_accounts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint(
            "connection_id", "external_id", name=op.f("uq_accounts_connection_id_external_id")
        ),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_accounts_connection_id"), ["connection_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_accounts_user_id"), ["user_id"], unique=False)

    op.create_table(
        "pots",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("connection_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("goal", sa.BigInteger(), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("balance_at", potwise.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_pots_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_pots_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_pots_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pots")),
        sa.UniqueConstraint(
            "connection_id", "external_id", name=op.f("uq_pots_connection_id_external_id")
        ),
    )
    with op.batch_alter_table("pots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pots_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pots_connection_id"), ["connection_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pots_user_id"), ["user_id"], unique=False)

    op.create_table(
        "transactions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("connection_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("created_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("settled_at", potwise.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("local_amount", sa.BigInteger(), nullable=True),
        sa.Column("local_currency", sa.String(length=3), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("merchant", sa.String(length=200), nullable=True),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.Column("provider_category", sa.String(length=64), nullable=True),
        sa.Column("classification", sa.String(length=32), nullable=True),
        sa.Column("counterparty", sa.String(length=200), nullable=True),
        sa.Column("pot_external_id", sa.String(length=128), nullable=True),
        sa.Column("first_seen_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'settled', 'declined')", name=op.f("ck_transactions_status")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_transactions_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_transactions_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_transactions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transactions")),
        sa.UniqueConstraint(
            "connection_id", "external_id", name=op.f("uq_transactions_connection_id_external_id")
        ),
    )
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_transactions_account_created", ["account_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_transactions_connection_id"), ["connection_id"], unique=False
        )
        batch_op.create_index(
            "ix_transactions_user_created", ["user_id", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_transactions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "balance_snapshots",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=True),
        sa.Column("pot_id", sa.String(length=32), nullable=True),
        sa.Column("at", potwise.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("available", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.CheckConstraint(
            "(account_id IS NOT NULL AND pot_id IS NULL) OR (account_id IS NULL AND pot_id IS NOT NULL)",
            name=op.f("ck_balance_snapshots_one_owner"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_balance_snapshots_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pot_id"],
            ["pots.id"],
            name=op.f("fk_balance_snapshots_pot_id_pots"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_balance_snapshots_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_balance_snapshots")),
    )
    with op.batch_alter_table("balance_snapshots", schema=None) as batch_op:
        batch_op.create_index("ix_balance_snapshots_account_at", ["account_id", "at"], unique=False)
        batch_op.create_index("ix_balance_snapshots_pot_at", ["pot_id", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_balance_snapshots_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("balance_snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_balance_snapshots_user_id"))
        batch_op.drop_index("ix_balance_snapshots_pot_at")
        batch_op.drop_index("ix_balance_snapshots_account_at")

    op.drop_table("balance_snapshots")
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transactions_user_id"))
        batch_op.drop_index("ix_transactions_user_created")
        batch_op.drop_index(batch_op.f("ix_transactions_connection_id"))
        batch_op.drop_index("ix_transactions_account_created")

    op.drop_table("transactions")
    with op.batch_alter_table("pots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pots_user_id"))
        batch_op.drop_index(batch_op.f("ix_pots_connection_id"))
        batch_op.drop_index(batch_op.f("ix_pots_account_id"))

    op.drop_table("pots")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accounts_user_id"))
        batch_op.drop_index(batch_op.f("ix_accounts_connection_id"))

    op.drop_table("accounts")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sessions_user_id"))

    op.drop_table("sessions")
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_connections_user_id"))

    op.drop_table("connections")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    op.drop_table("users")
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_login_failures_scope_key_at")

    op.drop_table("login_failures")
