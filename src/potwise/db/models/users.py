"""Users and how they sign in: browser sessions, API tokens, failed logins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false, true

from potwise.db.models.base import Base, id_column, user_fk, utcnow


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = id_column()
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    timezone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the user proved they read mail at `email` (None: not yet; rules that move
    # money wait for it).
    email_verified_at: Mapped[datetime | None]
    # Mail that is not needed to use the account (sign-in notices); off by the
    # List-Unsubscribe link or in Settings.
    mail_notices: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    # The user's own switch: no automation of theirs moves money while it is on.
    automations_paused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class UserSession(Base):
    """A browser session: only the SHA-256 of its random token is stored."""

    __tablename__ = "sessions"

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = user_fk()
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    user_agent: Mapped[str | None] = mapped_column(String(255))
    ip_address: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship(lazy="joined")


class ApiToken(Base):
    """A personal API token: shown once, stored as a SHA-256 hash."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = user_fk()
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")


class LoginFailure(Base):
    """A failed login, kept for the rate limiter's 15-minute window.

    `scope` is `account` (keyed by the e-mail) or `address` (the client
    address); `key_hash` is a keyed hash so the table holds no addresses.
    """

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_scope_key_at", "scope", "key_hash", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)
