"""mirror: a transaction's account, connection and user checked as one key

`transactions` had three foreign keys (user, connection, account), each checked by
PostgreSQL once per written row, and two indexes that are prefixes of others
(`ix_transactions_user_id` of the `(user_id, …)` indexes, `ix_transactions_connection_id`
of the unique `(connection_id, external_id)`). A large ingest spent 40 % of the
server's time on the three checks and a further share on the two indexes.

They become one key, `(account_id, connection_id, user_id)` referring to the
account's own `(id, connection_id, user_id)` (a new unique constraint on `accounts`,
which its primary key already implies): one check per row, and a stricter one, since a
transaction can no longer name an account of another connection or user. Deleting a
user or a connection still removes their transactions, through their accounts.

A database holding a transaction whose three ids disagree is refused with the count,
before anything changes.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 14:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OWNER = "fk_transactions_account_owner"


def upgrade() -> None:
    _refuse_mismatched_owners()
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_accounts_id_connection_id_user_id"), ["id", "connection_id", "user_id"]
        )
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_transactions_user_id_users"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_transactions_connection_id_connections"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_transactions_account_id_accounts"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_transactions_user_id"))
        batch_op.drop_index(batch_op.f("ix_transactions_connection_id"))
        batch_op.create_foreign_key(
            _OWNER,
            "accounts",
            ["account_id", "connection_id", "user_id"],
            ["id", "connection_id", "user_id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.drop_constraint(_OWNER, type_="foreignkey")
        batch_op.create_index(batch_op.f("ix_transactions_connection_id"), ["connection_id"])
        batch_op.create_index(batch_op.f("ix_transactions_user_id"), ["user_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_transactions_account_id_accounts"),
            "accounts",
            ["account_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_transactions_connection_id_connections"),
            "connections",
            ["connection_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_transactions_user_id_users"),
            "users",
            ["user_id"],
            ["id"],
            ondelete="CASCADE",
        )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_accounts_id_connection_id_user_id"), type_="unique")


def _refuse_mismatched_owners() -> None:
    transactions = sa.table(
        "transactions",
        sa.column("account_id", sa.String),
        sa.column("connection_id", sa.String),
        sa.column("user_id", sa.String),
    )
    accounts = sa.table(
        "accounts",
        sa.column("id", sa.String),
        sa.column("connection_id", sa.String),
        sa.column("user_id", sa.String),
    )
    mismatched = op.get_bind().scalar(
        sa.select(sa.func.count())
        .select_from(transactions.join(accounts, accounts.c.id == transactions.c.account_id))
        .where(
            sa.or_(
                accounts.c.connection_id != transactions.c.connection_id,
                accounts.c.user_id != transactions.c.user_id,
            )
        )
    )
    if mismatched:
        raise RuntimeError(
            f"{mismatched} transaction(s) name a connection or user other than their "
            "account's; nothing was changed. Report this: the rows need repairing "
            "before this upgrade can run."
        )
