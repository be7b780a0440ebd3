"""Users and how they sign in: browser sessions, API tokens, failed logins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
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
    # How this session passed the second factor (`totp`, `recovery`), or None when
    # the user had none at sign-in.
    second_factor: Mapped[str | None] = mapped_column(String(16))

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


class TotpFactor(Base):
    """A user's TOTP secret (encrypted with the vault). `confirmed_at` is None
    while enrolment waits for its first code; `last_step` is the newest time
    step accepted, so no code is accepted twice."""

    __tablename__ = "totp_factors"
    __table_args__ = (UniqueConstraint("user_id"),)

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = user_fk()
    secret_encrypted: Mapped[str] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    last_step: Mapped[int] = mapped_column(BigInteger, default=0)


class RecoveryCode(Base):
    """A single-use recovery code for the second factor, stored as a SHA-256 hash."""

    __tablename__ = "recovery_codes"

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = user_fk()
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class Passkey(Base):
    """A WebAuthn credential (a passkey) a user registered: its public key, the
    authenticator's signature counter and a name the user chose."""

    __tablename__ = "passkeys"

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = user_fk()
    # base64url of the credential id the authenticator chose (up to 1,023 bytes).
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    name: Mapped[str] = mapped_column(String(100))
    transports: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]


class WebauthnChallenge(Base):
    """A challenge handed to a browser for one passkey ceremony: single use, five
    minutes. `user_id` is set for a registration and for a sign-in that must be
    that user's (the second step of a password sign-in); None for a passkey
    sign-in where the authenticator names the user."""

    __tablename__ = "webauthn_challenges"

    id: Mapped[str] = id_column()
    challenge: Mapped[str] = mapped_column(String(128), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime]
