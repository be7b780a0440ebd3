"""E-mail and the links it carries: the outbox, account links, known browsers.

The outbox holds every message until the sender has handed it to the SMTP server,
so a request never waits on mail. Account links (verification, password reset,
e-mail change, invitations) are stored as the SHA-256 of their random nonce only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from potwise.db.models.base import Base, id_column, user_fk, utcnow

OUTBOX_STATUSES = ("queued", "sent", "failed")
LINK_PURPOSES = ("verify", "reset", "email_change", "invite")


class OutboxMessage(Base):
    """One e-mail waiting to be sent, sent, or given up on (`failed`, with the reason).

    Times are real time (`clock.wall`): backoff is measured in real seconds. Once
    sent, the bodies are emptied (they may carry a single-use link)."""

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_status_next", "status", "next_attempt_at"),)

    id: Mapped[str] = id_column()
    user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(255))
    essential: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class AccountLink(Base):
    """A single-use link sent by e-mail: only the hash of its nonce is kept.

    `email` is the address the link proves (verification, a new address) or was
    sent to (an invitation, which has no user yet)."""

    __tablename__ = "account_links"

    id: Mapped[str] = id_column()
    user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(16))
    nonce_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class KnownBrowser(Base):
    """A browser the user has signed in from (the hash of its long-lived cookie):
    a sign-in from any other is worth telling them about."""

    __tablename__ = "known_browsers"
    __table_args__ = (UniqueConstraint("user_id", "browser_hash"),)

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = user_fk()
    browser_hash: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime]
