"""connecting: the PKCE verifier of each OAuth flow, kept with its state

A TrueLayer authorization code is bound to the flow that asked for it by PKCE:
the flow's verifier stays on the server beside the state's row and goes to the
token endpoint with the code. Rows made before this revision have none; their
flows finish without PKCE, as they started.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 22:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("oauth_states", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code_verifier", sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("oauth_states", schema=None) as batch_op:
        batch_op.drop_column("code_verifier")
