"""Links to banks and what talking to them leaves behind: the OAuth clients and states,
TrueLayer's unattended calls, and each sync's run.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from potwise.db.models.base import Base, id_column, user_fk, utcnow

PROVIDERS = ("monzo", "truelayer")


class Connection(Base):
    """A link to a bank: Monzo, or one TrueLayer provider. Tokens are encrypted."""

    __tablename__ = "connections"
    __table_args__ = (CheckConstraint("provider IN ('monzo', 'truelayer')", name="provider"),)

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = user_fk()
    provider: Mapped[str] = mapped_column(String(16))
    provider_id: Mapped[str | None] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(32), default="active")
    status_reason: Mapped[str | None] = mapped_column(Text)
    external_user_id: Mapped[str | None] = mapped_column(String(128))
    access_token_enc: Mapped[str | None] = mapped_column(Text)
    refresh_token_enc: Mapped[str | None] = mapped_column(Text)
    token_expires_at: Mapped[datetime | None]
    consent_expires_at: Mapped[datetime | None]
    scopes: Mapped[str | None] = mapped_column(Text)
    # Until when the provider still serves full history (right after consent).
    full_history_until: Mapped[datetime | None]
    # Monzo webhooks: the receiver finds the connection by the hash of its URL secret.
    webhook_secret_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    webhook_external_id: Mapped[str | None] = mapped_column(String(128))
    # TrueLayer: unattended calls are refused until then (allowance spent).
    unattended_paused_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_synced_at: Mapped[datetime | None]


class OAuthClient(Base):
    """A user's own OAuth client for a provider, saved in the UI. The secret is encrypted."""

    __tablename__ = "oauth_clients"
    __table_args__ = (UniqueConstraint("user_id", "provider"),)

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = user_fk()
    provider: Mapped[str] = mapped_column(String(16))
    client_id: Mapped[str] = mapped_column(String(200))
    client_secret_enc: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OAuthState(Base):
    """An OAuth `state` handed out: single use, short-lived, bound to a session."""

    __tablename__ = "oauth_states"

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = user_fk()
    session_id: Mapped[str | None] = mapped_column(String(32))
    provider: Mapped[str] = mapped_column(String(16))
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Set when re-connecting an existing connection instead of adding one.
    connection_id: Mapped[str | None] = mapped_column(String(32))
    # The flow's PKCE verifier (TrueLayer): kept here, never sent to the browser,
    # and cleared when the state is used.
    code_verifier: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class UnattendedCall(Base):
    """One call made to a provider without the user present (TrueLayer's daily cap)."""

    __tablename__ = "unattended_calls"
    __table_args__ = (Index("ix_unattended_calls_connection_at", "connection_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    connection_id: Mapped[str] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    endpoint: Mapped[str] = mapped_column(String(64))


class SyncRun(Base):
    """One sync of one connection: when, what it found, what it cost, what failed."""

    __tablename__ = "sync_runs"
    __table_args__ = (Index("ix_sync_runs_connection_started", "connection_id", "started_at"),)

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = user_fk()
    connection_id: Mapped[str] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    trigger: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="running")
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    api_calls: Mapped[int] = mapped_column(Integer, default=0)
    retries: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[Any]] = mapped_column(JSON, default=list)
